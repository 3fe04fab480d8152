"""Import and export of partners, with their municipality and the promises (of the user's)
they take part in."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from lofte.models import Municipality, Promise
from lofte.places import municipality_code, unknown_municipality
from lofte.spreadsheets.bulk_import import by_column
from lofte.spreadsheets.resources import LIST_SEPARATOR, ScopedResource, column, split_names

from .models import Partner


class PartnerResource(ScopedResource):
    name = fields.Field(attribute="name", column_name="namn")
    municipality = fields.Field(attribute="municipality_id", column_name="kommunkod")
    kind = fields.Field(attribute="kind", column_name="typ")
    email = fields.Field(attribute="email", column_name="e-post")
    promises = fields.Field(column_name="löften", readonly=True)

    class Meta:
        model = Partner
        fields = ["name", "municipality", "kind", "email", "promises"]
        import_id_fields = ["municipality", "name"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        name = "Samverkansparter"

    def get_queryset(self):
        # A row names its partner by municipality and name (get_instance), among every
        # partner: check_row refuses a municipality that is not the user's, and a change to a
        # partner they do not manage (Partner.objects.managed_by).
        return Partner.objects.all()

    def dehydrate_promises(self, obj: Partner) -> str:
        mine = self.coordinated_promises()
        return f"{LIST_SEPARATOR} ".join(
            sorted(p.slug for p in obj.promises.all() if p.slug in mine)
        )

    def before_import(self, dataset, **kwargs):
        """What the rows are checked against, read once a file whatever its length: the
        user's municipalities, the named promises' municipalities, the partners the file
        names (with their promises) and those of them the user manages."""
        super().before_import(dataset, **kwargs)
        if "kommunkod" not in (dataset.headers or []):
            # A file may name the municipality in “kommun”, or leave it to the default.
            dataset.append_col([""] * dataset.height, header="kommunkod")
        slugs = {slug for cell in column(dataset, "löften") for slug in split_names(cell)}
        promises = self.coordinated_promises(slugs)
        self._mine = dict(
            Municipality.objects.coordinated_by(self.user).values_list("code", "name")
        )
        self._made_in: dict[int, set[str]] = {promise.pk: set() for promise in promises.values()}
        links = Promise.municipalities.through.objects.filter(promise__in=self._made_in)
        for promise_id, code in links.values_list("promise_id", "municipality_id"):
            self._made_in[promise_id].add(code)
        named = Partner.objects.filter(name__in=column(dataset, "namn"))
        self._existing = {(p.municipality_id, p.name): p for p in named}
        self._taking_part: dict[int, set[int]] = {}
        for partner_id, promise_id in Promise.partners.through.objects.filter(
            partner__in=named
        ).values_list("partner_id", "promise_id"):
            self._taking_part.setdefault(partner_id, set()).add(promise_id)
        self._managed = set(
            Partner.objects.managed_by(self.user).filter(pk__in=named).values_list("pk", flat=True)
        )

    def check_row(self, row, errors):
        kinds = {str(label).lower(): value for value, label in Partner.Kind.choices}
        kinds.update({value: value for value in Partner.Kind.values})
        kind = str(row.get("typ") or Partner.Kind.OTHER).lower()
        if kind not in kinds:
            errors.append(
                _("“%(kind)s” is not a kind of partner; use one of: %(kinds)s.")
                % {"kind": row.get("typ"), "kinds": ", ".join(Partner.Kind.values)}
            )
        else:
            row["typ"] = kinds[kind]
        if not row.get("namn"):
            errors.append(_("The partner has no name."))
        slugs = split_names(row.get("löften"))
        if not slugs and not self.user.is_superuser:
            errors.append(_("Name the promise(s) the partner takes part in (“löften”)."))
        promises = [p for p in (self.promise_for(slug, errors) for slug in slugs) if p]
        code = self._municipality(row, promises, errors)
        if code is None:
            return
        for promise in promises:
            if code not in self._made_in[promise.pk]:
                errors.append(
                    _(
                        "“%(slug)s” is not made in %(municipality)s: a partner takes part "
                        "only in promises of its own municipality."
                    )
                    % {"slug": promise.slug, "municipality": self._mine[code]}
                )
        existing = self._existing.get((code, row.get("namn")))
        if existing is None or self.user.is_superuser:
            return
        if existing.pk not in self._managed and (existing.kind, existing.email) != (
            row.get("typ"),
            row.get("e-post"),
        ):
            errors.append(
                _(
                    "“%(name)s” also takes part in promises you do not coordinate; "
                    "an administrator can change its kind and email."
                )
                % {"name": existing.name}
            )

    def _municipality(self, row, promises: list, errors: list) -> str | None:
        """The code of the row's municipality, one of the user's, written back to the row's
        “kommunkod”: as the row names it (code or name, in “kommunkod” or “kommun”), or
        else the one municipality its promises share, or the user's only one."""
        named = [(c, row.get(c)) for c in ("kommunkod", "kommun") if str(row.get(c) or "")]
        codes = set()
        for name, typed in named:
            code = municipality_code(typed)
            if code is None:
                errors.append(
                    _("“%(column)s”: %(reason)s")
                    % {"column": name, "reason": unknown_municipality(typed)}
                )
                return None
            codes.add(code)
        if not named:
            if promises:
                codes = set.intersection(*(self._made_in[p.pk] for p in promises))
            else:
                codes = set(self._mine)
        if len(codes) > 1 and named:
            errors.append(_("“kommunkod” and “kommun” name different municipalities."))
            return None
        if len(codes) != 1:
            errors.append(_("Name the partner's municipality (“kommunkod”): its code or its name."))
            return None
        (code,) = codes
        if code not in self._mine:
            errors.append(
                _("“%(typed)s” is not one of your municipalities.")
                % {"typed": named[0][1] if named else code}
            )
            return None
        row["kommunkod"] = code
        return code

    def row_key(self, row):
        return (row.get("kommunkod"), row.get("namn"))

    def duplicate_key_error(self, row, number):
        return _(
            "Row %(number)d already names “%(name)s” in this municipality; a file may name "
            "each partner once."
        ) % {"number": number, "name": row.get("namn")}

    def get_instance(self, instance_loader, row):
        """The partner of the row's municipality and name, if it exists (no query)."""
        return self._existing.get((row.get("kommunkod"), row.get("namn")))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's checks but for the municipality and the name's uniqueness: check_row
        found the municipality among the user's and get_instance the partner of that name,
        with no query a row."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=set(errors) | {"municipality"},
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise by_column(self, errors)

    def _promises(self, row):
        mine = self.coordinated_promises()
        return [mine[slug] for slug in split_names(row.get("löften")) if slug in mine]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        taking_part = self._taking_part.get(instance.pk, set())
        return all(p.pk in taking_part for p in self._promises(row))

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        taking_part = self._taking_part.get(instance.pk, set())
        for promise in self._promises(row):
            if promise.pk not in taking_part:
                promise.partners.add(instance)
