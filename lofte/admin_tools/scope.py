"""What a coordinator may see in admin: only the promises they coordinate.

Every ModelAdmin of the project inherits ScopedAdmin. Its list, change pages, filters,
autocomplete and related-object choices all go through the models' `coordinated_by(user)`
querysets, so another promise's objects are absent (404 on their change pages).
"""

import tablib
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from import_export.forms import SelectableFieldsExportForm
from simple_history.admin import SimpleHistoryAdmin

from lofte.models import Promise
from lofte.spreadsheets.exports import QueuedExportMixin
from lofte.spreadsheets.imports import BoundUploadMixin
from lofte.validators import TextFormField, length_hint

from .history import HistoryHelper


def scoped(queryset: models.QuerySet, user) -> models.QuerySet:
    """The queryset narrowed to what `user` coordinates, when the model belongs to a promise."""
    if hasattr(queryset, "coordinated_by"):
        return queryset.coordinated_by(user)
    return queryset


class TextLimitsMixin:
    """Every multi-line text field says its length limit in its help text.

    Without a maxlength attribute: a browser cuts a pasted text at it without a word, where
    the form's error keeps every character typed for the writer to shorten.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.TextField) and db_field.max_length and db_field.editable:
            kwargs.setdefault("form_class", TextFormField)
            kwargs.setdefault("help_text", length_hint(db_field.max_length, db_field.help_text))
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.TextField):
            field.widget.attrs.pop("maxlength", None)
        return field


class ScopedFormfieldsMixin(TextLimitsMixin):
    """Offers only in-scope objects in foreign-key and many-to-many choices."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(
                db_field.remote_field.model._default_manager.all(), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(
                db_field.remote_field.model._default_manager.all(), request.user
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# A filter lists at most this many choices: a superuser's sidebar must not grow with the
# install (8,000 partners, 600 rounds at national size); beyond it, a search box narrows them.
MAX_FILTER_CHOICES = 50


class BoundedChoicesMixin:
    """At most MAX_FILTER_CHOICES choices in the sidebar, and a search box when there are more.

    The search term travels in its own parameter (`<filter>_q`), which narrows the choices
    and never the list; choosing one sets the filter's usual parameter, so links to a
    filtered list keep working. The chosen object is shown even when the bound leaves it out.
    """

    template = "admin/bounded_filter.html"
    max_choices = MAX_FILTER_CHOICES
    search: str = ""
    searchable: bool = False
    more: bool = False
    found: int = 0

    def has_output(self):
        # A search that finds one choice, or none, still shows its box.
        return self.searchable or super().has_output()

    def pop_search(self, params: dict, name: str) -> None:
        self.search_parameter = f"{name}_q"
        values = params.pop(self.search_parameter, None) or [""]
        if isinstance(values, str):
            values = [values]
        self.search = str(values[-1]).replace("\x00", "").strip()[:100]

    def bounded(self, choices: models.QuerySet, selected, search) -> list:
        """The first MAX_FILTER_CHOICES of `choices` (narrowed by `search(queryset, term)`),
        plus the selected one; notes whether there are more, and so whether to search."""
        in_scope = choices
        if self.search:
            choices = search(choices, self.search)
        rows = list(choices[: MAX_FILTER_CHOICES + 1])
        self.more = len(rows) > MAX_FILTER_CHOICES
        self.searchable = self.more or bool(self.search)
        rows = rows[:MAX_FILTER_CHOICES]
        # Ids only, and none a database column could not hold (those name nothing).
        wanted = {str(value) for value in selected if str(value).isdigit() and int(value) < 2**31}
        missing = wanted - {str(obj.pk) for obj in rows}
        if missing:
            rows += list(in_scope.filter(pk__in=missing))
        self.found = len(rows)
        return rows

    def kept_parameters(self, changelist) -> list[tuple[str, str]]:
        """The list's other parameters, which the search box's form carries along."""
        return [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.search_parameter
        ]


def search_by_admin(model_admin, request):
    """A choice search through the related model's own admin search (as autocomplete does)."""

    def search(queryset, term):
        related_admin = model_admin.admin_site._registry.get(queryset.model)
        if related_admin is None or not related_admin.get_search_fields(request):
            return queryset.none()
        found, duplicates = related_admin.get_search_results(request, queryset, term)
        return found.distinct() if duplicates else found

    return search


class ScopedRelatedFilter(BoundedChoicesMixin, admin.RelatedOnlyFieldListFilter):
    """Offers the related objects that occur in the (scoped) list, read in one query, and at
    most MAX_FILTER_CHOICES of them.

    Django's own filter calls each choice's __str__ one by one; a reporting round's names
    its promise, which would cost a query per round. Whether an object occurs in the list is
    asked per object (EXISTS, through the index on the foreign key), not by reading every
    row of the list.
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.pop_search(params, field_path)
        super().__init__(field, request, params, model, model_admin, field_path)

    def field_choices(self, field, request, model_admin):
        in_list = model_admin.get_queryset(request).filter(**{self.field_path: OuterRef("pk")})
        choices = field.related_model._default_manager.filter(Exists(in_list)).select_related()
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        rows = self.bounded(choices, self.lookup_val or [], search_by_admin(model_admin, request))
        return [(obj.pk, str(obj)) for obj in rows]

    def choices(self, changelist):
        self.kept = self.kept_parameters(changelist)
        yield from super().choices(changelist)


class ScopedAdmin(ScopedFormfieldsMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def get_list_filter(self, request):
        """Relational filters offer only objects that occur in the (scoped) list.

        Django's default related filter lists every row of the related table, which would
        name other promises' focus areas and partners. Filters on a plain field across a
        relation ("focus_area__name") would too, so the project's admins never use them.
        """
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, ScopedRelatedFilter)
            filters.append(entry)
        return filters


class ScopedInline(ScopedFormfieldsMixin):
    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


class ScopedTabularInline(ScopedInline, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInline, admin.StackedInline):
    pass


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """ "Historik" on each object's page, for objects the user may see and no others.

    simple-history falls back to an object's last historical record when the (scoped) list
    does not hold it, which would show another promise's history; here that is a 404.
    """

    def _check_in_scope(self, request, object_id, version_id=None) -> None:
        # An id that is no id of this model (a word, too big, NUL) names nothing: 404.
        pk = _valid_id(self.model._meta.pk, unquote(object_id))
        if version_id is not None:
            _valid_id(self.model.history.model._meta.pk, version_id)
        # A superuser may still read a deleted object's past.
        in_scope = self.get_queryset(request).filter(pk=pk).exists()
        if not in_scope and not request.user.is_superuser:
            raise Http404

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id, version_id)
        if request.method == "POST":
            # History is for reading. SIMPLE_HISTORY_REVERT_DISABLED only hides the button;
            # a revert would undo a review without going through it.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def _valid_id(field, value):
    """The value as the field's Python value, or 404 when the column cannot hold it."""
    try:
        value = field.to_python(value)
    except ValidationError:
        raise Http404 from None
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            raise Http404
    if isinstance(value, str) and "\x00" in value:
        raise Http404
    return value


class SwedishExportForm(SelectableFieldsExportForm):
    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field is not None else field_name


class ScopedImportExportMixin(BoundUploadMixin, QueuedExportMixin):
    """Import and export through the user's scope.

    The resource gets the user (to refuse rows of other promises); export goes through the
    scoped change list (a big one through the task queue); any invalid row rolls back the
    whole file. The uploaded file is bounded in size and bound to the user who uploaded it
    (lofte/spreadsheets/imports.py).
    """

    def get_resource_kwargs(self, request, *args, **kwargs):
        kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        kwargs.pop("form", None)
        return {**kwargs, "user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # A file with any error imports nothing, not the rows that happened to be valid.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_result(self, result, request):
        """A file that fails its checks when confirmed (its data changed since the preview)
        was rolled back: say so, row by row, instead of django-import-export's "done"."""
        if not result.has_validation_errors():
            return super().process_result(result, request)
        rows = " ".join(
            _("Row %(number)s: %(reasons)s")
            % {"number": row.number, "reasons": " ".join(row.error.messages)}
            for row in result.invalid_rows
        )
        messages.error(
            request,
            _("Nothing was imported: the file no longer passes the checks. %(rows)s")
            % {"rows": rows},
        )
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    import_template_name = "admin/import_export_scoped/import.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "import/mall/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """An empty spreadsheet with the columns the export writes and the import reads."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.get_export_resource_classes(request)[0](
            **self.get_export_resource_kwargs(request)
        )
        content = tablib.Dataset(headers=resource.get_export_headers()).export("xlsx")
        name = slugify(f"{self.model._meta.verbose_name_plural}-mall", allow_unicode=True)
        return HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": content_disposition_header(True, f"{name}.xlsx")},
        )

    # The export page names each column as the file will ("fokusområde"), not by the
    # attribute ("Focus Area (fokusområde)").
    export_form_class = SwedishExportForm

    def get_export_filename(self, request, queryset, file_format) -> str:
        """`dellöften-centrum-2025-11-25.xlsx`: what, whose (when the user runs one
        promise), and the local date."""
        parts = [str(self.model._meta.verbose_name_plural)]
        promises = list(Promise.objects.coordinated_by(request.user).values_list("slug")[:2])
        if len(promises) == 1:
            parts.append(promises[0][0])
        parts.append(timezone.localdate().isoformat())
        name = slugify("-".join(parts), allow_unicode=True)
        return f"{name}.{file_format.get_extension()}"

    def has_export_permission(self, request):
        return self.has_view_permission(request)


def view_on_site(request, content_type_id, object_id):
    """Admin's "view on site" redirect, for objects the user may see in admin and no others.

    Django's own redirects to any object's page by content type and id, which would lead a
    coordinator to another promise's draft follow-up and let ids be enumerated. Here the
    object must be in the model admin's (scoped) list; anything else is a 404.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.contenttypes.views import shortcut

    content_type = ContentType.objects.filter(
        pk=_valid_id(ContentType._meta.pk, content_type_id)
    ).first()
    model = content_type.model_class() if content_type else None
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        raise Http404
    pk = _valid_id(model._meta.pk, unquote(object_id))
    if not model_admin.get_queryset(request).filter(pk=pk).exists():
        raise Http404
    return shortcut(request, content_type_id, object_id)
