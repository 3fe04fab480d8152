"""Logging in under attack: login links and password resets answer the same for any address
and are throttled per address and per client in the database; the lockout cannot be turned
against a coordinator; the client's address is read correctly behind reverse proxies."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from lofte.models import MailThrottle, OutgoingEmail
from lofte.settings import client_address_settings

from .conftest import (
    make_coordinator,
    make_partner,
    make_promise,
    make_reporter,
    run_queued_tasks,
    subprocess_database_url,
    wait_for_other_sessions_to_end,
)

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db

# The two forms that send mail to an address someone types, and the page each leads to.
MAIL_FORMS = [
    ("login_link_request", "Om adressen är känd har en länk skickats till den"),
    ("password_reset", "Titta i din e-post"),
]


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)


def ask(client, form: str, email: str, **extra):
    return client.post(reverse(form), {"email": email}, **extra)


# --- The same answer and the same work for any address --------------------------------------


@pytest.mark.parametrize(("form", "answer"), MAIL_FORMS)
def test_known_and_unknown_address_get_the_same_page_and_queue_one_task_each(
    client, db_queue, form, answer
):
    make_reporter(make_partner(), "anna")  # anna@example.org

    with CaptureQueriesContext(connection) as known_queries:
        known = ask(client, form, "anna@example.org")
    after_known = DBTaskResult.objects.count()
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = ask(client, form, "okand@example.org")
    after_unknown = DBTaskResult.objects.count()

    # The same answer: status, redirect and the page it leads to.
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    known_page, unknown_page = client.get(known["Location"]), client.get(unknown["Location"])
    assert without_csrf(known_page.content.decode()) == without_csrf(unknown_page.content.decode())
    assert answer in known_page.content.decode()
    # The same work: one task queued each, nothing mailed in the request, the same queries.
    assert (after_known, after_unknown) == (1, 2)
    assert OutgoingEmail.objects.count() == 0
    assert len(known_queries) == len(unknown_queries)

    # The worker finds out who has the address: a message for anna, none for the stranger.
    assert run_queued_tasks() == 3  # the two lookups and anna's message
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["anna@example.org"]
    assert mail.outbox[0].to == ["anna@example.org"]


def test_mail_server_down_never_shows_in_the_answer(client, db_queue, settings):
    settings.EMAIL_BACKEND = "tests.test_login_throttling.BrokenBackend"
    make_reporter(make_partner(), "anna")
    response = ask(client, "password_reset", "anna@example.org")
    assert response.url == reverse("password_reset_done")
    run_queued_tasks()
    email = OutgoingEmail.objects.get()
    assert email.to == "anna@example.org"
    assert email.state == OutgoingEmail.State.QUEUED  # to be tried again
    assert "SMTP is down" in email.error


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


# --- Throttling ----------------------------------------------------------------------------


def test_fourth_request_for_one_address_is_refused_in_swedish_whichever_form(client, settings):
    settings.MAIL_THROTTLE_PER_ADDRESS = 3
    make_reporter(make_partner(), "anna")
    assert ask(client, "login_link_request", "anna@example.org").status_code == 302
    assert ask(client, "password_reset", "ANNA@example.org").status_code == 302
    assert ask(client, "login_link_request", "anna@example.org").status_code == 302

    response = ask(client, "password_reset", "anna@example.org")

    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>För många förfrågningar</h1>" in html
    assert "Vänta 15 minuter och försök igen." in html
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert len(mail.outbox) == 3  # nothing sent for the refused one
    # Another address from the same client is still served.
    assert ask(client, "password_reset", "bo@example.org").status_code == 302


def test_unknown_address_is_throttled_like_a_known_one(client, settings):
    settings.MAIL_THROTTLE_PER_ADDRESS = 2
    make_reporter(make_partner(), "anna")
    answers = {}
    for email in ["anna@example.org", "okand@example.org"]:
        answers[email] = [ask(client, "login_link_request", email).status_code for _ in range(3)]
    assert answers["anna@example.org"] == answers["okand@example.org"] == [302, 302, 429]


def test_eleventh_request_from_one_client_is_refused_whatever_the_address(client, settings):
    settings.MAIL_THROTTLE_PER_CLIENT = 10
    for n in range(10):
        response = ask(client, "login_link_request", f"person{n}@example.org")
        assert response.status_code == 302
    refused = ask(client, "password_reset", "person10@example.org")
    assert refused.status_code == 429
    assert "för den här adressen eller från din uppkoppling" in refused.content.decode()
    # Another client is served.
    other = ask(client, "password_reset", "person10@example.org", REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302


def test_throttle_keeps_no_address_in_clear_and_forgets_after_the_window(client, settings):
    settings.MAIL_THROTTLE_PER_ADDRESS = 1
    assert ask(client, "login_link_request", "anna@example.org").status_code == 302
    assert ask(client, "login_link_request", "anna@example.org").status_code == 429
    keys = list(MailThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2  # this client, this address
    assert not any("anna" in key or "127.0.0.1" in key for key in keys)

    # The window ends (as if 15 minutes had passed): asking works again, old counts go.
    from django.utils import timezone

    MailThrottle.objects.update(expires_at=timezone.now())
    assert ask(client, "login_link_request", "anna@example.org").status_code == 302
    assert MailThrottle.objects.filter(count=1).count() == 2


@pytest.mark.django_db(transaction=True)
def test_requests_counted_by_another_server_process_throttle_this_one(client, settings):
    """The count lives in the database: requests another process served count here."""
    settings.MAIL_THROTTLE_PER_ADDRESS = 3
    code = (
        "from django.test import RequestFactory\n"
        "from lofte.accounts.throttle import throttle_mail\n"
        "request = RequestFactory().post('/', REMOTE_ADDR='192.0.2.10')\n"
        "print([throttle_mail(request, 'anna@example.org') for _ in range(3)])\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_DEBUG": "true",
        "DJANGO_MAIL_THROTTLE_PER_ADDRESS": "3",
    }
    other = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip().splitlines()[-1] == "[0, 0, 0]"
    wait_for_other_sessions_to_end()

    # This process has not seen anna's address before, and still refuses it.
    response = ask(client, "login_link_request", "anna@example.org", REMOTE_ADDR="192.0.2.20")
    assert response.status_code == 429
    assert "För många förfrågningar" in response.content.decode()


# --- Lockout -------------------------------------------------------------------------------


def fail_logins(client, username: str, times: int, **extra) -> None:
    for _ in range(times):
        client.post(reverse("admin:login"), {"username": username, "password": "fel"}, **extra)


def test_stranger_cannot_lock_a_coordinator_out_from_another_address(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    make_coordinator(make_promise("Angered"), "samordnare")
    fail_logins(client, "samordnare", 6, REMOTE_ADDR="8.8.4.4")
    # The stranger's connection is locked out, even with the right password.
    locked = client.post(
        reverse("admin:login"),
        {"username": "samordnare", "password": "test-password-1"},
        REMOTE_ADDR="8.8.4.4",
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session

    # The coordinator, from their own address, logs in.
    response = client.post(
        reverse("admin:login"),
        {"username": "samordnare", "password": "test-password-1"},
        REMOTE_ADDR="9.9.9.9",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"8.8.4.4"}


def test_behind_a_proxy_a_forged_forwarded_for_cannot_lock_the_coordinator_out(client, settings):
    for name, value in client_address_settings(1).items():
        setattr(settings, name, value)
    settings.AXES_FAILURE_LIMIT = 5
    make_coordinator(make_promise("Angered"), "samordnare")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The stranger (8.8.4.4) claims to be the coordinator's address; the proxy appends theirs.
    fail_logins(client, "samordnare", 6, HTTP_X_FORWARDED_FOR="9.9.9.9, 8.8.4.4", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"8.8.4.4"}

    response = client.post(
        reverse("admin:login"),
        {"username": "samordnare", "password": "test-password-1"},
        HTTP_X_FORWARDED_FOR="9.9.9.9",
        **proxy,
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_behind_a_proxy_one_client_is_throttled_whatever_it_forges(client, settings):
    for name, value in client_address_settings(1).items():
        setattr(settings, name, value)
    settings.MAIL_THROTTLE_PER_CLIENT = 3
    for n in range(3):
        forged = f"203.0.113.{n}, 8.8.4.4"
        response = ask(
            client,
            "login_link_request",
            f"person{n}@example.org",
            HTTP_X_FORWARDED_FOR=forged,
            REMOTE_ADDR="10.0.0.2",
        )
        assert response.status_code == 302
    refused = ask(
        client,
        "login_link_request",
        "person9@example.org",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 8.8.4.4",
        REMOTE_ADDR="10.0.0.2",
    )
    assert refused.status_code == 429
    # Another client behind the same proxy is served.
    other = ask(
        client,
        "login_link_request",
        "person9@example.org",
        HTTP_X_FORWARDED_FOR="9.9.9.9",
        REMOTE_ADDR="10.0.0.2",
    )
    assert other.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client_address"),
    [
        # No proxy: the header is the client's own words and is ignored.
        (0, "9.9.9.9", "10.0.0.2"),
        (0, None, "10.0.0.2"),
        # One proxy (Caddy): the last entry is the address it was reached from.
        (1, "8.8.4.4", "8.8.4.4"),
        (1, "9.9.9.9, 8.8.4.4", "8.8.4.4"),
        (1, "not-an-address, 8.8.4.4", "8.8.4.4"),
        (1, "10.1.2.3", "10.1.2.3"),  # a client on the municipality's own network
        (1, None, "10.0.0.2"),  # not through the proxy (a health check)
        # Two proxies (a load balancer, then Caddy): the second entry from the right.
        (2, "9.9.9.9, 8.8.4.4, 10.0.0.9", "8.8.4.4"),
        (2, "8.8.4.4, 10.0.0.9", "8.8.4.4"),
    ],
)
def test_client_address_behind_trusted_proxies(settings, proxies, forwarded_for, client_address):
    for name, value in client_address_settings(proxies).items():
        setattr(settings, name, value)
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **headers)
    assert get_client_ip_address(request) == client_address


@pytest.mark.parametrize("value", ["-1", "two"])
def test_bad_trusted_proxy_count_stops_the_start(value):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "true",
        "DJANGO_TRUSTED_PROXY_COUNT": value,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_COUNT must be" in result.stderr


@pytest.mark.parametrize("form", ["login_link_request", "password_reset"])
def test_asking_for_mail_costs_the_same_queries_however_many_accounts_and_counts(
    client, db_queue, django_assert_max_num_queries, form
):
    """The request never looks at accounts, and old counts go in one statement: 12 at most
    (2 buckets × look up or create, the clean-up, the savepoints, queueing the task)."""
    make_reporter(make_partner(), "anna")
    with django_assert_max_num_queries(12):
        assert ask(client, form, "anna@example.org").status_code == 302

    partner = make_partner()
    for n in range(12):
        make_reporter(partner, f"rapportor{n}")
    for n in range(12):
        ask(client, form, f"rapportor{n}@example.org", REMOTE_ADDR=f"192.0.2.{n}")
    from django.utils import timezone

    MailThrottle.objects.filter(pk__in=MailThrottle.objects.all()[:10]).update(
        expires_at=timezone.now()
    )
    with django_assert_max_num_queries(12):
        assert ask(client, form, "anna@example.org").status_code == 302
