"""Partners per municipality: two municipalities, each with a partner named exactly "Polisen"
and a coordinator. Neither coordinator can list, open, pick (admin forms, autocomplete,
filters, import) or invite to the other's partners, and every refused POST leaves the
database as it was."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lofte.models import Municipality, Promise, Responsibility, SubPromise
from parties.models import Membership, Partner

from .conftest import (
    GOTEBORG,
    STOCKHOLM,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
    make_user,
)
from .test_import_export import SUB_HEADER, import_file

pytestmark = pytest.mark.django_db

KUNGALV = "1482"
PARTNERS = "namn,kommunkod,typ,e-post,löften\n"


@pytest.fixture
def towns():
    """Göteborg and Stockholm, each a promise, a "Polisen", its reporter and a coordinator."""
    result = {}
    for key, code, area in [("gbg", GOTEBORG, "Hisings Backa"), ("sthlm", STOCKHOLM, "Järva")]:
        promise = make_promise(area, slug=key, municipalities=(code,))
        police = make_partner(
            "Polisen", kind="police", email=f"polisen@{key}.example", municipality_id=code
        )
        area_ = make_focus_area(promise, "Trygghet")
        sub = make_sub_promise(area_, police, title=f"Trygghetsvandringar {area}")
        make_report(
            sub,
            make_period(promise, name=f"Våren {area}"),
            state="submitted",
            submitted_at=timezone.now(),
        )
        result[key] = {
            "promise": promise,
            "police": police,
            "area": area_,
            "sub": sub,
            "reporter": make_reporter(police, f"rapportor-{key}"),
            "coordinator": make_coordinator(promise, f"samordnare-{key}"),
        }
    return result


def counts() -> tuple:
    """What a refused POST must leave as it was."""
    return (
        Partner.objects.count(),
        Membership.objects.count(),
        Responsibility.objects.count(),
        SubPromise.objects.count(),
        Promise.partners.through.objects.count(),
        get_user_model().objects.count(),
    )


def autocomplete(client, app_label, model_name, field_name, term="Polisen") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


# --- The rule, on the querysets ----------------------------------------------------------


def test_a_coordinator_works_with_their_own_municipalitys_partners_only(towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    assert list(Partner.objects.coordinated_by(gbg["coordinator"])) == [gbg["police"]]
    assert list(Partner.objects.managed_by(gbg["coordinator"])) == [gbg["police"]]
    assert list(Partner.objects.coordinated_by(sthlm["coordinator"])) == [sthlm["police"]]
    superuser = make_user("admin", is_staff=True, is_superuser=True)
    assert Partner.objects.coordinated_by(superuser).count() == 2


def test_municipality_given_by_an_administrator_shows_its_partners(towns):
    """A coordinator given Stockholm (Municipality.coordinators) sees its partners before
    coordinating any promise there, but manages none of them."""
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    sthlm["promise"].municipalities.get().coordinators.add(gbg["coordinator"])
    assert set(Partner.objects.coordinated_by(gbg["coordinator"])) == {
        gbg["police"],
        sthlm["police"],
    }
    assert list(Partner.objects.managed_by(gbg["coordinator"])) == [gbg["police"]]


def test_a_partner_of_another_municipality_on_a_promise_is_not_managed(towns):
    """Data the rules no longer let anyone make (a promise listing another municipality's
    partner) gives its coordinator no power over that partner's reporters."""
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    sthlm["promise"].partners.remove(sthlm["police"])
    Responsibility.objects.filter(partner=sthlm["police"]).delete()
    gbg["promise"].partners.add(sthlm["police"])
    assert sthlm["police"] not in Partner.objects.managed_by(gbg["coordinator"])


# --- List, open ---------------------------------------------------------------------------


def test_the_partner_list_holds_only_their_municipalitys_polisen(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(gbg["coordinator"])
    url = reverse("admin:parties_partner_changelist")
    for query in [{}, {"q": "Polisen"}, {"q": "Stockholm"}]:
        response = client.get(url, query)
        assert sthlm["police"] not in response.context["cl"].result_list, query
        page = response.content.decode()
        assert "polisen@sthlm.example" not in page
    assert list(client.get(url).context["cl"].result_list) == [gbg["police"]]


def test_another_municipalitys_partner_cannot_be_opened_changed_or_deleted(client, towns):
    sthlm = towns["sthlm"]
    client.force_login(towns["gbg"]["coordinator"])
    before = counts()
    change = reverse("admin:parties_partner_change", args=[sthlm["police"].pk])
    response = client.get(change, follow=True)
    # Admin answers an object outside the list as a missing one: back to the index.
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "polisen@sthlm.example" not in response.content.decode()
    data = {"municipality": STOCKHOLM, "name": "Polisen", "kind": "other", "email": "x@x.se"}
    assert client.post(change, data).url == reverse("admin:index")
    delete = reverse("admin:parties_partner_delete", args=[sthlm["police"].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403  # coordinators delete none
    sthlm["police"].refresh_from_db()
    assert (sthlm["police"].kind, sthlm["police"].email) == ("police", "polisen@sthlm.example")
    assert counts() == before


# --- Pick: admin forms ---------------------------------------------------------------------


def promise_post(promise, partners, **extra) -> dict:
    return {
        "area": promise.area,
        "municipalities": list(promise.municipalities.values_list("code", flat=True)),
        "slug": promise.slug,
        "name": promise.name,
        "text": "Ny text",
        "organisers": promise.organisers,
        "starts_on": promise.starts_on.isoformat(),
        "ends_on": promise.ends_on.isoformat(),
        "previous": "",
        "partners": [p.pk for p in partners],
        "focus_areas-TOTAL_FORMS": "0",
        "focus_areas-INITIAL_FORMS": "0",
        "publications-TOTAL_FORMS": "0",
        "publications-INITIAL_FORMS": "0",
        **extra,
    }


def test_the_promise_form_offers_and_accepts_only_their_municipalitys_partners(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(gbg["coordinator"])
    url = reverse("admin:lofte_promise_change", args=[gbg["promise"].pk])
    form = client.get(url).context["adminform"].form
    assert list(form.fields["partners"].queryset) == [gbg["police"]]
    before = counts()
    response = client.post(url, promise_post(gbg["promise"], [gbg["police"], sthlm["police"]]))
    assert response.status_code == 200
    assert "giltigt alternativ" in " ".join(response.context["adminform"].form.errors["partners"])
    assert counts() == before
    gbg["promise"].refresh_from_db()
    assert gbg["promise"].text == "Löftets text."


def test_not_even_a_superuser_lists_another_municipalitys_partner_on_a_promise(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    url = reverse("admin:lofte_promise_change", args=[gbg["promise"].pk])
    before = counts()
    response = client.post(url, promise_post(gbg["promise"], [gbg["police"], sthlm["police"]]))
    errors = " ".join(response.context["adminform"].form.errors["partners"])
    assert "Polisen (Stockholm): en samverkanspart i en annan kommun" in errors
    assert counts() == before
    # Nor takes a municipality away from a promise whose partners belong to it.
    data = promise_post(gbg["promise"], [gbg["police"]], municipalities=[STOCKHOLM])
    response = client.post(url, data)
    assert "Polisen (Göteborg)" in " ".join(response.context["adminform"].form.errors["partners"])
    assert list(gbg["promise"].municipalities.values_list("code", flat=True)) == [GOTEBORG]


def sub_promise_post(sub, partner) -> dict:
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
        f"responsibilities-{len(rows)}-partner": partner.pk,
        f"responsibilities-{len(rows)}-role": "co",
    }
    for i, row in enumerate(rows):
        data |= {
            f"responsibilities-{i}-id": row.pk,
            f"responsibilities-{i}-sub_promise": sub.pk,
            f"responsibilities-{i}-partner": row.partner_id,
            f"responsibilities-{i}-role": row.role,
        }
    return data


def test_a_sub_promise_takes_no_partner_of_another_municipality(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    url = reverse("admin:lofte_subpromise_change", args=[gbg["sub"].pk])
    superuser = make_user("admin", is_staff=True, is_superuser=True)
    before = counts()
    client.force_login(gbg["coordinator"])
    page = client.post(url, sub_promise_post(gbg["sub"], sthlm["police"])).content.decode()
    assert "giltigt alternativ" in page
    # A superuser may choose any partner, and is refused it all the same.
    client.force_login(superuser)
    page = client.post(url, sub_promise_post(gbg["sub"], sthlm["police"])).content.decode()
    assert "Polisen är inte samverkanspart i det här löftet" in page
    # The responsibility's own page, the same.
    response = client.post(
        reverse("admin:lofte_responsibility_add"),
        {"sub_promise": gbg["sub"].pk, "partner": sthlm["police"].pk, "role": "co"},
    )
    assert "Polisen är inte samverkanspart i det här löftet" in response.content.decode()
    assert counts() == before
    assert list(gbg["sub"].partners.all()) == [gbg["police"]]


def test_a_partner_listed_against_the_rule_cannot_be_made_responsible(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    gbg["promise"].partners.add(sthlm["police"])  # as no admin form or import would
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    url = reverse("admin:lofte_subpromise_change", args=[gbg["sub"].pk])
    page = client.post(url, sub_promise_post(gbg["sub"], sthlm["police"])).content.decode()
    assert "Polisen är inte samverkanspart i det här löftet" in page
    assert list(gbg["sub"].partners.all()) == [gbg["police"]]


def test_the_partner_form_offers_only_their_municipalities_and_says_a_name_is_taken(client, towns):
    gbg = towns["gbg"]
    client.force_login(gbg["coordinator"])
    url = reverse("admin:parties_partner_add")
    response = client.get(url)
    form = response.context["adminform"].form
    assert [m.code for m in form.fields["municipality"].queryset] == [GOTEBORG]
    assert form.initial["municipality"] == GOTEBORG  # their only one, chosen already
    assert form.fields["municipality"].required
    before = counts()
    data = {
        "municipality": GOTEBORG,
        "name": "Polisen",
        "kind": "police",
        "email": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    errors = response.context["adminform"].form.errors
    assert errors["name"] == ["Kommunen har redan en samverkanspart med det namnet."]
    assert list(errors) == ["name"]
    response = client.post(url, {**data, "municipality": STOCKHOLM, "name": "Nytt namn"})
    assert "giltigt alternativ" in " ".join(
        response.context["adminform"].form.errors["municipality"]
    )
    response = client.post(url, {**data, "municipality": ""})
    assert "municipality" in response.context["adminform"].form.errors
    assert counts() == before
    # A new name in their municipality is a new partner there.
    assert client.post(url, {**data, "name": "Polisen Hisingen"}).status_code == 302
    assert Partner.objects.get(name="Polisen Hisingen").municipality_id == GOTEBORG


def test_a_superuser_makes_a_second_polisen_in_another_municipality(client, towns):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    data = {
        "municipality": KUNGALV,
        "name": "Polisen",
        "kind": "police",
        "email": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    assert client.post(reverse("admin:parties_partner_add"), data).status_code == 302
    assert Partner.objects.filter(name="Polisen").count() == 3
    # A partner taking part in Göteborg's promise stays in Göteborg.
    gbg_police = towns["gbg"]["police"]
    url = reverse("admin:parties_partner_change", args=[gbg_police.pk])
    response = client.post(url, {**data, "name": "Polisen Göteborg"})
    assert "deltar i löften som inte ges i Kungälv" in response.content.decode()
    gbg_police.refresh_from_db()
    assert (gbg_police.municipality_id, gbg_police.name) == (GOTEBORG, "Polisen")


# --- Pick: autocomplete and filters ----------------------------------------------------------


def test_autocomplete_offers_only_their_municipalitys_polisen(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(gbg["coordinator"])
    own = [str(gbg["police"].pk)]
    assert autocomplete(client, "lofte", "responsibility", "partner") == own
    assert autocomplete(client, "lofte", "promise", "partners") == own
    assert autocomplete(client, "parties", "membership", "partner") == own
    assert autocomplete(client, "lofte", "promise", "municipalities", term="") == [GOTEBORG]
    client.force_login(sthlm["coordinator"])
    assert autocomplete(client, "lofte", "responsibility", "partner") == [str(sthlm["police"].pk)]


def test_list_filters_name_only_their_municipalitys_partners(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(gbg["coordinator"])
    reports = reverse("admin:followup_statusreport_changelist")
    page = client.get(reports, {"state__exact": "all"}).content.decode()
    assert f"?partner={gbg['police'].pk}" in page or f"partner={gbg['police'].pk}" in page
    assert f"partner={sthlm['police'].pk}" not in page
    # Another municipality's partner as the filter's value shows nothing of its reports.
    page = client.get(reports, {"state__exact": "all", "partner": sthlm["police"].pk}).content
    assert "Trygghetsvandringar Järva" not in page.decode()
    # The partner list's municipality filter: their two municipalities, not Stockholm.
    gbg["promise"].municipalities.get().coordinators.add(gbg["coordinator"])
    make_partner("Kungälvs fritid", municipality_id=KUNGALV)
    Municipality.objects.get(code=KUNGALV).coordinators.add(gbg["coordinator"])
    partners = reverse("admin:parties_partner_changelist")
    response = client.get(partners)
    page = response.content.decode()
    assert f"municipality__code__exact={GOTEBORG}" in page
    assert f"municipality__code__exact={KUNGALV}" in page
    assert f"municipality__code__exact={STOCKHOLM}" not in page
    response = client.get(partners, {"municipality__code__exact": STOCKHOLM})
    assert list(response.context["cl"].result_list) == []


# --- Pick: import --------------------------------------------------------------------------


def test_partner_import_finds_polisen_in_the_rows_municipality(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(gbg["coordinator"])
    content = (PARTNERS + "Polisen,,police,ny@polisen.se,gbg\n").encode()
    _, done = import_file(client, "parties_partner", content, "p.csv", "csv")
    assert done is not None
    gbg["police"].refresh_from_db()
    sthlm["police"].refresh_from_db()
    assert gbg["police"].email == "ny@polisen.se"
    assert sthlm["police"].email == "polisen@sthlm.example"
    assert Partner.objects.filter(name="Polisen").count() == 2


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("0180", "”0180” är inte en av dina kommuner."),
        ("Stockholm", "”Stockholm” är inte en av dina kommuner."),
        ("9999", "”kommunkod”: ”9999” är inte en av Sveriges 290 kommunkoder."),
        (
            "Götebrog",
            "”kommunkod”: Ingen kommun heter ”Götebrog”; menade du Göteborg (1480), "
            "Örebro (1880), Tibro (1472)?",
        ),
    ],
)
def test_partner_import_refuses_another_or_an_unknown_municipality(client, towns, cell, error):
    client.force_login(towns["gbg"]["coordinator"])
    before = counts()
    content = PARTNERS + f"Ny förening,,association,,gbg\nPolisen,{cell},police,x@x.se,gbg\n"
    preview, done = import_file(client, "parties_partner", content.encode(), "p.csv", "csv")
    assert done is None
    (row,) = preview.context["result"].invalid_rows
    assert (row.number, [str(m) for m in row.error.messages]) == (2, [error])
    assert "polisen@sthlm.example" not in preview.content.decode()
    assert counts() == before
    towns["sthlm"]["police"].refresh_from_db()
    assert towns["sthlm"]["police"].email == "polisen@sthlm.example"


def test_partner_import_reads_the_municipality_by_name_in_kommun(client, towns):
    client.force_login(towns["gbg"]["coordinator"])
    content = "namn,kommun,typ,e-post,löften\nBacka IK,göteborg,association,,gbg\n"
    _, done = import_file(client, "parties_partner", content.encode(), "p.csv", "csv")
    assert done is not None
    assert Partner.objects.get(name="Backa IK").municipality_id == GOTEBORG


def sub_promise_row(slug, lead, number=1) -> bytes:
    return (SUB_HEADER + f"{slug},Trygghet,{number},Trygghetsvandringar,,,,,{lead},\n").encode()


def test_sub_promise_import_finds_polisen_within_the_promises_municipality(client, towns):
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    client.force_login(gbg["coordinator"])
    _, done = import_file(
        client, "lofte_subpromise", sub_promise_row("gbg", "Polisen", 2), "s.csv", "csv"
    )
    assert done is not None
    made = SubPromise.objects.get(focus_area=gbg["area"], position=2)
    assert list(made.partners.all()) == [gbg["police"]]
    assert not sthlm["police"].sub_promises.filter(pk=made.pk).exists()


def test_sub_promise_import_never_finds_another_municipalitys_partner_on_the_list(client, towns):
    """A promise listing another municipality's "Polisen" (against the rule) and not its own:
    the row's name finds nothing, and nothing is saved."""
    gbg, sthlm = towns["gbg"], towns["sthlm"]
    Responsibility.objects.filter(partner=gbg["police"]).delete()
    gbg["promise"].partners.remove(gbg["police"])
    gbg["promise"].partners.add(sthlm["police"])
    client.force_login(gbg["coordinator"])
    before = counts()
    preview, done = import_file(
        client, "lofte_subpromise", sub_promise_row("gbg", "Polisen", 2), "s.csv", "csv"
    )
    assert done is None
    assert "”Polisen” är ingen samverkanspart i detta löfte" in preview.content.decode()
    assert counts() == before


def test_a_joint_promise_names_which_polisen(client, towns):
    """A promise of Göteborg and Kungälv, each with its own "Polisen": the plain name is
    ambiguous, the name with its municipality's is not."""
    gbg = towns["gbg"]
    gbg["promise"].municipalities.add(KUNGALV)
    kungalv_police = make_partner("Polisen", kind="police", municipality_id=KUNGALV)
    gbg["promise"].partners.add(kungalv_police)
    client.force_login(gbg["coordinator"])
    before = counts()
    preview, done = import_file(
        client, "lofte_subpromise", sub_promise_row("gbg", "Polisen", 2), "s.csv", "csv"
    )
    assert done is None
    assert (
        "Löftet har en samverkanspart som heter ”Polisen” i mer än en av sina kommuner; "
        "skriv vilken: “Polisen (Göteborg)”, “Polisen (Kungälv)”."
    ) in preview.content.decode().replace("&quot;", '"')
    assert counts() == before
    content = sub_promise_row("gbg", "Polisen (Kungälv)", 2)
    _, done = import_file(client, "lofte_subpromise", content, "s.csv", "csv")
    assert done is not None
    made = SubPromise.objects.get(focus_area=gbg["area"], position=2)
    assert list(made.partners.all()) == [kungalv_police]


# --- Invite ----------------------------------------------------------------------------------


def test_no_reporter_is_invited_to_another_municipalitys_partner(client, towns):
    sthlm = towns["sthlm"]
    client.force_login(towns["gbg"]["coordinator"])
    before = counts()
    response = client.post(
        reverse("admin:parties_membership_add"),
        {
            "partner": sthlm["police"].pk,
            "email": "sock@example.org",
            "first_name": "",
            "last_name": "",
        },
    )
    errors = response.context["adminform"].form.errors
    assert "giltigt alternativ" in " ".join(errors["partner"])
    assert counts() == before
    assert not get_user_model().objects.filter(email="sock@example.org").exists()
    assert mail.outbox == []


# --- The same municipality -------------------------------------------------------------------


def test_a_partner_of_the_same_municipality_is_picked_but_not_managed(client, towns):
    """Another promise in Göteborg shares its partners with Göteborg's coordinators (one
    organisation, one partner), but its sub-promises and reports stay its own, and its
    partner's reporters are an administrator's once it is shared."""
    gbg = towns["gbg"]
    neighbour = make_promise("Angered", slug="angered")
    fritid = make_partner("Fritid Angered", kind="municipal")
    make_sub_promise(make_focus_area(neighbour, "Fritid"), fritid, title="Sommarlov i Angered")
    client.force_login(gbg["coordinator"])
    assert (
        fritid in client.get(reverse("admin:parties_partner_changelist")).context["cl"].result_list
    )
    page = client.get(reverse("admin:lofte_subpromise_changelist")).content.decode()
    assert "Sommarlov i Angered" not in page
    url = reverse("admin:lofte_promise_change", args=[gbg["promise"].pk])
    assert (
        client.post(url, promise_post(gbg["promise"], [gbg["police"], fritid])).status_code == 302
    )
    assert set(gbg["promise"].partners.all()) == {gbg["police"], fritid}
    assert fritid not in Partner.objects.managed_by(gbg["coordinator"])
    response = client.post(
        reverse("admin:parties_membership_add"),
        {"partner": fritid.pk, "email": "sock@example.org", "first_name": "", "last_name": ""},
    )
    assert "giltigt alternativ" in " ".join(response.context["adminform"].form.errors["partner"])
    assert not Membership.objects.filter(partner=fritid).exists()
