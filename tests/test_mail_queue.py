"""Every email goes through the queue: requests record it, a worker sends it, failures are
retried and recorded, and one failing message never holds up another."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lofte.mail import queue_email
from lofte.models import OutgoingEmail

from .conftest import (
    make_coordinator,
    make_partner,
    make_promise,
    make_reporter,
    make_user,
    run_queued_tasks,
)

pytestmark = pytest.mark.django_db

FAILING = {"nere@example.org"}
FAIL_ONCE: set[str] = set()


class FlakyEmailBackend(EmailBackend):
    """Like the test outbox, but the SMTP server refuses some addresses."""

    def send_messages(self, messages):
        for message in messages:
            (to,) = message.to
            if to in FAILING:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if to in FAIL_ONCE:
                FAIL_ONCE.discard(to)
                raise smtplib.SMTPRecipientsRefused({to: (451, b"try again later")})
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = "tests.test_mail_queue.FlakyEmailBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3


def test_login_link_request_queues_the_mail_and_returns(client, db_queue):
    reporter = make_reporter(make_partner(), "familjebostader")
    response = client.post(reverse("login_link_request"), {"email": reporter.email})
    assert response.status_code == 302 and response.url == reverse("login_link_sent")
    assert mail.outbox == []
    # The request queues the lookup; the worker finds the reporter and queues the message.
    assert DBTaskResult.objects.get().status == "READY"
    assert not OutgoingEmail.objects.exists()
    assert run_queued_tasks() == 2
    email = OutgoingEmail.objects.get()
    assert email.to == reporter.email
    (sent,) = mail.outbox
    assert sent.to == [reporter.email] and "/accounts/inloggningslank/" in sent.body
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 1) and email.finished_at is not None
    # The one-time link is not kept once the message is out.
    assert email.body == ""


def test_password_reset_queues_the_mail(client, db_queue):
    user = make_user("poseidon")
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "READY"
    run_queued_tasks()
    assert OutgoingEmail.objects.get().to == user.email
    (sent,) = mail.outbox
    assert sent.to == [user.email]
    assert sent.subject == "Välj ett nytt lösenord – Medborgarlöften"
    assert "/accounts/reset/" in sent.body


def test_unknown_address_gets_the_same_answer_and_no_mail(client, db_queue):
    response = client.post(reverse("login_link_request"), {"email": "okand@example.org"})
    assert response.status_code == 302 and response.url == reverse("login_link_sent")
    # One lookup queued, as for a known address (tests/test_login_throttling.py); no mail.
    assert DBTaskResult.objects.count() == 1
    assert run_queued_tasks() == 1
    assert not OutgoingEmail.objects.exists() and mail.outbox == []


def test_a_failed_send_is_retried_later_and_recorded(db_queue, flaky_smtp):
    FAIL_ONCE.add("en-gang@example.org")
    email = queue_email(to="en-gang@example.org", subject="Hej", body="Text")
    run_queued_tasks()

    email.refresh_from_db()
    assert (email.state, email.attempts) == ("queued", 1)
    assert email.error.startswith("SMTPRecipientsRefused")
    assert mail.outbox == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now()  # later, not at once

    # A minute passes.
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_queued_tasks()
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [["en-gang@example.org"]]


def test_one_failing_message_never_stops_the_others(flaky_smtp):
    coordinator = make_coordinator(make_promise())
    partner = make_partner()
    fine, broken = make_reporter(partner, "fine"), make_reporter(partner, "nere")
    broken.email = "nere@example.org"
    broken.save()
    from lofte.mail import reporters_of, send_each

    assert (
        send_each(
            reporters_of([partner]),
            "Ämne",
            "parties/emails/invitation.txt",
            {
                "partner": partner,
                "invited_by": coordinator,
                "set_password_url": "https://example.org/x",
                "portal_url": "https://example.org/",
            },
        )
        == 2
    )

    assert [m.to for m in mail.outbox] == [[fine.email]]
    sent, failed = (
        OutgoingEmail.objects.get(to=fine.email),
        OutgoingEmail.objects.get(to="nere@example.org"),
    )
    assert sent.state == "sent"
    assert (failed.state, failed.attempts) == ("failed", 3)
    assert failed.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert failed.body  # kept, so that it can be sent again


def test_superuser_sees_failures_and_sends_them_again(client, flaky_smtp):
    queue_email(to="nere@example.org", subject="Påminnelse", body="Text")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    changelist = reverse("admin:lofte_outgoingemail_changelist")
    html = client.get(changelist).content.decode()
    assert "nere@example.org" in html and "Misslyckades" in html

    FAILING.discard("nere@example.org")
    try:
        response = client.post(
            changelist,
            {"action": "retry", "_selected_action": [OutgoingEmail.objects.get().pk]},
            follow=True,
        )
    finally:
        FAILING.add("nere@example.org")
    assert "1 e-postmeddelande köades igen." in response.content.decode()
    assert OutgoingEmail.objects.get().state == "sent"
    assert [m.to for m in mail.outbox] == [["nere@example.org"]]


def test_coordinators_do_not_see_the_mail_queue(client):
    queue_email(to="annan@example.org", subject="Hemligt", body="Text")
    client.force_login(make_coordinator(make_promise()))
    assert client.get(reverse("admin:lofte_outgoingemail_changelist")).status_code == 403
    assert "annan@example.org" not in client.get(reverse("admin:index")).content.decode()


def test_line_breaks_in_a_subject_are_folded_not_failed():
    email = queue_email(to="a@example.org", subject="Rad ett\nBcc: b@example.org", body="x")
    assert email.subject == "Rad ett Bcc: b@example.org"
    assert OutgoingEmail.objects.get().state == "sent"
    assert mail.outbox[0].to == ["a@example.org"] and mail.outbox[0].bcc == []


def test_mail_queue_list_costs_the_same_queries_whatever_its_length(
    client, db_queue, django_assert_max_num_queries
):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    changelist = reverse("admin:lofte_outgoingemail_changelist")
    for total in (2, 40):
        while OutgoingEmail.objects.count() < total:
            queue_email(
                to=f"n{OutgoingEmail.objects.count()}@example.org", subject="Ämne", body="x"
            )
        with django_assert_max_num_queries(8):
            html = client.get(changelist).content.decode()
        assert f"n{total - 1}@example.org" in html
