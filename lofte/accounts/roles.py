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
        # Renewal creates the next promise from one the coordinator runs ("change"); a new
        # promise is made in one of their municipalities ("add", lofte.admin.PromiseAdmin).
        "promise": ["view", "add", "change"],
        # Their own municipalities, to read and to pick for a new promise.
        "municipality": ["view"],
        "focusarea": ["view", "add", "change", "delete"],
        "commitment": ["view", "add", "change", "delete"],
        "subpromise": ["view", "add", "change", "delete"],
        "responsibility": ["view", "add", "change", "delete"],
        # Choosing and ordering the publishers of their own promises (the promise's inline).
        "promisepublisher": ["view", "add", "change", "delete"],
    },
    "parties": {
        # Import of partners needs add and change; export needs view.
        "partner": ["view", "add", "change"],
        "membership": ["view", "add", "change", "delete"],
        # The list of publishers is an administrator's; coordinators read it to choose.
        "publisher": ["view"],
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


def add_coordinator(*, email: str, promise=None, municipality=None) -> tuple:
    """Makes the person with this email a coordinator of `promise`, or in `municipality`
    (they may start promises there and pick its partners), and queues an invitation.

    The one way anyone becomes a coordinator (admin's invitation pages and the commands
    `add_coordinator` and `onboard_municipality`): a staff account in the Samordnare group,
    linked to the promise or the municipality, in one step. An unknown address gets a new
    account without a password, and the invitation carries a link to choose one. Returns
    (user, created).
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext as _

    from lofte.mail import send_each, site_url
    from parties.invitations import set_password_url

    if (promise is None) == (municipality is None):
        raise TypeError("Name a promise or a municipality.")
    User = get_user_model()
    with transaction.atomic():
        matches = list(User.objects.filter(email__iexact=email).order_by("pk")[:2])
        if len(matches) > 1:
            raise ValueError(f"More than one account has the email {email}; fix that first.")
        created = not matches
        if created:
            user = User(username=email.lower(), email=email, is_staff=True)
            user.set_unusable_password()
            user.save()
        else:
            user = matches[0]
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        user.groups.add(ensure_coordinator_group())
        with translation.override(settings.LANGUAGE_CODE):
            if promise is not None:
                promise.coordinators.add(user)
                subject = _("You are a coordinator of %(promise)s") % {"promise": promise}
            else:
                municipality.coordinators.add(user)
                subject = _("You are a coordinator in %(municipality)s") % {
                    "municipality": municipality
                }
        send_each(
            [user],
            subject,
            "lofte/emails/coordinator_invitation.txt",
            {
                "promise": promise,
                "municipality": municipality,
                "admin_url": site_url(reverse("admin:index")),
                "set_password_url": "" if user.has_usable_password() else set_password_url(user),
            },
        )
    return user, created
