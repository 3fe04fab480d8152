"""Import and export of sub-promises (and the shared base for every resource).

Files use Swedish column names and refer to things by name, as a coordinator writes them
in a spreadsheet: the promise by its slug, the focus area and partners by name. Every row
is checked against what the importing user coordinates; a row naming something unknown or
outside their promises is an error with a plain reason, never a new row. Together with
`rollback_on_validation_errors` (see ScopedImportExportMixin) one bad row imports nothing.
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from lofte.admin_tools.scope import scoped
from lofte.models import FocusArea, Promise, Responsibility, SubPromise

from .bulk_import import BulkImportMixin, by_column

# What a spreadsheet would run as a formula if a cell began with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"


def escape_formula(value):
    """Text that a spreadsheet would run is prefixed with an apostrophe, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def split_names(value) -> list[str]:
    return [name.strip() for name in str(value or "").split(LIST_SEPARATOR) if name.strip()]


def clean_cell(value):
    """A cell as the import reads it: no formula escape, no surrounding blanks."""
    value = "" if value is None else unescape_formula(value)
    return value.strip() if isinstance(value, str) else value


def column(dataset, name: str) -> set[str]:
    """The distinct values of a column, cleaned as rows are, as text."""
    if name not in (dataset.headers or []):
        return set()
    return {str(clean_cell(value)) for value in dataset[name]}


def whole_numbers(values) -> set[int]:
    """The values that are whole numbers (a spreadsheet may write 3 as "3.0")."""
    values = (value.removesuffix(".0") for value in values)
    return {int(value) for value in values if value.isdigit()}


class ExportedDiff(resources.Diff):
    """The import preview's columns as the export writes them.

    django-import-export reads a preview's cells by attribute only, so columns computed by
    `dehydrate_*` (the promise, the partners) showed empty on every row.
    """

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = self._exported(resource, None if new else instance)

    def compare_with(self, resource, instance):
        self.right = self._exported(resource, instance)

    @staticmethod
    def _exported(resource, instance) -> list:
        fields = resource.get_import_fields()
        if instance is None:
            return ["" for _field in fields]
        return [resource.export_field(field, instance) for field in fields]


class ScopedResource(resources.ModelResource):
    """A resource bound to the user who imports or exports."""

    def get_diff_class(self):
        return ExportedDiff

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def get_queryset(self):
        return scoped(self._meta.model._default_manager.all(), self.user)

    def coordinated_promises(self, slugs=None) -> dict[str, Promise]:
        """The user's promises by slug, read once per file (only those it names, if given)."""
        if not hasattr(self, "_coordinated"):
            promises = Promise.objects.coordinated_by(self.user)
            if slugs is not None:
                promises = promises.filter(slug__in=slugs)
            self._coordinated = {p.slug: p for p in promises}
        return self._coordinated

    def promise_for(self, slug, errors: list) -> Promise | None:
        promise = self.coordinated_promises().get(str(slug or "").strip())
        if promise is None:
            errors.append(
                _("“%(slug)s” is not one of the promises you coordinate.") % {"slug": slug or ""}
            )
        return promise

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            row[key] = clean_cell(value)
        errors = []
        self.check_row(row, errors)
        if not errors:
            self.check_key_once(row, kwargs.get("row_number"), errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, row, errors: list) -> None:
        """Adds a plain-language reason to `errors` for each problem in the row."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's errors, each under the file's column name (“rubrik”, not “title”)."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise by_column(self, error.message_dict) from None

    def row_key(self, row) -> tuple | None:
        """What identifies the row's object, for resources that refuse a key named twice."""
        return None

    def duplicate_key_error(self, row, number: int) -> str:
        raise NotImplementedError

    def check_key_once(self, row, number, errors: list) -> None:
        """A file names each object once: a second row would overwrite the first unseen."""
        key = self.row_key(row)
        if key is None:
            return
        seen = self.__dict__.setdefault("_rows_by_key", {})
        if key in seen:
            errors.append(self.duplicate_key_error(row, seen[key]))
        else:
            seen[key] = number


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    """Looks up by `field` among the user's objects in the row's promise only."""

    def __init__(self, model, field, promise_path, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.promise_path = promise_path
        self.user = None

    def get_queryset(self, value, row, *args, **kwargs):
        return scoped(self.model._default_manager.all(), self.user).filter(
            **{f"{self.promise_path}__slug": row.get("löfte")}
        )

    def prime(self, known: dict) -> None:
        """Objects the resource has already looked up for the file, by (slug, value as text)."""
        self.__dict__.setdefault("_found", {}).update(known)

    def clean(self, value, row=None, **kwargs):
        """The object a name refers to, looked up once per import (rows repeat names)."""
        key = (row.get("löfte") if row else None, value if value is None else str(value))
        found = self.__dict__.setdefault("_found", {})
        if key not in found:
            found[key] = super().clean(value, row, **kwargs)
        return found[key]


class SubPromiseResource(BulkImportMixin, ScopedResource):
    promise = fields.Field(column_name="löfte", readonly=True)
    focus_area = fields.Field(
        attribute="focus_area",
        column_name="fokusområde",
        widget=ScopedForeignKeyWidget(FocusArea, field="name", promise_path="promise"),
    )
    position = fields.Field(
        attribute="position", column_name="nummer", widget=widgets.IntegerWidget()
    )
    title = fields.Field(attribute="title", column_name="rubrik")
    description = fields.Field(attribute="description", column_name="beskrivning")
    indicator_label = fields.Field(attribute="indicator_label", column_name="indikator")
    indicator_unit = fields.Field(attribute="indicator_unit", column_name="enhet")
    indicator_target = fields.Field(
        attribute="indicator_target", column_name="mål", widget=widgets.DecimalWidget()
    )
    lead_partner = fields.Field(column_name="ansvarig part", readonly=True)
    co_partners = fields.Field(column_name="medverkande parter", readonly=True)

    bulk_update_fields = [
        "title",
        "description",
        "indicator_label",
        "indicator_unit",
        "indicator_target",
    ]
    # Found among the promise's own focus areas; `derived_from` is never imported.
    looked_up_fields = {"focus_area", "derived_from"}

    class Meta:
        model = SubPromise
        fields = [
            "promise",
            "focus_area",
            "position",
            "title",
            "description",
            "indicator_label",
            "indicator_unit",
            "indicator_target",
            "lead_partner",
            "co_partners",
        ]
        import_id_fields = ["focus_area", "position"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = True  # see lofte/spreadsheets/bulk_import.py
        name = "Dellöften"

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["focus_area"].widget.user = user
        self._areas: dict[int, dict[str, FocusArea]] = {}
        self._partners: dict[int, dict] = {}
        self._existing: dict[tuple[int, int], SubPromise] = {}
        # Each existing sub-promise's responsibilities: partner id -> (id, role, name).
        self._current: dict[int, dict[int, tuple[int, str, str]]] = {}
        # The names each promise's partners go by that name two of them (see _read_partners).
        self._ambiguous: dict[int, dict[str, list[str]]] = {}

    def dehydrate_promise(self, obj: SubPromise) -> str:
        return obj.focus_area.promise.slug

    def _partners_of(self, obj: SubPromise, role: str) -> str:
        if hasattr(obj, "_import_wanted"):  # as a row of the import will leave it
            names = [partner.name for partner, r in obj._import_wanted.items() if r == role]
        elif obj.pk in self._current:  # as it is, read before the import (no query)
            names = [name for _pk, r, name in self._current[obj.pk].values() if r == role]
        else:
            names = [r.partner.name for r in obj.responsibilities.all() if r.role == role]
        return f"{LIST_SEPARATOR} ".join(names)

    def dehydrate_lead_partner(self, obj: SubPromise) -> str:
        return self._partners_of(obj, Responsibility.Role.LEAD)

    def dehydrate_co_partners(self, obj: SubPromise) -> str:
        return self._partners_of(obj, Responsibility.Role.CO)

    def before_import(self, dataset, **kwargs):
        """Everything the file names, read in five queries whatever its length."""
        super().before_import(dataset, **kwargs)
        promises = self.coordinated_promises(column(dataset, "löfte"))
        by_pk = {promise.pk: promise for promise in promises.values()}
        self._areas = {pk: {} for pk in by_pk}
        self._partners = {pk: {} for pk in by_pk}
        for area in FocusArea.objects.filter(promise__in=by_pk):
            area.promise = by_pk[area.promise_id]
            self._areas[area.promise_id][area.name] = area
        self._read_partners(by_pk)
        areas = {area.pk: area for names in self._areas.values() for area in names.values()}
        existing = SubPromise.objects.filter(
            focus_area__in=areas, position__in=whole_numbers(column(dataset, "nummer"))
        )
        for sub in existing:
            sub.focus_area = areas[sub.focus_area_id]
            self._existing[sub.focus_area_id, sub.position] = sub
            self._current[sub.pk] = {}
        responsibilities = Responsibility.objects.filter(sub_promise__in=self._current)
        for pk, sub_id, partner_id, name, role in responsibilities.values_list(
            "pk", "sub_promise_id", "partner_id", "partner__name", "role"
        ):
            self._current[sub_id][partner_id] = (pk, role, name)
        self.fields["focus_area"].widget.prime(
            {(by_pk[a.promise_id].slug, a.name): a for a in areas.values()}
        )

    def _read_partners(self, by_pk: dict) -> None:
        """The partners a row may name, per promise, in one query: those on the promise's
        list that belong to one of its municipalities (the rule of
        Partner.objects.may_be_responsible_in), so that a name never finds another
        municipality's partner of the same name. Each goes by its name and by its name with
        its municipality's, “Polisen (Kungälv)”, which a promise made in two municipalities
        needs when both have a partner of that name."""
        links = (
            Promise.partners.through.objects.filter(
                promise__in=by_pk, partner__municipality__promises=F("promise")
            )
            .select_related("partner__municipality")
            .order_by("partner__municipality__name")
        )
        for link in links:
            partner, names = link.partner, self._partners[link.promise_id]
            names[f"{partner.name} ({partner.municipality.name})"] = partner
            if partner.name in names:
                ambiguous = self._ambiguous.setdefault(link.promise_id, {})
                first = names[partner.name]
                ambiguous.setdefault(
                    partner.name, [f"{first.name} ({first.municipality.name})"]
                ).append(f"{partner.name} ({partner.municipality.name})")
            else:
                names[partner.name] = partner

    def check_row(self, row, errors):
        promise = self.promise_for(row.get("löfte"), errors)
        if promise is None:
            return
        area_names, partners = self._areas[promise.pk], self._partners[promise.pk]
        ambiguous = self._ambiguous.get(promise.pk, {})
        area = row.get("fokusområde") or ""
        if area not in area_names:
            errors.append(_("The promise has no focus area named “%(name)s”.") % {"name": area})
        position = str(row.get("nummer") or "").strip()
        if not position.replace(".0", "").isdigit():
            errors.append(
                _("“nummer” must be a whole number, not “%(value)s”.") % {"value": position}
            )
        lead = split_names(row.get("ansvarig part"))
        co = split_names(row.get("medverkande parter"))
        if len(lead) != 1:
            errors.append(_("Name exactly one lead partner (“ansvarig part”)."))
        for name in lead + co:
            if name in ambiguous:
                errors.append(
                    _(
                        "The promise has a partner named “%(name)s” in more than one of its "
                        "municipalities; write which: %(names)s."
                    )
                    % {"name": name, "names": ", ".join(f"“{n}”" for n in ambiguous[name])}
                )
            elif name not in partners:
                errors.append(
                    _("“%(name)s” is not a partner of this promise (check the spelling).")
                    % {"name": name}
                )
        # "Polisen" and "Polisen (Göteborg)" are one partner.
        found = {n: partners[n] for n in lead + co if n in partners and n not in ambiguous}
        if {found[n] for n in lead if n in found} & {found[n] for n in co if n in found}:
            errors.append(_("A partner cannot be both lead and co-owner."))

    def row_key(self, row):
        return (row.get("löfte"), row.get("fokusområde"), str(row.get("nummer")).removesuffix(".0"))

    def duplicate_key_error(self, row, number):
        return _(
            "Row %(number)d already has number %(position)s in this focus area; a file may "
            "name each sub-promise once."
        ) % {"number": number, "position": self.row_key(row)[2]}

    def get_instance(self, instance_loader, row):
        """The sub-promise the row's focus area and number name, if it exists (no query)."""
        area = self._areas[self.coordinated_promises()[row["löfte"]].pk][row["fokusområde"]]
        return self._existing.get((area.pk, int(self.row_key(row)[2])))

    def _wanted(self, row) -> dict:
        """The partners the row names, each with its role."""
        partners = self._partners[self.coordinated_promises()[row["löfte"]].pk]
        wanted = {
            partners[name]: Responsibility.Role.CO
            for name in split_names(row.get("medverkande parter"))
        }
        for name in split_names(row.get("ansvarig part")):
            wanted[partners[name]] = Responsibility.Role.LEAD
        return wanted

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        # Kept for the bulk save: which partners the row names, and in which role.
        instance._import_wanted = self._wanted(row)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        current = {pk: role for pk, (_id, role, _name) in self._current[instance.pk].items()}
        return current == {partner.pk: role for partner, role in self._wanted(row).items()}

    def after_bulk_create(self, instances):
        """A new sub-promise's responsibilities, all in one insert."""
        Responsibility.objects.bulk_create(
            Responsibility(sub_promise=sub, partner=partner, role=role)
            for sub in instances
            for partner, role in sub._import_wanted.items()
        )

    def after_bulk_update(self, instances):
        """Makes the responsibilities what the rows say, in four statements for the file:
        the partners no longer named go, leads that become co-owners step down before the
        new leads step up (one lead at a time), and newly named partners are added."""
        gone, to_co, to_lead, new = [], [], [], []
        for sub in instances:
            current = self._current[sub.pk]
            wanted = {partner.pk: (partner, role) for partner, role in sub._import_wanted.items()}
            gone += [
                pk for partner_id, (pk, _role, _n) in current.items() if partner_id not in wanted
            ]
            for partner_id, (partner, role) in wanted.items():
                if partner_id not in current:
                    new.append(Responsibility(sub_promise=sub, partner=partner, role=role))
                elif current[partner_id][1] != role:
                    (to_lead if role == Responsibility.Role.LEAD else to_co).append(
                        current[partner_id][0]
                    )
        if gone:
            Responsibility.objects.filter(pk__in=gone).delete()
        if to_co:
            Responsibility.objects.filter(pk__in=to_co).update(role=Responsibility.Role.CO)
        if to_lead:
            Responsibility.objects.filter(pk__in=to_lead).update(role=Responsibility.Role.LEAD)
        if new:
            new.sort(key=lambda r: r.role == Responsibility.Role.LEAD)
            Responsibility.objects.bulk_create(new)
