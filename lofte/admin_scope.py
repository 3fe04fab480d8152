"""What a coordinator may see in admin: only the promises they coordinate.

Every ModelAdmin of the project inherits ScopedAdmin. Its list, change pages, filters,
autocomplete and related-object choices all go through the models' `coordinated_by(user)`
querysets, so another promise's objects are absent (404 on their change pages).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin


def scoped(queryset: models.QuerySet, user) -> models.QuerySet:
    """The queryset narrowed to what `user` coordinates, when the model belongs to a promise."""
    if hasattr(queryset, "coordinated_by"):
        return queryset.coordinated_by(user)
    return queryset


class ScopedFormfieldsMixin:
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


class ScopedRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """Offers the related objects that occur in the (scoped) list, read in one query.

    Django's own filter calls each choice's __str__ one by one; a reporting round's names
    its promise, which would cost a query per round.
    """

    def field_choices(self, field, request, model_admin):
        in_list = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        choices = field.related_model._default_manager.filter(pk__in=in_list).select_related()
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in choices]


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


class ScopedImportExportMixin:
    """Import and export through the user's scope.

    The resource gets the user (to refuse rows of other promises); export goes through the
    scoped change list; any invalid row rolls back the whole file.
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
