from django.contrib import admin

from lofte.admin_tools.scope import TextLimitsMixin

from .models import AccessibilityStatement


@admin.register(AccessibilityStatement)
class AccessibilityStatementAdmin(TextLimitsMixin, admin.ModelAdmin):
    """Administrators only: coordinators' group has no permission on it."""

    list_display = ["organisation", "compliance", "assessed_on", "updated_on"]
    readonly_fields = ["updated_on"]
