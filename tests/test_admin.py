"""Coordinators browse their promise in admin; other promises are not there for them."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.timezone import now

from followup.models import FollowUp, Highlight, ReportingPeriod, StatusReport
from lofte.models import Commitment, FocusArea, Promise, Responsibility, SubPromise

from .conftest import (
    GOTEBORG,
    STOCKHOLM,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_sub_promise,
    make_user,
)

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "admin:lofte_promise_changelist",
    "admin:lofte_focusarea_changelist",
    "admin:lofte_commitment_changelist",
    "admin:lofte_subpromise_changelist",
    "admin:lofte_responsibility_changelist",
    "admin:parties_partner_changelist",
    "admin:parties_membership_changelist",
    "admin:followup_reportingperiod_changelist",
    "admin:followup_statusreport_changelist",
    "admin:followup_reportfigure_changelist",
    "admin:followup_followup_changelist",
    "admin:followup_highlight_changelist",
]


@pytest.fixture
def two_promises():
    """A promise with a coordinator, and another municipality's promise with its own
    sub-promise."""
    mine = make_promise("Hisings Backa")
    # Of another municipality: its partners are out of sight too (a promise of the same
    # municipality shares its partners, see tests/test_municipality_scope.py).
    theirs = make_promise("Angered", municipalities=(STOCKHOLM,))
    mine_sub = make_sub_promise(
        make_focus_area(mine, "Skola"), make_partner("Ellen Keyskolan"), title="Frukost i skolan"
    )
    theirs_sub = make_sub_promise(
        make_focus_area(theirs, "Trygghet"),
        make_partner("Angeredsbostäder", municipality_id=STOCKHOLM),
        title="Trapphusvärdar",
    )
    make_report(mine_sub, make_period(mine), achieved="Tusen frukostar")
    make_report(theirs_sub, make_period(theirs), achieved="Tolv trapphus")
    return mine, theirs, make_coordinator(mine, "samordnare")


@pytest.mark.parametrize("url_name", ADMIN_LISTS)
def test_coordinator_sees_own_promise_not_others(client, two_promises, url_name):
    _, _, coordinator = two_promises
    client.force_login(coordinator)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Angered" not in page
    assert "Trapphusvärdar" not in page
    assert "Angeredsbostäder" not in page


def test_coordinator_lists_show_their_data(client, two_promises):
    _, _, coordinator = two_promises
    client.force_login(coordinator)
    page = client.get(reverse("admin:lofte_subpromise_changelist")).content.decode()
    assert "Frukost i skolan" in page
    assert "Ellen Keyskolan" in page  # the lead partner column
    page = client.get(
        reverse("admin:followup_statusreport_changelist"),
        {"period__id__exact": "all", "state__exact": "all"},
    ).content.decode()
    assert "Frukost i skolan" in page


@pytest.mark.parametrize("model", [Promise, SubPromise, StatusReport])
def test_other_promises_change_page_is_404(client, two_promises, model):
    _, _, coordinator = two_promises
    client.force_login(coordinator)
    obj = (
        model.objects.coordinated_by(make_user(is_superuser=True))
        .exclude(pk__in=model.objects.coordinated_by(coordinator))
        .first()
    )
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    response = client.get(url, follow=True)
    # Admin answers a missing object with a redirect to the index and a message.
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert f"med ID “{obj.pk}” finns inte" in response.content.decode()


def test_autocomplete_offers_only_own_partners(client, two_promises):
    _, _, coordinator = two_promises
    client.force_login(coordinator)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "lofte",
            "model_name": "responsibility",
            "field_name": "partner",
            "term": "",
        },
    )
    assert response.status_code == 200
    names = [row["text"] for row in response.json()["results"]]
    assert names == ["Ellen Keyskolan"]


def test_superuser_sees_every_promise(admin_client, two_promises):
    page = admin_client.get(reverse("admin:lofte_promise_changelist")).content.decode()
    assert "Hisings Backa" in page
    assert "Angered" in page


def test_anonymous_is_sent_to_login(client, two_promises):
    response = client.get(reverse("admin:lofte_subpromise_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_reporter_without_staff_cannot_enter_admin(client, two_promises):
    client.force_login(make_user())
    response = client.get(reverse("admin:lofte_subpromise_changelist"))
    assert response.status_code == 302


def test_admin_is_in_swedish(client, two_promises):
    _, _, coordinator = two_promises
    client.force_login(coordinator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Dellöften" in page
    assert "Statusrapporter" in page
    assert "Samverkansparter" in page


def test_real_fixture_browsable_by_its_coordinator(client, hisings_backa):
    coordinator = make_coordinator(hisings_backa)
    client.force_login(coordinator)
    page = client.get(reverse("admin:lofte_subpromise_changelist") + "?all=").content.decode()
    assert "Mamma United Trygg" in page
    page = client.get(
        reverse("admin:lofte_focusarea_change", args=[hisings_backa.focus_areas.first().pk])
    ).content.decode()
    assert "En lyckad skolgång" in page
    assert "erbjuda studiebesök, praktik och feriearbete" in page


def test_lead_is_required_when_saving_a_sub_promise(client, two_promises):
    mine, _, coordinator = two_promises
    client.force_login(coordinator)
    area = mine.focus_areas.first()
    partner = mine.partners.first()
    data = {
        "focus_area": area.pk,
        "position": 9,
        "title": "Ny läxhjälp",
        "description": "",
        "indicator_label": "",
        "indicator_unit": "",
        "indicator_target": "",
        "derived_from": "",
        "responsibilities-TOTAL_FORMS": "1",
        "responsibilities-INITIAL_FORMS": "0",
        "responsibilities-0-partner": partner.pk,
        "responsibilities-0-role": "co",
    }
    response = client.post(reverse("admin:lofte_subpromise_add"), data)
    assert "exakt en ansvarig part" in response.content.decode()
    assert not SubPromise.objects.filter(title="Ny läxhjälp").exists()
    data["responsibilities-0-role"] = "lead"
    response = client.post(reverse("admin:lofte_subpromise_add"), data)
    assert response.status_code == 302
    assert SubPromise.objects.get(title="Ny läxhjälp").responsibilities.get().role == "lead"


def _rounds_with_a_report(count: int) -> None:
    for _ in range(count):
        promise = make_promise()
        sub = make_sub_promise(make_focus_area(promise), make_partner())
        make_report(sub, make_period(promise))


def test_report_list_filters_cost_the_same_with_many_rounds(
    admin_client, django_assert_max_num_queries
):
    """The round filter names each round's promise without a query per round."""
    url = reverse("admin:followup_statusreport_changelist")
    _rounds_with_a_report(2)
    with django_assert_max_num_queries(12) as small:
        assert admin_client.get(url).status_code == 200
    _rounds_with_a_report(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = admin_client.get(url).content.decode()
    assert page.count("Omgång ") >= 22  # every round is offered in the filter


def test_promise_form_accepts_only_own_partners_and_states_text_limits(client, two_promises):
    mine, _theirs, coordinator = two_promises
    client.force_login(coordinator)
    response = client.get(reverse("admin:lofte_promise_change", args=[mine.pk]))
    form = response.context["adminform"].form
    assert [p.name for p in form.fields["partners"].queryset] == ["Ellen Keyskolan"]
    # The limit is said in words, not enforced by a browser that cuts a pasted text short.
    html = response.content.decode()
    textarea = re.search(r'<textarea name="text"[^>]*>', html).group(0)
    assert "maxlength" not in textarea
    # A one-line field keeps its maxlength: only multi-line texts lose it.
    assert re.search(r'<input type="text" name="area"[^>]* maxlength="\d+"', html)
    assert "Högst" in str(form.fields["text"].help_text)
    # A line break counts as one character, as the writer sees it.
    assert form.fields["text"].clean("Rad ett\r\nrad två") == "Rad ett\nrad två"


def test_a_text_without_a_limit_gets_a_plain_text_box(rf, two_promises):
    from lofte.admin_tools.scope import ScopedAdmin
    from lofte.models import OutgoingEmail

    request = rf.get("/admin/")
    request.user = two_promises[2]
    model_admin = ScopedAdmin(OutgoingEmail, admin.site)
    field = model_admin.formfield_for_dbfield(OutgoingEmail._meta.get_field("body"), request)
    assert "maxlength" not in field.widget.attrs
    assert not field.help_text


def _theirs(two_promises) -> dict:
    """Objects of the promise the coordinator does not run."""
    _mine, theirs, _ = two_promises
    sub = SubPromise.objects.get(focus_area__promise=theirs)
    return {
        "promise": theirs,
        "focus_area": sub.focus_area,
        "sub_promise": sub,
        "partner": theirs.partners.get(),
        "report": StatusReport.objects.get(period__promise=theirs),
    }


def _add_forms(two_promises) -> list[tuple]:
    """(add page, posted data, the field naming another promise's object, what must not exist)."""
    mine, _, _ = two_promises
    theirs = _theirs(two_promises)
    area = mine.focus_areas.get()
    follow_up = FollowUp.objects.create(
        promise=mine, title="Vår uppföljning", covers_from=mine.starts_on, covers_to=mine.ends_on
    )
    empty = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}
    return [
        (
            "admin:followup_reportingperiod_add",
            {
                "promise": theirs["promise"].pk,
                "name": "Smugglad omgång",
                "starts_on": "2025-01-01",
                "deadline": "2025-06-30",
                "is_open": "on",
            },
            "promise",
            ReportingPeriod.objects.filter(name="Smugglad omgång"),
        ),
        (
            "admin:lofte_focusarea_add",
            {
                "promise": theirs["promise"].pk,
                "position": "7",
                "name": "Smugglat fokus",
                "rationale": "",
                **{f"commitments-{k}": v for k, v in empty.items()},
            },
            "promise",
            FocusArea.objects.filter(name="Smugglat fokus"),
        ),
        (
            "admin:lofte_commitment_add",
            {"focus_area": theirs["focus_area"].pk, "position": "9", "text": "Smugglat åtagande"},
            "focus_area",
            Commitment.objects.filter(text="Smugglat åtagande"),
        ),
        (
            "admin:lofte_responsibility_add",
            {
                "sub_promise": theirs["sub_promise"].pk,
                "partner": mine.partners.get().pk,
                "role": "co",
            },
            "sub_promise",
            Responsibility.objects.filter(sub_promise=theirs["sub_promise"], role="co"),
        ),
        (
            "admin:lofte_subpromise_add",
            {
                "focus_area": area.pk,
                "position": "9",
                "title": "Smugglad part",
                "responsibilities-TOTAL_FORMS": "1",
                "responsibilities-INITIAL_FORMS": "0",
                "responsibilities-0-partner": theirs["partner"].pk,
                "responsibilities-0-role": "lead",
            },
            "responsibilities-0-partner",
            SubPromise.objects.filter(title="Smugglad part"),
        ),
        (
            "admin:followup_highlight_add",
            {
                "follow_up": follow_up.pk,
                "report": theirs["report"].pk,
                "position": "1",
                "text": "Smugglad höjdpunkt",
            },
            "report",
            Highlight.objects.all(),
        ),
    ]


def test_admin_add_forms_refuse_another_promises_objects_on_post(client, two_promises):
    """The choices shown are scoped; what is posted is checked against the same scope."""
    StatusReport.objects.update(state="approved", submitted_at=now(), reviewed_at=now())
    client.force_login(two_promises[2])
    for url_name, data, field, not_saved in _add_forms(two_promises):
        response = client.post(reverse(url_name), data)
        assert response.status_code == 200, url_name  # the form again, not a redirect
        errors = _form_errors(response)
        assert field in errors, (url_name, errors)
        assert "giltigt alternativ" in errors[field], (url_name, errors)
        assert not not_saved.exists(), url_name


def _form_errors(response) -> dict[str, str]:
    """The field errors of the page's form and its inlines, by the posted field's name."""
    errors = {
        name: " ".join(messages)
        for name, messages in response.context["adminform"].form.errors.items()
    }
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            for name, messages in form.errors.items():
                errors[form.add_prefix(name)] = " ".join(messages)
    return errors


def test_promise_form_refuses_another_promises_partner_on_post(client, two_promises):
    mine, theirs, coordinator = two_promises
    client.force_login(coordinator)
    url = reverse("admin:lofte_promise_change", args=[mine.pk])
    data = {
        "area": mine.area,
        "slug": mine.slug,
        "name": mine.name,
        "text": "Ny text",
        "organisers": mine.organisers,
        "municipalities": [GOTEBORG],
        "starts_on": mine.starts_on.isoformat(),
        "ends_on": mine.ends_on.isoformat(),
        "previous": "",
        "partners": [p.pk for p in mine.partners.all()] + [theirs.partners.get().pk],
        "publications-TOTAL_FORMS": "0",
        "publications-INITIAL_FORMS": "0",
        "focus_areas-TOTAL_FORMS": "0",
        "focus_areas-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert "giltigt alternativ" in _form_errors(response)["partners"]
    mine.refresh_from_db()
    assert mine.text == "Löftets text."
    assert [p.name for p in mine.partners.all()] == ["Ellen Keyskolan"]
    # The same form without the other promise's partner is saved.
    data["partners"] = [p.pk for p in mine.partners.all()]
    assert client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.text == "Ny text"


def test_a_coordinator_cannot_change_who_coordinates_their_promise(client, two_promises):
    """Only a superuser picks coordinators: a posted list of them is ignored."""
    mine, _, coordinator = two_promises
    outsider = make_user("utomstaende", is_staff=True)
    client.force_login(coordinator)
    url = reverse("admin:lofte_promise_change", args=[mine.pk])
    assert 'name="coordinators"' not in client.get(url).content.decode()
    data = {
        "area": mine.area,
        "slug": mine.slug,
        "name": mine.name,
        "text": "Ny text",
        "organisers": mine.organisers,
        "municipalities": [GOTEBORG],
        "starts_on": mine.starts_on.isoformat(),
        "ends_on": mine.ends_on.isoformat(),
        "previous": "",
        "partners": [p.pk for p in mine.partners.all()],
        "coordinators": [outsider.pk],
        "publications-TOTAL_FORMS": "0",
        "publications-INITIAL_FORMS": "0",
        "focus_areas-TOTAL_FORMS": "0",
        "focus_areas-INITIAL_FORMS": "0",
    }
    assert client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.text == "Ny text"
    assert list(mine.coordinators.all()) == [coordinator]
    assert not Promise.objects.coordinated_by(outsider).exists()
