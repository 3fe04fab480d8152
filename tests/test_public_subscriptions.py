"""Following a promise by email: double opt-in, a mail on each new follow-up, one-click
unsubscribe, and nothing kept but the address."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .document_data import make_follow_up
from .public_data import build_world

pytestmark = pytest.mark.django_db

ADDRESS = "invanare@example.org"


@pytest.fixture
def world():
    return build_world()


def link_in(message, name: str) -> str:
    path = re.search(rf"https?://[^/\s]+(/prenumeration/[^/\s]+/{name}/)", message.body)
    assert path, message.body
    return path.group(1)


def main_of(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def subscribe(client, world, email=ADDRESS):
    return client.post(reverse("public:subscribe", args=[world.promise.slug]), {"email": email})


def confirmed(client, world):
    subscribe(client, world)
    client.post(link_in(mail.outbox[-1], "bekrafta"))
    mail.outbox.clear()


def publish_new(world, title="Uppföljning 2026"):
    return make_follow_up(
        world.promise, title=title, state="published", published_at=timezone.now()
    )


def test_bad_address_is_refused_and_kept_as_typed(client, world):
    response = subscribe(client, world, email="inte en adress")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Fyll i en giltig e-postadress." in body
    assert 'value="inte en adress"' in body
    assert mail.outbox == []


def test_confirming_takes_a_button_not_just_opening_the_link(client, world):
    response = subscribe(client, world)
    assert "Titta i din e-post" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    assert message.subject == "Bekräfta att du vill följa Medborgarlöfte Backa 2024-2025"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link_in(message, "bekrafta")
    publish_new(world)
    assert "Bekräfta din prenumeration" in client.get(link).content.decode()
    assert call_command("send_follow_up_notices") is None
    assert len(mail.outbox) == 1  # opened, not confirmed: no notice
    assert "Du följer löftet" in client.post(link).content.decode()


def test_each_new_follow_up_is_mailed_once_to_confirmed_subscribers(client, world):
    confirmed(client, world)
    subscribe(client, world, email="obekraftad@example.org")
    mail.outbox.clear()
    follow_up = publish_new(world)
    call_command("send_follow_up_notices")
    call_command("send_follow_up_notices")
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    assert message.subject == "Ny uppföljning: Uppföljning 2026"
    assert f"/uppfoljning/{world.promise.slug}/" in message.body
    unsubscribe = link_in(message, "avsluta")
    assert message.extra_headers["List-Unsubscribe"] == f"<http://localhost:8000{unsubscribe}>"
    assert follow_up.title in message.body


def test_follow_ups_published_before_confirming_are_not_mailed(client, world):
    # The world's follow-up was published before anyone subscribed.
    confirmed(client, world)
    call_command("send_follow_up_notices")
    assert mail.outbox == []


@pytest.mark.parametrize("state", ["publishing", "failed"])
def test_a_follow_up_still_publishing_or_failed_is_not_mailed(client, world, state):
    confirmed(client, world)
    make_follow_up(
        world.promise,
        title="Uppföljning 2026",
        state=state,
        publishing_since=timezone.now(),
        published_at=timezone.now(),
    )
    call_command("send_follow_up_notices")
    assert mail.outbox == []
    assert not world.promise.subscriptions.get().notices.exists()


def test_one_click_unsubscribe_deletes_the_address_without_a_form(client, world):
    from django.apps import apps

    Subscription = apps.get_model("public", "Subscription")
    confirmed(client, world)
    publish_new(world)
    call_command("send_follow_up_notices")
    link = link_in(mail.outbox[-1], "avsluta")
    assert "Sluta följa" in client.get(link).content.decode()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Du följer inte längre löftet" in response.content.decode()
    assert not Subscription.objects.filter(email=ADDRESS).exists()
    assert strict.post(link).status_code == 200  # a second click is harmless
    assert client.get(link).status_code == 404


def test_asking_again_soon_sends_no_second_mail_and_tells_nothing(client, world):
    first = subscribe(client, world)
    again = subscribe(client, world)
    assert len(mail.outbox) == 1
    assert main_of(first) == main_of(again)
    client.post(link_in(mail.outbox[0], "bekrafta"))
    assert main_of(subscribe(client, world)) == main_of(first)
    assert len(mail.outbox) == 1


def test_unconfirmed_addresses_are_deleted_after_a_week(client, world):
    from django.apps import apps

    Subscription = apps.get_model("public", "Subscription")
    subscribe(client, world)
    Subscription.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    call_command("send_follow_up_notices")
    assert not Subscription.objects.exists()


def test_unknown_tokens_are_404(client, world):
    assert client.get(reverse("public:confirm_subscription", args=["nej"])).status_code == 404
    assert client.post(reverse("public:confirm_subscription", args=["nej"])).status_code == 404
    assert client.get(reverse("public:unsubscribe", args=["nej"])).status_code == 404
