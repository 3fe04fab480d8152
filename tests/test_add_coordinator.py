"""`manage.py add_coordinator`: the first coordinator of a promise, from the command line."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command

from lofte.accounts.roles import COORDINATORS
from lofte.models import OutgoingEmail

from .conftest import make_promise, make_user

pytestmark = pytest.mark.django_db


def test_new_person_becomes_coordinator_and_is_invited_to_choose_a_password():
    promise = make_promise("Angered")
    call_command("add_coordinator", "Sara.Berg@Goteborg.se", promise.slug, verbosity=0)

    user = get_user_model().objects.get(email="Sara.Berg@Goteborg.se")
    assert user.username == "sara.berg@goteborg.se"
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [COORDINATORS]
    assert list(promise.coordinators.all()) == [user]
    (message,) = mail.outbox
    assert message.to == ["Sara.Berg@Goteborg.se"]
    assert message.subject == f"Du är samordnare för {promise}"
    assert "/accounts/reset/" in message.body and "/admin/" in message.body
    assert OutgoingEmail.objects.get().state == "sent"


def test_running_it_again_or_for_an_existing_account_adds_no_account():
    promise, other = make_promise("Angered"), make_promise("Tynnered")
    existing = make_user("sara")
    call_command("add_coordinator", existing.email.upper(), promise.slug, verbosity=0)
    call_command("add_coordinator", existing.email, other.slug, verbosity=0)
    call_command("add_coordinator", existing.email, other.slug, verbosity=0)

    assert get_user_model().objects.count() == 1
    existing.refresh_from_db()
    assert existing.is_staff and existing.has_usable_password()
    assert set(existing.coordinated_promises.all()) == {promise, other}
    assert all("/accounts/reset/" not in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    ("email", "slug", "error"),
    [
        ("inte-en-adress", "angered", "Not an email address"),
        ("sara@example.org", "finns-inte", "No promise with the slug 'finns-inte'"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(email, slug, error):
    make_promise("Angered", slug="angered")
    with pytest.raises(CommandError, match=error):
        call_command("add_coordinator", email, slug, verbosity=0)
    assert not get_user_model().objects.exists() and mail.outbox == []
