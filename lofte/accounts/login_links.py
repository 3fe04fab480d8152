"""One-time login links by email, for reporters who would rather not keep a password.

The link carries a token like a password-reset token, with its own salt and a short life
(settings.LOGIN_LINK_MAX_AGE). The token's hash covers the user's last login, so logging in
with it (or any other way) spends it: each link works once.

Opening the link shows a button; only pressing it logs in. Mail scanners that fetch every
link in a message would otherwise spend it before the person could.
"""

import math
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_tasks import task

from lofte.mail import queue_email, site_url

from .throttle import throttle_mail


class LoginLinkTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for login links: not interchangeable with password-reset tokens."""

    key_salt = "lofte.login_links.LoginLinkTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        timestamp = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - timestamp <= settings.LOGIN_LINK_MAX_AGE


login_link_tokens = LoginLinkTokenGenerator()


class LoginLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _reporters():
    """Who may log in by link: active reporters only. Staff and superusers keep their
    password (and its lockout); a mailbox alone must never open the admin."""
    return get_user_model()._default_manager.filter(
        is_active=True, is_staff=False, is_superuser=False
    )


def _users_with_email(email: str):
    return _reporters().filter(email__iexact=email)


def _queue_link(user) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = site_url(reverse("login_link", args=[uid, login_link_tokens.make_token(user)]))
    context = {"user": user, "url": url, "minutes": settings.LOGIN_LINK_MAX_AGE // 60}
    queue_email(
        to=user.email,
        subject=str(_("Your login link – Citizen promises")),
        body=render_to_string("registration/login_link_email.txt", context),
    )


@task()
def send_login_links(email: str) -> int:
    """Queues a login link to each reporter with this address; returns how many."""
    users = list(_users_with_email(email))
    with translation.override(settings.LANGUAGE_CODE):
        for user in users:
            _queue_link(user)
    return len(users)


def throttled(request, retry_after: int):
    """The answer to one request for mail too many, for whatever address (429)."""
    response = render(
        request,
        "registration/mail_throttled.html",
        {"minutes": math.ceil(retry_after / 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def request_link(request):
    """Asks for an email address; answers the same whether or not it is known.

    The request does the same work either way (it counts the request and queues one task
    with the address); the worker finds out whether anyone has it.
    """
    form = LoginLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        retry_after = throttle_mail(request, email)
        if retry_after:
            return throttled(request, retry_after)
        send_login_links.enqueue(email)
        return redirect("login_link_sent")
    return render(
        request,
        "registration/login_link_form.html",
        {"form": form, "minutes": settings.LOGIN_LINK_MAX_AGE // 60},
    )


def link_sent(request):
    return render(
        request,
        "registration/login_link_sent.html",
        {"minutes": settings.LOGIN_LINK_MAX_AGE // 60},
    )


def _user_for_link(uidb64: str, token: str):
    """The user the link is for, if the link is valid and unspent and the user still may log
    in by link (one made staff since it was sent may not); else None."""
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        user = _reporters().get(pk=pk)
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        return None
    return user if login_link_tokens.check_token(user, token) else None


@require_http_methods(["GET", "POST"])
def use_link(request, uidb64: str, token: str):
    """Shows a login button for a valid link; pressing it logs in and spends the link."""
    user = _user_for_link(uidb64, token)
    if user is None:
        return render(request, "registration/login_link_invalid.html", status=400)
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/login_link_confirm.html", {"link_user": user})


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, with its email queued like every other (lofte/mail.py)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = render_to_string(subject_template_name, context)
        queue_email(
            to=to_email, subject=subject, body=render_to_string(email_template_name, context)
        )


@task()
def send_password_reset(email: str) -> int:
    """Queues a password-reset link to each active user with this address and a password;
    returns how many. Links point at settings.SITE_URL, never at a Host a request named."""
    form = QueuedPasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    site = urlsplit(settings.SITE_URL)
    with translation.override(settings.LANGUAGE_CODE):
        form.save(domain_override=site.netloc, use_https=site.scheme == "https")
    return len(list(form.get_users(email)))


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Django's password reset, answering and working as the login-link form does: the same
    page whether or not the address is known, throttled, the mail sent by the worker."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        retry_after = throttle_mail(request, email)
        if retry_after:
            return throttled(request, retry_after)
        send_password_reset.enqueue(email)
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


urlpatterns = [
    # Ahead of django.contrib.auth.urls, which lofte/urls.py includes after these.
    path("password_reset/", password_reset, name="password_reset"),
    path("inloggningslank/", request_link, name="login_link_request"),
    path("inloggningslank/skickad/", link_sent, name="login_link_sent"),
    path("inloggningslank/<uidb64>/<token>/", use_link, name="login_link"),
]
