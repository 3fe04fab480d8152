"""Users from admin: invite a coordinator from the promise's page; "view on site" goes to the
promise's public page."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from lofte.accounts.roles import COORDINATORS

from .conftest import make_coordinator, make_promise, make_user

pytestmark = pytest.mark.django_db


def invite_url(promise) -> str:
    return reverse("admin:lofte_promise_invite_coordinator", args=[promise.pk])


def test_superuser_invites_a_coordinator_in_one_step(client):
    promise = make_promise("Tynnered")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:lofte_promise_change", args=[promise.pk])).content.decode()
    assert invite_url(promise) in page and "Bjud in en samordnare" in page
    response = client.post(invite_url(promise), {"email": "sara.berg@goteborg.se"}, follow=True)
    assert "Inbjudan skickad: sara.berg@goteborg.se är nu samordnare för löftet." in (
        response.content.decode()
    )
    user = get_user_model().objects.get(email="sara.berg@goteborg.se")
    assert user.is_staff and user.groups.filter(name=COORDINATORS).exists()
    assert list(promise.coordinators.all()) == [user]
    (message,) = mail.outbox
    assert message.to == ["sara.berg@goteborg.se"]


def test_a_bad_address_is_a_clear_error_and_keeps_what_was_typed(client):
    promise = make_promise()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(invite_url(promise), {"email": "sara.berg@<goteborg>"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Fyll i en giltig e-postadress." in page
    assert 'value="sara.berg@&lt;goteborg&gt;"' in page
    assert not promise.coordinators.exists() and mail.outbox == []


def test_the_promises_coordinator_invites_and_outsiders_get_404(client):
    """A coordinator invites the other coordinators of their own promise (once only a
    superuser could); a coordinator of another promise gets a 404 and sends nothing."""
    promise = make_promise()
    client.force_login(make_coordinator(promise))
    page = client.get(reverse("admin:lofte_promise_change", args=[promise.pk])).content.decode()
    assert invite_url(promise) in page
    response = client.post(invite_url(promise), {"email": "kollega@example.org"}, follow=True)
    assert "kollega@example.org är nu samordnare för löftet" in response.content.decode()
    colleague = get_user_model().objects.get(email="kollega@example.org")
    assert colleague.is_staff and not colleague.is_superuser
    assert promise.coordinators.filter(pk=colleague.pk).exists()
    assert [m.to for m in mail.outbox] == [["kollega@example.org"]]
    client.force_login(make_coordinator(make_promise()))
    assert client.get(invite_url(promise)).status_code == 404
    assert client.post(invite_url(promise), {"email": "a@b.se"}).status_code == 404
    assert not get_user_model().objects.filter(email="a@b.se").exists()
    assert len(mail.outbox) == 1


def test_view_on_site_leads_to_the_public_promise_page(client):
    promise = make_promise("Tynnered", slug="tynnered")
    client.force_login(make_coordinator(promise))
    page = client.get(reverse("admin:lofte_promise_change", args=[promise.pk])).content.decode()
    assert "Visa på webbplats" in page
    assert promise.get_absolute_url() == "/loften/tynnered/"
