"""Inviting a new reporter for a partner: an email with a link to set a password."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from lofte.mail import portal_url, send_each, site_url


def set_password_url(user) -> str:
    """A one-time link for this user to choose a password (Django's reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url(reverse("password_reset_confirm", args=[uid, token]))


def send_invitation(*, user, partner, invited_by) -> int:
    """Invites a new reporter for `partner` with a link to set their password."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("You have been invited to report for %(partner)s") % {"partner": partner}
    return send_each(
        [user],
        subject,
        "parties/emails/invitation.txt",
        {
            "partner": partner,
            "invited_by": invited_by,
            "set_password_url": set_password_url(user),
            "portal_url": portal_url(),
        },
    )
