"""Logging in: password, password reset, one-time links by email, and throttling."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lofte.accounts.login_links import _user_for_link, login_link_tokens

from .conftest import make_partner, make_reporter, make_user

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def test_login_page_is_swedish_and_accessible(client):
    html = page(client.get(reverse("login")))
    assert "<title>Logga in – Medborgarlöften</title>" in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert reverse("login_link_request") in html
    assert reverse("password_reset") in html


def test_reporter_logs_in_and_lands_in_the_portal(client):
    make_reporter(make_partner(), "anna")
    response = client.post(
        reverse("login"), {"username": "anna", "password": "test-password-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:dashboard")
    assert response.context["user"].username == "anna"


def test_wrong_password_shows_an_error_summary_and_keeps_the_user_name(client):
    make_user("anna")
    response = client.post(reverse("login"), {"username": "anna", "password": "fel"})
    html = page(response)
    assert 'class="error-summary"' in html
    assert "<title>Fel: Logga in" in html
    assert 'name="username" value="anna"' in html


def test_sixth_failed_login_is_locked_out_with_a_swedish_message(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    make_user("anna")
    for _ in range(5):
        client.post(reverse("login"), {"username": "anna", "password": "fel"})
    # Even the right password is refused now.
    response = client.post(reverse("login"), {"username": "anna", "password": "test-password-1"})
    assert response.status_code == 429
    html = page(response)
    assert "För många misslyckade inloggningar" in html
    assert "Försök igen om 15 minuter" in html
    assert "_auth_user_id" not in client.session


def test_password_change_needs_login_and_works(client):
    user = make_user("anna")
    assert client.get(reverse("password_change")).status_code == 302
    client.force_login(user)
    assert "Byt lösenord" in page(client.get(reverse("password_change")))
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "test-password-1",
            "new_password1": "ett-nytt-langt-losen-7",
            "new_password2": "ett-nytt-langt-losen-7",
        },
    )
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("ett-nytt-langt-losen-7")


def test_password_reset_sends_an_email_with_a_working_link(client):
    user = make_user("anna")
    response = client.post(reverse("password_reset"), {"email": "anna@example.org"})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.org"]
    assert message.subject == "Välj ett nytt lösenord – Medborgarlöften"
    assert "Ditt användarnamn: anna" in message.body
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+)", message.body)[1]
    response = client.get(link, follow=True)
    assert "Välj ett nytt lösenord" in page(response)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "ett-nytt-langt-losen-7", "new_password2": "ett-nytt-langt-losen-7"},
    )
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("ett-nytt-langt-losen-7")


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "okand@example.org"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


# --- One-time login links ------------------------------------------------------------------


def _link_from_outbox() -> str:
    pattern = re.escape(settings.SITE_URL) + r"(/accounts/inloggningslank/\S+)"
    return re.search(pattern, mail.outbox[-1].body)[1]


def test_login_link_answers_the_same_for_known_and_unknown_addresses(client):
    make_user("anna")
    known = client.post(reverse("login_link_request"), {"email": "ANNA@example.org"}, follow=True)
    unknown = client.post(reverse("login_link_request"), {"email": "nn@example.org"}, follow=True)

    def without_csrf(response) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page(response))

    assert without_csrf(known) == without_csrf(unknown)
    assert "Länken fungerar en gång, i 15 minuter." in page(known)
    # The page is rendered for the request: the language switch comes back to it.
    assert f'name="next" type="hidden" value="{reverse("login_link_sent")}"' in page(known)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.org"]
    assert "15 minuter" in mail.outbox[0].body
    assert "Ditt användarnamn: anna\n" in mail.outbox[0].body


def test_login_link_form_with_bad_address_shows_the_error_and_keeps_input(client):
    response = client.post(reverse("login_link_request"), {"email": "inte en adress"})
    html = page(response)
    assert 'href="#id_email"' in html
    assert 'value="inte en adress"' in html
    assert mail.outbox == []


def test_login_link_logs_in_once(client):
    anna = make_reporter(make_partner(), "anna")
    make_reporter(make_partner(), "bo")
    client.post(reverse("login_link_request"), {"email": "anna@example.org"})
    link = _link_from_outbox()

    # Opening the link (as a mail scanner would) does not log in or spend it.
    response = client.get(link)
    assert "Du loggar in som anna." in page(response)
    assert "_auth_user_id" not in client.session

    response = client.post(link)
    assert response.url == "/"
    assert client.session["_auth_user_id"] == str(anna.pk)

    client.logout()
    response = client.post(link)
    assert response.status_code == 400
    assert "Länken har redan använts eller är för gammal." in page(response)
    assert "_auth_user_id" not in client.session


def test_login_link_expires_after_fifteen_minutes(client, monkeypatch):
    user = make_user("anna")
    client.post(reverse("login_link_request"), {"email": "anna@example.org"})
    link = _link_from_outbox()
    now = login_link_tokens._now()
    monkeypatch.setattr(
        type(login_link_tokens), "_now", lambda self: now.replace(microsecond=0) + _minutes(16)
    )
    assert client.post(link).status_code == 400
    assert "_auth_user_id" not in client.session
    monkeypatch.setattr(type(login_link_tokens), "_now", lambda self: now + _minutes(14))
    assert client.post(link).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_link_works_for_exactly_its_lifetime(monkeypatch):
    user = make_user("anna")
    made = login_link_tokens._now().replace(microsecond=0)
    monkeypatch.setattr(type(login_link_tokens), "_now", lambda self: made)
    token = login_link_tokens.make_token(user)
    lifetime = _minutes(15)
    assert lifetime.total_seconds() == settings.LOGIN_LINK_MAX_AGE
    monkeypatch.setattr(type(login_link_tokens), "_now", lambda self: made + lifetime)
    assert login_link_tokens.check_token(user, token)
    later = made + lifetime + datetime.timedelta(seconds=1)
    monkeypatch.setattr(type(login_link_tokens), "_now", lambda self: later)
    assert not login_link_tokens.check_token(user, token)


def test_login_links_go_to_active_reporters_only(client, mailoutbox):
    make_user("gone", is_active=False)
    # A superuser without staff status still has every permission.
    make_user("root", is_superuser=True)
    for email in ("gone@example.org", "root@example.org"):
        assert client.post(reverse("login_link_request"), {"email": email}).status_code == 302
    assert mailoutbox == []


def test_login_link_of_a_deactivated_reporter_is_refused(client):
    anna = make_reporter(make_partner(), "anna")
    client.post(reverse("login_link_request"), {"email": "anna@example.org"})
    anna.is_active = False
    anna.save()
    response = client.post(_link_from_outbox())
    assert response.status_code == 400
    assert "Länken har redan använts eller är för gammal." in page(response)
    assert "_auth_user_id" not in client.session


def test_a_request_for_a_link_too_many_is_told_how_long_to_wait(client, settings):
    settings.MAIL_THROTTLE_PER_ADDRESS = 1
    # 30½ minutes: the wait is rounded up to whole minutes, 31.
    settings.MAIL_THROTTLE_WINDOW = 30 * 60 + 30
    make_reporter(make_partner(), "anna")
    url = reverse("login_link_request")
    assert client.post(url, {"email": "anna@example.org"}).status_code == 302
    response = client.post(url, {"email": "anna@example.org"})
    assert response.status_code == 429
    assert 30 * 60 < int(response["Retry-After"]) <= 30 * 60 + 30
    html = page(response)
    assert "Vänta 31 minuter och försök igen." in html
    assert f'name="next" type="hidden" value="{url}"' in html
    assert len(mail.outbox) == 1


def test_login_link_token_is_not_a_password_reset_token(client):
    from django.contrib.auth.tokens import default_token_generator

    user = make_user("anna")
    assert not login_link_tokens.check_token(user, default_token_generator.make_token(user))
    assert not default_token_generator.check_token(user, login_link_tokens.make_token(user))


def test_login_link_with_garbage_is_refused(client):
    response = client.post(reverse("login_link", args=["xx", "1-abc"]))
    assert response.status_code == 400


def _minutes(n: int):
    return datetime.timedelta(minutes=n)


def test_staff_get_no_login_link(client, mailoutbox):
    make_user("samordnare", is_staff=True)
    response = client.post(reverse("login_link_request"), {"email": "samordnare@example.org"})
    assert response.status_code == 302  # the same answer as for anyone
    assert mailoutbox == []


def _link_args(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), login_link_tokens.make_token(user)


@pytest.mark.parametrize("role", [{"is_staff": True}, {"is_superuser": True}])
def test_login_link_of_staff_or_superuser_is_refused(role):
    reporter = make_reporter(make_partner(), "anna")
    assert _user_for_link(*_link_args(reporter)) == reporter
    # A valid, unspent token for someone who may open the admin is no key at all.
    powerful = make_user("samordnare", **role)
    assert _user_for_link(*_link_args(powerful)) is None


@pytest.mark.parametrize("role", [{"is_staff": True}, {"is_superuser": True}])
def test_login_link_does_not_log_in_a_reporter_made_staff_since(client, role):
    anna = make_reporter(make_partner(), "anna")
    client.post(reverse("login_link_request"), {"email": "anna@example.org"})
    link = _link_from_outbox()
    for field, value in role.items():
        setattr(anna, field, value)
    anna.save()

    response = client.post(link)
    assert response.status_code == 400
    assert "Länken har redan använts eller är för gammal." in page(response)
    assert "_auth_user_id" not in client.session
    assert "Du loggar in som" not in page(client.get(link))
    anna.refresh_from_db()
    assert anna.last_login is None
