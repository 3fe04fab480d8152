"""Import and export of sub-promises (and the shared base for every resource).

Files use Swedish column names and refer to things by name, as a coordinator writes them
in a spreadsheet: the promise by its slug, the focus area and partners by name. Every row
is checked against what the importing user coordinates; a row naming something unknown or
outside their promises is an error with a plain reason, never a new row. Together with
`rollback_on_validation_errors` (see ScopedImportExportMixin) one bad row imports nothing.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from .admin_scope import scoped
from .models import FocusArea, Promise, Responsibility, SubPromise

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

    def coordinated_promises(self) -> dict[str, Promise]:
        if not hasattr(self, "_coordinated"):
            self._coordinated = {p.slug: p for p in Promise.objects.coordinated_by(self.user)}
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
            value = "" if value is None else unescape_formula(value)
            row[key] = value.strip() if isinstance(value, str) else value
        errors = []
        self.check_row(row, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, row, errors: list) -> None:
        """Adds a plain-language reason to `errors` for each problem in the row."""


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

    def clean(self, value, row=None, **kwargs):
        """The object a name refers to, looked up once per import (rows repeat names)."""
        key = (row.get("löfte") if row else None, value)
        found = self.__dict__.setdefault("_found", {})
        if key not in found:
            found[key] = super().clean(value, row, **kwargs)
        return found[key]


class SubPromiseResource(ScopedResource):
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
        name = "Dellöften"

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["focus_area"].widget.user = user

    def dehydrate_promise(self, obj: SubPromise) -> str:
        return obj.focus_area.promise.slug

    def _partners(self, obj: SubPromise, role: str) -> str:
        return f"{LIST_SEPARATOR} ".join(
            r.partner.name for r in obj.responsibilities.all() if r.role == role
        )

    def dehydrate_lead_partner(self, obj: SubPromise) -> str:
        return self._partners(obj, Responsibility.Role.LEAD)

    def dehydrate_co_partners(self, obj: SubPromise) -> str:
        return self._partners(obj, Responsibility.Role.CO)

    def _promise_names(self, promise: Promise) -> tuple[set[str], dict]:
        """Focus area names and partners by name of a promise, read once per import."""
        cache = self.__dict__.setdefault("_names", {})
        if promise.pk not in cache:
            cache[promise.pk] = (
                set(FocusArea.objects.filter(promise=promise).values_list("name", flat=True)),
                {p.name: p for p in promise.partners.all()},
            )
        return cache[promise.pk]

    def check_row(self, row, errors):
        promise = self.promise_for(row.get("löfte"), errors)
        if promise is None:
            return
        area_names, partners = self._promise_names(promise)
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
            if name not in partners:
                errors.append(
                    _("“%(name)s” is not a partner of this promise (check the spelling).")
                    % {"name": name}
                )
        if set(lead) & set(co):
            errors.append(_("A partner cannot be both lead and co-owner."))

    def _wanted(self, row) -> dict[str, str]:
        wanted = dict.fromkeys(split_names(row.get("medverkande parter")), Responsibility.Role.CO)
        for name in split_names(row.get("ansvarig part")):
            wanted[name] = Responsibility.Role.LEAD
        return wanted

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        current = dict(instance.responsibilities.values_list("partner__name", "role"))
        return current == self._wanted(row)

    def save_instance(self, instance, is_create, row, **kwargs):
        self._creating = is_create
        super().save_instance(instance, is_create, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        """Makes the responsibilities what the row says, the lead last (one lead at a time)."""
        super().after_save_instance(instance, row, **kwargs)
        wanted = self._wanted(row)
        promise = self.coordinated_promises()[row.get("löfte")]
        partners = self._promise_names(promise)[1]
        if self._creating:  # a new sub-promise has no responsibilities to reconcile
            Responsibility.objects.bulk_create(
                Responsibility(sub_promise=instance, partner=partners[name], role=role)
                for name, role in wanted.items()
            )
            return
        instance.responsibilities.exclude(partner__name__in=wanted).delete()
        instance.responsibilities.filter(role=Responsibility.Role.LEAD).exclude(
            partner__name__in=[n for n, r in wanted.items() if r == Responsibility.Role.LEAD]
        ).update(role=Responsibility.Role.CO)
        for name, role in sorted(wanted.items(), key=lambda item: item[1] == "lead"):
            Responsibility.objects.update_or_create(
                sub_promise=instance, partner=partners[name], defaults={"role": role}
            )
