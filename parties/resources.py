"""Import and export of partners, with the promises (of the user's) they take part in."""

from django.utils.translation import gettext as _
from import_export import fields

from lofte.spreadsheets.resources import LIST_SEPARATOR, ScopedResource, split_names

from .models import Partner


class PartnerResource(ScopedResource):
    name = fields.Field(attribute="name", column_name="namn")
    kind = fields.Field(attribute="kind", column_name="typ")
    email = fields.Field(attribute="email", column_name="e-post")
    promises = fields.Field(column_name="löften", readonly=True)

    class Meta:
        model = Partner
        fields = ["name", "kind", "email", "promises"]
        import_id_fields = ["name"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        name = "Samverkansparter"

    def get_queryset(self):
        # Partners are shared between promises and their names are unique: an import finds an
        # existing partner by name anywhere, and check_row refuses a coordinator's row for a
        # partner outside their promises (only an administrator links one) or a change to a
        # partner they do not manage (Partner.objects.managed_by).
        return Partner.objects.all()

    def dehydrate_promises(self, obj: Partner) -> str:
        mine = self.coordinated_promises()
        return f"{LIST_SEPARATOR} ".join(
            sorted(p.slug for p in obj.promises.all() if p.slug in mine)
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
        for slug in slugs:
            self.promise_for(slug, errors)
        existing = Partner.objects.filter(name=row.get("namn")).first()
        if existing is None or self.user.is_superuser:
            return
        coordinated, managed = self._partner_scope()
        if existing.pk not in coordinated:
            # Says nothing about the partner: it is another promise's.
            errors.append(
                _(
                    "A partner named “%(name)s” already exists in another promise; "
                    "an administrator can link it to yours."
                )
                % {"name": existing.name}
            )
        elif existing.pk not in managed and (existing.kind, existing.email) != (
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

    def _partner_scope(self) -> tuple[set[int], set[int]]:
        """The partners in the user's promises, and those of them the user manages."""
        if not hasattr(self, "_scope"):
            self._scope = (
                set(Partner.objects.coordinated_by(self.user).values_list("pk", flat=True)),
                set(Partner.objects.managed_by(self.user).values_list("pk", flat=True)),
            )
        return self._scope

    def _promises(self, row):
        mine = self.coordinated_promises()
        return [mine[slug] for slug in split_names(row.get("löften")) if slug in mine]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        taking_part = set(instance.promises.values_list("pk", flat=True))
        return all(p.pk in taking_part for p in self._promises(row))

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        for promise in self._promises(row):
            promise.partners.add(instance)
