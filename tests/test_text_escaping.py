"""Every text a user can type reaches every output escaped, whatever field it is in.

The fields are read from the models, not listed by hand: a text field added tomorrow is
filled with markup here the day it is added, and the test fails if any page shows it as
markup. Each field gets its own marker, `<b>N</b>`, so a failure names the field.
"""

import datetime
import html
import io
from decimal import Decimal

import pypdf
import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from followup.document.publishing import publish_follow_up
from followup.models import (
    Contribution,
    ContributionFigure,
    FollowUp,
    Highlight,
    ReportFigure,
    ReportingPeriod,
    StatusReport,
)
from lofte.models import Commitment, FocusArea, Promise, Responsibility, SubPromise
from outcomes.models import Indicator, IndicatorValue, Problem
from parties.models import Partner

from .conftest import make_coordinator

pytestmark = pytest.mark.django_db

APPS = ["lofte", "parties", "followup", "outcomes"]
# Models that hold no text a person types and that the pages show (why, for each).
NO_SHOWN_TEXT = {
    "parties.Membership": "a reporter's link to a partner: ids only",
    "lofte.Responsibility": "which partner leads: ids and a choice",
    "followup.Reminder": "who was reminded when: ids, a choice and a time",
    "lofte.OutgoingEmail": "an email on its way: never shown on a page",
    "lofte.ExportJob": "a worker's export: the list's query, a file name and an error",
    "followup.DraftPdf": "a worker's draft PDF: a content key and an error",
    "lofte.MailThrottle": "a count under an HMAC key: never shown",
    "lofte.County": "a name from the shipped list (lofte/data), never typed in",
    "lofte.Municipality": "a name from the shipped list (lofte/data), never typed in",
}
# Codes, not prose: Kolada's KPI and place ids are checked against Kolada's own format.
NOT_FREE_TEXT = {"kolada_kpi", "kolada_municipality", "kolada_ou", "kolada_result"}
# Text citizens must never see, escaped or not.
PRIVATE = {
    "followup.StatusReport.obstacles",
    "followup.StatusReport.next_steps",
    "followup.StatusReport.review_comment",
    "followup.Contribution.achieved",
    "followup.Contribution.obstacles",
    "followup.ContributionFigure.label",
    "followup.ContributionFigure.unit",
}
# What the follow-up document shows (page and PDF): the test is not empty.
IN_DOCUMENT = {
    "lofte.Promise.area",
    "lofte.Promise.name",
    "lofte.Promise.text",
    "lofte.Promise.organisers",
    "lofte.FocusArea.name",
    "lofte.FocusArea.rationale",
    "lofte.Commitment.text",
    "lofte.SubPromise.title",
    "lofte.SubPromise.indicator_label",
    "lofte.SubPromise.indicator_unit",
    "followup.ReportFigure.unit (counted)",
    "parties.Partner.name",
    "parties.Partner.name (co-partner)",
    "followup.FollowUp.title",
    "followup.FollowUp.intro",
    "followup.FollowUp.closing_words",
    "followup.Highlight.text",
    "outcomes.Problem.title",
    "outcomes.Problem.evidence",
    "outcomes.Problem.sources",
    "outcomes.Indicator.name",
    "outcomes.Indicator.source",
}


def label(model, field) -> str:
    return f"{model._meta.label}.{field.name}"


def text_fields(model) -> list[models.Field]:
    """The fields of `model` where a person types free text."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.SlugField | models.EmailField | models.URLField)
        and field.editable
        and not field.choices
        and field.name not in NOT_FREE_TEXT
    ]


class Markers:
    """Gives each text field of each object its own `<b>N</b>`."""

    def __init__(self):
        self.by_field: dict[str, str] = {}

    def fill(self, obj, *, role: str = ""):
        """Fills `obj`'s text fields; a second object of a model gets its own `role`."""
        for field in text_fields(type(obj)):
            key = label(type(obj), field) + (f" ({role})" if role else "")
            marker = self.by_field.setdefault(key, f"<b>{len(self.by_field) + 1}</b>")
            assert len(marker) <= (field.max_length or 10_000), key
            setattr(obj, field.name, marker)
        obj.save()
        return obj


@pytest.fixture
def marked():
    """One of everything the follow-up and the public pages show, every text a marker."""
    m = Markers()
    now = timezone.now()
    promise = m.fill(
        Promise(
            slug="markerat",
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2025, 12, 31),
        )
    )
    area = m.fill(FocusArea(promise=promise, position=1))
    commitment = m.fill(Commitment(focus_area=area, position=1))
    lead = m.fill(Partner(municipality_id="1480"))
    co = m.fill(Partner(municipality_id="1480"), role="co-partner")
    promise.partners.add(lead, co)
    sub = m.fill(
        SubPromise(focus_area=area, position=1, indicator_target=Decimal(10)),
    )
    Responsibility.objects.create(sub_promise=sub, partner=lead, role="lead")
    Responsibility.objects.create(sub_promise=sub, partner=co, role="co")
    period = m.fill(
        ReportingPeriod(
            promise=promise,
            starts_on=datetime.date(2024, 1, 1),
            deadline=datetime.date(2025, 6, 30),
            is_open=False,
        )
    )
    report = m.fill(
        StatusReport(
            sub_promise=sub,
            period=period,
            status="done",
            state="approved",
            submitted_at=now,
            reviewed_at=now,
        )
    )
    m.fill(ReportFigure(report=report, position=1, value=Decimal(1000)))
    # The figure the indicator table shows is the one labelled as the sub-promise's indicator.
    counted = m.fill(ReportFigure(report=report, position=2, value=Decimal(900)), role="counted")
    counted.label = sub.indicator_label
    counted.save()
    contribution = m.fill(Contribution(report=report, partner=co, state="ready", ready_at=now))
    m.fill(ContributionFigure(contribution=contribution, position=1, value=Decimal(5)))
    problem = m.fill(Problem(promise=promise, position=1))
    problem.commitments.add(commitment)
    indicator = m.fill(
        Indicator(
            promise=promise,
            problem=problem,
            position=1,
            direction="higher",
            baseline_value=Decimal(60),
            baseline_year=2023,
            target_value=Decimal(70),
        )
    )
    m.fill(IndicatorValue(indicator=indicator, year=2025, value=Decimal(65)))
    follow_up = m.fill(
        FollowUp(
            promise=promise,
            covers_from=datetime.date(2024, 1, 1),
            covers_to=datetime.date(2025, 12, 31),
            language="sv",
        )
    )
    m.fill(Highlight(follow_up=follow_up, report=report, position=1))
    filled = {key.split(" ")[0].rsplit(".", 1)[0] for key in m.by_field}
    return promise, follow_up, m.by_field, filled


def test_every_model_with_text_is_filled_with_markers(marked):
    """A new model with text fields must be added to `marked` (or to NO_SHOWN_TEXT)."""
    *_, filled = marked
    with_text = {
        model._meta.label
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical") and text_fields(model)
    }
    assert with_text - filled - set(NO_SHOWN_TEXT) == set()


def assert_escaped(output: str, markers: dict[str, str], where: str) -> set[str]:
    """No marker is markup in `output`; returns the fields it shows (escaped)."""
    raw = sorted(key for key, marker in markers.items() if marker in output)
    assert raw == [], f"shown as markup on {where}"
    leaked = sorted(key for key in PRIVATE if html.escape(markers[key]) in output)
    assert leaked == [], f"private text on {where}"
    return {key for key, marker in markers.items() if html.escape(marker) in output}


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


def test_published_page_and_pdf_show_every_text_as_typed(client, marked):
    promise, follow_up, markers, _ = marked
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    page = client.get(reverse("document:follow_up", args=[promise.slug])).content.decode()
    shown = assert_escaped(page, markers, "the follow-up page")
    assert IN_DOCUMENT - shown == set()

    # In the PDF an escaped marker is text, `<b>N</b>`; rendered as markup it would be "N".
    pdf = client.get(reverse("document:follow_up_pdf", args=[promise.slug])).content
    text = pdf_text(pdf)
    assert sorted(key for key in shown if markers[key] not in text) == []
    assert sorted(key for key in PRIVATE if markers[key] in text) == []


def test_draft_preview_shows_every_text_escaped(client, marked):
    promise, follow_up, markers, _ = marked
    client.force_login(make_coordinator(promise))
    url = reverse("document:draft", args=[promise.slug, follow_up.pk])
    shown = assert_escaped(client.get(url).content.decode(), markers, "the draft preview")
    assert IN_DOCUMENT - shown == set()


def test_public_pages_and_data_show_every_text_escaped(client, marked):
    promise, follow_up, markers, _ = marked
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    shown = set()
    for url in [
        reverse("public:start"),
        reverse("public:promise", args=[promise.slug]),
        reverse("public:feed"),
        reverse("public:promise_feed", args=[promise.slug]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        shown |= assert_escaped(response.content.decode(), markers, url)
    assert {"lofte.Promise.text", "lofte.SubPromise.title", "followup.StatusReport.achieved"} <= (
        shown
    )


def test_admin_pages_show_every_text_escaped(client, marked):
    """The coordinator's pages show the private fields too, but never as markup."""
    promise, follow_up, markers, _ = marked
    report = StatusReport.objects.get()
    client.force_login(make_coordinator(promise))
    urls = [
        reverse("admin:followup_statusreport_changelist"),
        reverse("admin:followup_statusreport_change", args=[report.pk]),
        reverse("admin:lofte_subpromise_change", args=[report.sub_promise_id]),
        reverse("admin:followup_followup_change", args=[follow_up.pk]),
        reverse("admin:outcomes_indicator_changelist"),
    ]
    shown = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert sorted(key for key, marker in markers.items() if marker in page) == [], url
        shown |= {key for key, marker in markers.items() if html.escape(marker) in page}
    assert {
        "followup.StatusReport.obstacles",
        "followup.StatusReport.review_comment",
        "followup.Highlight.text",
    } <= shown
