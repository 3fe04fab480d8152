"""Email subscriptions to a promise: double opt-in, one-click unsubscribe, a mail on each
newly published follow-up. The address is all that is kept, and unsubscribing deletes it.

Every mail goes through `_send`, the one call of `lofte.mail.send_each`.
"""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followup.models import FollowUp
from lofte.mail import send_each, site_url
from lofte.models import Promise

from .models import Notice, Subscription

# A confirmation is sent again at most this often, so that the form cannot flood an inbox.
RESEND_AFTER = datetime.timedelta(minutes=10)
# Unconfirmed addresses are deleted after this long.
UNCONFIRMED_KEPT = datetime.timedelta(days=7)


def unsubscribe_url(subscription: Subscription) -> str:
    return site_url(reverse("public:unsubscribe", args=[subscription.token]))


def _headers(subscription: Subscription) -> dict:
    """RFC 2369 and 8058: mail clients offer a one-click unsubscribe button."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _send(subscriptions: list[Subscription], subject: str, template: str, context: dict) -> int:
    return send_each(subscriptions, subject, template, context, headers=_headers)


@transaction.atomic
def subscribe(*, promise: Promise, email: str) -> bool:
    """Records the wish and sends a confirmation link; returns whether a mail was sent.

    The answer to the visitor is the same whether or not the address already follows the
    promise, so that nobody learns who does.
    """
    email = email.strip().lower()
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        promise=promise, email=email, defaults={"token": secrets.token_urlsafe(32)}
    )
    if subscription.confirmed_at is not None:
        return False
    if not created and timezone.now() - subscription.created_at < RESEND_AFTER:
        return False
    if not created:
        Subscription.objects.filter(pk=subscription.pk).update(created_at=timezone.now())
    confirm = site_url(reverse("public:confirm_subscription", args=[subscription.token]))
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Confirm that you want to follow %(promise)s") % {"promise": promise.title}
    sent = _send(
        [subscription],
        subject,
        "public/emails/confirm_subscription.txt",
        {"promise": promise, "confirm_url": confirm, "site_url": site_url("").rstrip("/")},
    )
    return bool(sent)


def confirm(*, subscription: Subscription) -> Subscription:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(*, subscription: Subscription) -> None:
    """Deletes the address and everything recorded about it."""
    subscription.delete()


def send_notices() -> int:
    """Mails each confirmed subscriber once about each follow-up of their promise published
    since they confirmed; deletes unconfirmed addresses past their time. Safe to run often."""
    Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=timezone.now() - UNCONFIRMED_KEPT
    ).delete()
    sent = 0
    follow_ups = (
        FollowUp.objects.published()
        .filter(promise__subscriptions__confirmed_at__isnull=False)
        .select_related("promise")
        .defer("published_html", "published_pdf")
        .distinct()
        .order_by("published_at", "pk")
    )
    for follow_up in follow_ups:
        waiting = list(
            Subscription.objects.filter(
                promise=follow_up.promise_id,
                confirmed_at__isnull=False,
                confirmed_at__lte=follow_up.published_at,
            )
            .exclude(notices__follow_up=follow_up)
            .order_by("pk")
        )
        if not waiting:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("New follow-up: %(title)s") % {"title": follow_up.title}
        # Recorded first: a failed send is not retried into a double mail.
        Notice.objects.bulk_create(
            [Notice(subscription=s, follow_up=follow_up) for s in waiting],
            ignore_conflicts=True,
        )
        sent += _send(
            waiting,
            subject,
            "public/emails/new_follow_up.txt",
            {
                "follow_up": follow_up,
                "promise": follow_up.promise,
                "follow_up_url": site_url(
                    reverse("document:follow_up", args=[follow_up.promise.slug])
                ),
                "site_url": site_url("").rstrip("/"),
            },
        )
    return sent
