"""Onboarding a municipality: the operator makes its first coordinator (`manage.py
onboard_municipality`, or the municipality's page in admin); that coordinator adds the
municipality's promises and invites the other coordinators of them."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from lofte.accounts.roles import COORDINATORS
from lofte.models import Municipality, OutgoingEmail, Promise
from parties.models import Publisher

from .conftest import GOTEBORG, make_coordinator, make_promise, make_user

pytestmark = pytest.mark.django_db

KUNGALV = "1482"


def onboard(*args) -> str:
    out = io.StringIO()
    call_command("onboard_municipality", *args, stdout=out, verbosity=0)
    return out.getvalue()


def new_promise(**fields) -> dict:
    """A promise's add form as a coordinator posts it."""
    return {
        "area": "Ytterby",
        "municipalities": [KUNGALV],
        "slug": "ytterby-2026",
        "name": "tillsammans för ett tryggare Ytterby",
        "text": "Löftets text.",
        "organisers": "kommunen tillsammans med polisen",
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "previous": "",
        "focus_areas-TOTAL_FORMS": "0",
        "focus_areas-INITIAL_FORMS": "0",
        "publications-TOTAL_FORMS": "0",
        "publications-INITIAL_FORMS": "0",
        **fields,
    }


def test_the_command_makes_the_coordinator_and_queues_the_invitation():
    output = onboard(KUNGALV, "Anna.Lind@Kungalv.se")
    user = get_user_model().objects.get(email="Anna.Lind@Kungalv.se")
    assert user.username == "anna.lind@kungalv.se"
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [COORDINATORS]
    assert list(Municipality.objects.get(code=KUNGALV).coordinators.all()) == [user]
    assert not Promise.objects.coordinated_by(user).exists()
    email = OutgoingEmail.objects.get()
    assert (email.to, email.subject) == ("Anna.Lind@Kungalv.se", "Du är samordnare i Kungälv")
    (message,) = mail.outbox
    assert "Du är nu samordnare i Kungälv" in message.body
    assert "/accounts/reset/" in message.body and "/admin/" in message.body
    assert "Created anna.lind@kungalv.se: coordinator in Kungälv (1482)" in output
    assert not Publisher.objects.exists()


def test_the_new_coordinator_adds_a_promise_in_their_municipality_and_in_no_other(client):
    onboard(KUNGALV, "anna@kungalv.se")
    user = get_user_model().objects.get(email="anna@kungalv.se")
    client.force_login(user)
    url = reverse("admin:lofte_promise_add")
    form = client.get(url).context["adminform"].form
    assert [m.code for m in form.fields["municipalities"].queryset] == [KUNGALV]
    assert form.initial["municipalities"] == [KUNGALV]
    # Another municipality, or none: refused, nothing saved.
    for municipalities, error in [([GOTEBORG], "giltigt alternativ"), ([], "måste fyllas i")]:
        response = client.post(url, new_promise(municipalities=municipalities))
        assert response.status_code == 200
        errors = " ".join(response.context["adminform"].form.errors["municipalities"])
        assert error in errors
        assert not Promise.objects.exists()
    response = client.post(url, new_promise())
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert list(promise.municipalities.values_list("code", flat=True)) == [KUNGALV]
    assert list(promise.coordinators.all()) == [user]  # they run the promise they started
    assert list(Promise.objects.coordinated_by(user)) == [promise]


def test_the_new_coordinator_invites_the_other_coordinators_of_their_promise(client):
    onboard(KUNGALV, "anna@kungalv.se")
    client.force_login(get_user_model().objects.get(email="anna@kungalv.se"))
    client.post(reverse("admin:lofte_promise_add"), new_promise())
    promise = Promise.objects.get()
    url = reverse("admin:lofte_promise_invite_coordinator", args=[promise.pk])
    client.post(url, {"email": "polis@polisen.se"})
    colleague = get_user_model().objects.get(email="polis@polisen.se")
    assert set(promise.coordinators.values_list("email", flat=True)) == {
        "anna@kungalv.se",
        "polis@polisen.se",
    }
    assert colleague.is_staff and colleague.groups.filter(name=COORDINATORS).exists()
    assert OutgoingEmail.objects.filter(to="polis@polisen.se").count() == 1


def test_the_command_adds_the_municipalitys_publisher_once():
    args = [
        KUNGALV,
        "anna@kungalv.se",
        "--publisher",
        "Kungälvs kommun",
        "--publisher-url",
        "https://www.kungalv.se/",
        "--publisher-email",
        "kommunen@kungalv.se",
    ]
    assert "Publisher: Kungälvs kommun" in onboard(*args)
    onboard(*args)  # again: the same account, municipality link and publisher
    publisher = Publisher.objects.get()
    assert (publisher.name, publisher.municipality_id, publisher.url, publisher.email) == (
        "Kungälvs kommun",
        KUNGALV,
        "https://www.kungalv.se/",
        "kommunen@kungalv.se",
    )
    assert get_user_model().objects.count() == 1
    assert Municipality.objects.get(code=KUNGALV).coordinators.count() == 1


def test_the_municipality_may_be_named_instead_of_its_code():
    onboard("kungälv", "anna@kungalv.se")
    assert Municipality.objects.get(code=KUNGALV).coordinators.get().email == "anna@kungalv.se"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        # The reasons the import gives, in the site's language.
        (["9999", "anna@kungalv.se"], "”9999” är inte en av Sveriges 290 kommunkoder."),
        (["Kungalv", "anna@kungalv.se"], "Ingen kommun heter ”Kungalv”; menade du Kungälv (1482)"),
        ([KUNGALV, "inte-en-adress"], "Not an email address"),
        (
            [KUNGALV, "anna@kungalv.se", "--publisher", "K", "--publisher-url", "inte en adress"],
            "The publisher is not valid: url:",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(args, error):
    with pytest.raises(CommandError, match=error.replace("(", r"\(").replace(")", r"\)")):
        onboard(*args)
    assert not get_user_model().objects.exists()
    assert not Municipality.coordinators.through.objects.exists()
    assert not Publisher.objects.exists()
    assert not OutgoingEmail.objects.exists() and mail.outbox == []


def test_another_municipalitys_publisher_name_is_refused():
    Publisher.objects.create(name="Polisen Väst", municipality_id=GOTEBORG)
    with pytest.raises(CommandError, match="Another municipality's publisher"):
        onboard(KUNGALV, "anna@kungalv.se", "--publisher", "Polisen Väst")
    assert not get_user_model().objects.exists()


# --- The municipality in admin -------------------------------------------------------------


def test_a_superuser_invites_a_municipalitys_coordinator_in_admin(client):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    change = reverse("admin:lofte_municipality_change", args=[KUNGALV])
    invite = reverse("admin:lofte_municipality_invite_coordinator", args=[KUNGALV])
    page = client.get(change).content.decode()
    assert invite in page and 'name="coordinators"' in page
    response = client.post(invite, {"email": "anna@kungalv.se"}, follow=True)
    assert "anna@kungalv.se är nu samordnare i kommunen" in response.content.decode()
    user = get_user_model().objects.get(email="anna@kungalv.se")
    assert list(Municipality.objects.get(code=KUNGALV).coordinators.all()) == [user]
    assert [m.to for m in mail.outbox] == [["anna@kungalv.se"]]
    # The list finds a municipality by its name or code.
    changelist = reverse("admin:lofte_municipality_changelist")
    for term in ["Kungälv", "1482"]:
        found = client.get(changelist, {"q": term}).context["cl"].result_list
        assert [m.code for m in found] == [KUNGALV]


def test_a_superuser_gives_a_municipality_its_coordinators(client):
    coordinator = make_user("anna", is_staff=True)
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    change = reverse("admin:lofte_municipality_change", args=[KUNGALV])
    # The code, name and county come from the shipped list: posted ones are ignored.
    data = {"coordinators": [coordinator.pk], "name": "Annat namn", "code": "9999"}
    assert client.post(change, data).status_code == 302
    municipality = Municipality.objects.get(code=KUNGALV)
    assert list(municipality.coordinators.all()) == [coordinator]
    assert municipality.name == "Kungälv"
    assert not Municipality.objects.filter(code="9999").exists()


def test_a_coordinator_reads_their_own_municipalities_only(client):
    promise = make_promise(municipalities=(GOTEBORG,))
    coordinator = make_coordinator(promise)
    Municipality.objects.get(code=KUNGALV).coordinators.add(coordinator)
    outsider = make_user("utomstaende", is_staff=True)
    client.force_login(coordinator)
    changelist = reverse("admin:lofte_municipality_changelist")
    found = client.get(changelist).context["cl"].result_list
    assert sorted(m.code for m in found) == [GOTEBORG, KUNGALV]
    page = client.get(reverse("admin:lofte_municipality_change", args=[KUNGALV])).content.decode()
    assert 'name="coordinators"' not in page  # read-only, and who else is there not shown
    assert reverse("admin:lofte_municipality_invite_coordinator", args=[KUNGALV]) not in page
    # Nothing changes by POST, not their coordinators, not the invitation.
    change = reverse("admin:lofte_municipality_change", args=[KUNGALV])
    assert client.post(change, {"coordinators": [outsider.pk]}).status_code == 403
    invite = reverse("admin:lofte_municipality_invite_coordinator", args=[KUNGALV])
    assert client.post(invite, {"email": "sock@example.org"}).status_code == 403
    # Another municipality is not there for them.
    other = reverse("admin:lofte_municipality_change", args=["0180"])
    assert client.get(other, follow=True).redirect_chain[-1][0] == reverse("admin:index")
    other_invite = reverse("admin:lofte_municipality_invite_coordinator", args=["0180"])
    assert client.post(other_invite, {"email": "sock@example.org"}).status_code == 404
    assert list(Municipality.objects.get(code=KUNGALV).coordinators.all()) == [coordinator]
    assert not get_user_model().objects.filter(email="sock@example.org").exists()
    assert mail.outbox == []
