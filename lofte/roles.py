"""The coordinator role: a group whose permissions let staff run their promises in admin.

Import needs add and change on a model, export needs view, and each object's history
needs view (see ScopedImportExportMixin and ScopedHistoryAdmin).

What a coordinator sees is narrowed to their own promises by the models' `coordinated_by`
querysets; the group only says which kinds of objects they may view and edit.
"""

from django.contrib.auth.models import Group, Permission

COORDINATORS = "Samordnare"

# app label -> model -> actions
COORDINATOR_PERMISSIONS = {
    "lofte": {
        # Renewal creates the next promise from one the coordinator runs ("change").
        "promise": ["view", "change"],
        "focusarea": ["view", "add", "change", "delete"],
        "commitment": ["view", "add", "change", "delete"],
        "subpromise": ["view", "add", "change", "delete"],
        "responsibility": ["view", "add", "change", "delete"],
    },
    "parties": {
        # Import of partners needs add and change; export needs view.
        "partner": ["view", "add", "change"],
        "membership": ["view", "add", "change", "delete"],
    },
    "followup": {
        "reportingperiod": ["view", "add", "change"],
        # Review (approve, return, highlight) is "change"; import also creates reports.
        "statusreport": ["view", "add", "change"],
        "reportfigure": ["view"],
        "followup": ["view", "add", "change"],
        "highlight": ["view", "add", "change", "delete"],
        "reminder": ["view"],
    },
    "outcomes": {
        # The problem picture and indicators; value import needs add and change.
        "problem": ["view", "add", "change", "delete"],
        "indicator": ["view", "add", "change", "delete"],
        "indicatorvalue": ["view", "add", "change", "delete"],
    },
}


def ensure_coordinator_group() -> Group:
    """The Samordnare group with exactly the permissions above."""
    group, _ = Group.objects.get_or_create(name=COORDINATORS)
    wanted = [
        (app, f"{action}_{model}")
        for app, models in COORDINATOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in=COORDINATOR_PERMISSIONS, codename__in=[c for _, c in wanted]
    ).select_related("content_type")
    found = [p for p in permissions if (p.content_type.app_label, p.codename) in set(wanted)]
    group.permissions.set(found)
    return group
