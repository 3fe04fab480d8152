"""What a coordinator may see in admin: only the promises they coordinate.

Every ModelAdmin of the project inherits ScopedAdmin. Its list, change pages, filters,
autocomplete and related-object choices all go through the models' `coordinated_by(user)`
querysets, so another promise's objects are absent (404 on their change pages).
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db import models


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
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters


class ScopedInline(ScopedFormfieldsMixin):
    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


class ScopedTabularInline(ScopedInline, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInline, admin.StackedInline):
    pass
