"""A coordinator changes the reporters and details only of partners that are theirs alone.

The attack this closes: coordinator A links another municipality's partner to A's promise by
import, then invites a reporter of A's choosing to it, who would see that partner's
sub-promises and reports. A partner A's promise shares with promise B of the same
municipality is likewise changed by an administrator, not by A.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from lofte.models import SubPromise
from parties.models import Membership, Partner

from .conftest import (
    STOCKHOLM,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_sub_promise,
    make_user,
)
from .test_import_export import import_file

pytestmark = pytest.mark.django_db

HEADER = "namn,typ,e-post,löften\n"
# The same with the municipality, by its code or its name.
PLACED = "namn,kommunkod,typ,e-post,löften\n"


def invited(partner, email):
    """A reporter as an invitation makes one: the user name is the email."""
    user = get_user_model().objects.create_user(username=email, email=email)
    Membership.objects.create(user=user, partner=partner)
    return user


@pytest.fixture
def world():
    """Promise A with its own partner; promise B of the same municipality (Göteborg), which
    A's coordinator does not run, sharing one partner with A; and promise C of another
    municipality (Stockholm) with its own partner."""
    a = make_promise("Hisings Backa", slug="a")
    b = make_promise("Angered", slug="b")
    c = make_promise("Södermalm", slug="c", municipalities=(STOCKHOLM,))
    own = make_partner("Backa IK", kind="association", email="info@backaik.se")
    theirs = make_partner(
        "Hemlig part", kind="housing", email="hemlig@b.example", municipality_id=STOCKHOLM
    )
    shared = make_partner("Polisen", kind="police", email="polis@example.org")
    a.partners.add(own, shared)
    b.partners.add(shared)
    c.partners.add(theirs)
    make_sub_promise(make_focus_area(a, "Fritid"), own, shared, title="Läxhjälp")
    make_sub_promise(make_focus_area(b, "Trygghet"), shared, title="B:s dellöfte")
    make_sub_promise(make_focus_area(c, "Trygghet"), theirs, title="C:s hemliga dellöfte")
    return {
        "a": a,
        "b": b,
        "c": c,
        "own": own,
        "theirs": theirs,
        "shared": shared,
        "own_reporter": invited(own, "egen@example.org"),
        "their_reporter": invited(theirs, "deras@b.example"),
        "shared_reporter": invited(shared, "delad@b.example"),
        "coordinator": make_coordinator(a, "samordnare"),
    }


def invite(client, partner, email="ny@example.org"):
    return client.post(
        reverse("admin:parties_membership_add"),
        {"partner": partner.pk, "email": email, "first_name": "Nora", "last_name": "Ny"},
        follow=True,
    )


def test_managed_partners_are_those_only_in_the_coordinators_promises(world):
    assert list(Partner.objects.managed_by(world["coordinator"])) == [world["own"]]
    superuser = make_user("admin", is_staff=True, is_superuser=True)
    assert Partner.objects.managed_by(superuser).count() == 3
    assert not Partner.objects.managed_by(make_user("nobody")).exists()


def test_coordinator_cannot_link_another_municipalitys_partner_by_import(client, world):
    """The attack's first step: an error that says nothing about the partner. (Before
    partners belonged to a municipality, any other promise's partner was refused; a partner
    of the coordinator's own municipality is theirs to pick now, see
    tests/test_municipality_scope.py.)"""
    client.force_login(world["coordinator"])
    for row in [
        "Hemlig part,0180,other,,a\n",
        "Hemlig part,Stockholm,housing,hemlig@b.example,a\n",
    ]:
        preview, done = import_file(
            client, "parties_partner", (PLACED + row).encode(), "p.csv", "csv"
        )
        page = preview.content.decode()
        assert done is None
        assert "är inte en av dina kommuner" in page
        if "other" in row:  # nothing of the partner's own details, only the file's
            assert "hemlig@b.example" not in page
            assert "housing" not in page
            assert "bostadsbolag" not in page.lower()
    assert not world["a"].partners.filter(pk=world["theirs"].pk).exists()
    # Without a municipality the row is one of the coordinator's own: a new partner there.
    _, done = import_file(
        client, "parties_partner", (HEADER + "Hemlig part,other,,a\n").encode(), "p.csv", "csv"
    )
    assert done is not None
    made = world["a"].partners.get(name="Hemlig part")
    assert (made.pk, made.municipality_id) != (world["theirs"].pk, STOCKHOLM)
    world["theirs"].refresh_from_db()
    assert (world["theirs"].kind, world["theirs"].email) == ("housing", "hemlig@b.example")
    assert list(world["theirs"].promises.all()) == [world["c"]]


def test_refused_link_imports_nothing_of_the_file(client, world):
    client.force_login(world["coordinator"])
    content = PLACED + "Ny förening,,association,,a\nHemlig part,0180,housing,hemlig@b.example,a\n"
    _, done = import_file(client, "parties_partner", content.encode(), "p.csv", "csv")
    assert done is None
    assert not Partner.objects.filter(name="Ny förening").exists()


def test_superuser_links_an_existing_partner_by_import(admin_client, world):
    angereds = make_partner("Angereds fritid", kind="municipal")
    world["b"].partners.add(angereds)
    content = (HEADER + "Angereds fritid,municipal,,a\n").encode()
    _, done = import_file(admin_client, "parties_partner", content, "p.csv", "csv")
    assert done is not None
    assert world["a"].partners.filter(pk=angereds.pk).exists()
    assert Partner.objects.filter(name="Angereds fritid").count() == 1
    # Not even a superuser links another municipality's partner to a promise.
    content = (PLACED + "Hemlig part,0180,housing,hemlig@b.example,a\n").encode()
    preview, done = import_file(admin_client, "parties_partner", content, "p.csv", "csv")
    assert done is None
    assert "”a” ges inte i Stockholm" in preview.content.decode()
    assert not world["a"].partners.filter(pk=world["theirs"].pk).exists()


def test_import_cannot_change_a_shared_partners_details_but_may_repeat_them(client, world):
    client.force_login(world["coordinator"])
    same = HEADER + "Polisen,police,polis@example.org,a\nBacka IK,association,ny@backaik.se,a\n"
    _, done = import_file(client, "parties_partner", same.encode(), "p.csv", "csv")
    assert done is not None
    world["own"].refresh_from_db()
    assert world["own"].email == "ny@backaik.se"
    changed = (HEADER + "Polisen,police,ny@polisen.se,a\n").encode()
    preview, done = import_file(client, "parties_partner", changed, "p.csv", "csv")
    assert done is None
    assert "en administratör kan ändra dess typ och e-post" in preview.content.decode()
    world["shared"].refresh_from_db()
    assert world["shared"].email == "polis@example.org"


def test_coordinator_cannot_invite_a_reporter_to_a_shared_partner(client, world):
    client.force_login(world["coordinator"])
    response = invite(client, world["shared"])
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not get_user_model().objects.filter(email="ny@example.org").exists()
    assert mail.outbox == []


def test_coordinator_invites_a_reporter_to_their_own_partner(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, world["own"])
    user = get_user_model().objects.get(email="ny@example.org")
    assert Membership.objects.filter(user=user, partner=world["own"]).exists()
    assert [m.to for m in mail.outbox] == [["ny@example.org"]]


def test_invitation_partner_choice_offers_only_managed_partners(client, world):
    client.force_login(world["coordinator"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "parties", "model_name": "membership", "field_name": "partner", "term": ""},
    )
    assert [row["text"] for row in response.json()["results"]] == ["Backa IK"]
    # A sub-promise may still name the shared partner.
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "lofte", "model_name": "responsibility", "field_name": "partner", "term": ""},
    )
    assert [row["text"] for row in response.json()["results"]] == ["Backa IK", "Polisen"]


def test_shared_partners_details_are_read_only(client, world):
    client.force_login(world["coordinator"])
    url = reverse("admin:parties_partner_change", args=[world["shared"].pk])
    page = client.get(url).content.decode()
    assert 'name="email"' not in page
    assert "delad@b.example" not in page  # its reporters are not listed
    response = client.post(url, {"name": "Polisen", "kind": "police", "email": "ny@polisen.se"})
    assert response.status_code == 403
    world["shared"].refresh_from_db()
    assert world["shared"].email == "polis@example.org"


def test_own_partners_details_can_be_changed(client, world):
    client.force_login(world["coordinator"])
    url = reverse("admin:parties_partner_change", args=[world["own"].pk])
    page = client.get(url).content.decode()
    assert 'name="email"' in page
    assert "egen@example.org" in page
    data = {
        "municipality": world["own"].municipality_id,  # a partner belongs to a municipality
        "name": "Backa IK",
        "kind": "association",
        "email": "ny@backaik.se",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": Membership.objects.get(partner=world["own"]).pk,
        "memberships-0-partner": world["own"].pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    world["own"].refresh_from_db()
    assert world["own"].email == "ny@backaik.se"


def test_shared_partners_reporters_cannot_be_seen_changed_or_removed(client, world):
    client.force_login(world["coordinator"])
    theirs = Membership.objects.get(user=world["shared_reporter"])
    change = reverse("admin:parties_membership_change", args=[theirs.pk])
    delete = reverse("admin:parties_membership_delete", args=[theirs.pk])
    # Django's admin answers an object outside the list by sending one back to its index.
    response = client.get(change, follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "delad@b.example" not in response.content.decode()
    assert client.post(change, {"partner": world["own"].pk}).url == reverse("admin:index")
    assert client.post(delete, {"post": "yes"}).url == reverse("admin:index")
    client.post(
        reverse("admin:parties_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"},
    )
    theirs.refresh_from_db()
    assert theirs.partner == world["shared"]


def test_own_partners_reporter_can_be_removed(client, world):
    client.force_login(world["coordinator"])
    mine = Membership.objects.get(user=world["own_reporter"])
    delete = reverse("admin:parties_membership_delete", args=[mine.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_reporter_list_shows_only_managed_partners_reporters(client, world):
    client.force_login(world["coordinator"])
    url = reverse("admin:parties_membership_changelist")
    page = client.get(url).content.decode()
    assert "egen@example.org" in page
    assert "delad@b.example" not in page
    assert "deras@b.example" not in page
    assert list(client.get(url, {"q": "delad"}).context["cl"].result_list) == []


def test_invitation_is_sent_again_only_for_managed_partners(client, world):
    client.force_login(world["coordinator"])
    client.post(
        reverse("admin:parties_membership_changelist"),
        {
            "action": "resend_invitation",
            "_selected_action": [m.pk for m in Membership.objects.all()],
            "index": 0,
        },
    )
    assert [m.to for m in mail.outbox] == [["egen@example.org"]]


def test_superuser_manages_the_shared_partners_reporters(admin_client, world):
    page = admin_client.get(reverse("admin:parties_membership_changelist")).content.decode()
    assert "delad@b.example" in page
    url = reverse("admin:parties_partner_change", args=[world["shared"].pk])
    page = admin_client.get(url).content.decode()
    assert 'name="email"' in page
    assert "delad@b.example" in page


def test_the_attack_end_to_end_leaves_promise_b_unseen(client, world):
    """Import-link B's partner, invite a sock puppet to it: both steps are refused."""
    client.force_login(world["coordinator"])
    content = (PLACED + "Hemlig part,0180,housing,hemlig@b.example,a\n").encode()
    import_file(client, "parties_partner", content, "p.csv", "csv")
    invite(client, world["theirs"], email="sock@example.org")
    assert not get_user_model().objects.filter(email="sock@example.org").exists()
    assert not world["a"].partners.filter(pk=world["theirs"].pk).exists()
    assert not SubPromise.objects.reported_by(world["coordinator"]).exists()


def promise_form(promise, partners) -> dict:
    """The promise's change form as a coordinator posts it, with `partners` listed."""
    return {
        "area": promise.area,
        "slug": promise.slug,
        "name": promise.name,
        "text": promise.text,
        "organisers": promise.organisers,
        "municipalities": list(promise.municipalities.values_list("code", flat=True)),
        "starts_on": promise.starts_on.isoformat(),
        "ends_on": promise.ends_on.isoformat(),
        "partners": [p.pk for p in partners],
        "publications-TOTAL_FORMS": "0",
        "publications-INITIAL_FORMS": "0",
        "focus_areas-TOTAL_FORMS": "0",
        "focus_areas-INITIAL_FORMS": "0",
    }


def test_removing_a_responsible_partner_from_the_list_is_refused(client, world):
    """Issue: X's coordinator removes a partner X's sub-promises still name; Y's coordinator
    then manages it alone and invites anyone, who reads X's reports. The first step fails."""
    client.force_login(world["coordinator"])
    url = reverse("admin:lofte_promise_change", args=[world["a"].pk])
    response = client.post(url, promise_form(world["a"], [world["own"]]))
    assert response.status_code == 200
    assert "Polisen kan inte tas bort" in response.content.decode()
    assert world["a"].partners.filter(pk=world["shared"].pk).exists()
    # So B's coordinator does not manage the shared partner alone.
    b_coordinator = make_coordinator(world["b"], "samordnare-b")
    assert not Partner.objects.managed_by(b_coordinator).filter(pk=world["shared"].pk).exists()
    client.force_login(b_coordinator)
    invite(client, world["shared"], email="sock@example.org")
    assert not get_user_model().objects.filter(email="sock@example.org").exists()


def test_a_partner_responsible_but_not_listed_still_belongs_to_the_promise(world):
    """Data made before the rule: the responsibility alone keeps the partner in promise A."""
    world["a"].partners.remove(world["shared"])
    b_coordinator = make_coordinator(world["b"], "samordnare-b")
    assert not Partner.objects.managed_by(b_coordinator).filter(pk=world["shared"].pk).exists()
    assert (
        Partner.objects.coordinated_by(world["coordinator"]).filter(pk=world["shared"].pk).exists()
    )


def test_only_the_promises_partners_can_be_made_responsible(client, world):
    sub = SubPromise.objects.get(title="Läxhjälp")
    stranger = make_partner("Okänd förening")
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:lofte_subpromise_change", args=[sub.pk]),
        {
            "focus_area": sub.focus_area_id,
            "position": sub.position,
            "title": sub.title,
            "description": "",
            "indicator_label": "",
            "indicator_unit": "",
            "indicator_target": "",
            "responsibilities-TOTAL_FORMS": "1",
            "responsibilities-INITIAL_FORMS": "0",
            "responsibilities-0-partner": stranger.pk,
            "responsibilities-0-role": "lead",
        },
    )
    assert "Okänd förening är inte samverkanspart i det här löftet" in response.content.decode()
    assert not sub.responsibilities.filter(partner=stranger).exists()


def test_a_partner_listed_on_a_promise_belongs_to_it_before_it_has_a_sub_promise():
    ours = make_promise()
    coordinator = make_coordinator(ours)
    new, shared = make_partner("Ny part"), make_partner("Delad part")
    ours.partners.add(new, shared)
    make_promise().partners.add(shared)
    assert set(Partner.objects.coordinated_by(coordinator)) == {new, shared}
    # Listed on another promise too: an administrator's to change.
    assert list(Partner.objects.managed_by(coordinator)) == [new]


def test_a_partner_not_on_the_promise_cannot_be_added_as_co_partner(client, world):
    """Even a superuser, who may choose any partner, adds only the promise's own partners."""
    sub = SubPromise.objects.get(title="Läxhjälp")
    stranger = make_partner("Okänd förening")
    rows = list(sub.responsibilities.order_by("pk"))
    data = {
        "focus_area": sub.focus_area_id,
        "position": sub.position,
        "title": sub.title,
        "description": "",
        "indicator_label": "",
        "indicator_unit": "",
        "indicator_target": "",
        "responsibilities-TOTAL_FORMS": str(len(rows) + 1),
        "responsibilities-INITIAL_FORMS": str(len(rows)),
        f"responsibilities-{len(rows)}-partner": stranger.pk,
        f"responsibilities-{len(rows)}-role": "co",
    }
    for i, row in enumerate(rows):
        data |= {
            f"responsibilities-{i}-id": row.pk,
            f"responsibilities-{i}-sub_promise": sub.pk,
            f"responsibilities-{i}-partner": row.partner_id,
            f"responsibilities-{i}-role": row.role,
        }
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:lofte_subpromise_change", args=[sub.pk]), data)
    assert "Okänd förening är inte samverkanspart i det här löftet" in response.content.decode()
    assert not sub.responsibilities.filter(partner=stranger).exists()
