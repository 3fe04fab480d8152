"""Names are one line, texts are bounded, numbers fit their column and dates sane years: in
admin's forms, the portal's forms and imports alike (lofte/validators.py)."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from followup.models import ReportingPeriod, StatusReport
from lofte.models import SubPromise
from lofte.validators import (
    SMALLINT_MAX,
    PlainTextValidator,
    SingleLineValidator,
    plain_text,
    sane_date,
    single_line,
)
from outcomes.models import IndicatorValue
from parties.models import Partner

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_reporter,
    make_sub_promise,
)
from .test_import_export import SUB_HEADER, import_file
from .test_partner_reporting import form_data, report_url

PROJECT_APPS = {"lofte", "parties", "followup", "outcomes", "public"}


# --- The validators ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["Ellen\nKeyskolan", "Ellen\rKeyskolan", "Ellen\tKeyskolan", "Ellen\x00", "a\u2028b", "a\x85b"],
)
def test_a_name_with_a_break_or_control_character_is_refused(value):
    with pytest.raises(ValidationError) as refused:
        single_line(value)
    assert refused.value.code == "single_line"


@pytest.mark.parametrize("value", ["Ellen Keyskolan", "Fritid Hisingen – Brunnsbo", "Åsa 🙂 Ö"])
def test_an_ordinary_name_passes(value):
    single_line(value)


def test_a_text_may_span_lines_but_holds_no_other_control_character():
    plain_text("Första stycket.\r\n\n\tAndra stycket.")
    for bad in ("NUL\x00", "bell\x07", "esc\x1b[2J", "del\x7f", "nel\x85", "a\u2028b"):
        with pytest.raises(ValidationError):
            plain_text(bad)


def test_dates_are_refused_outside_2000_to_2100():
    sane_date(datetime.date(2000, 1, 1))
    sane_date(datetime.date(2100, 12, 31))
    for bad in (datetime.date(1999, 12, 31), datetime.date(2101, 1, 1), datetime.date(9999, 1, 1)):
        with pytest.raises(ValidationError):
            sane_date(bad)


def project_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if field.editable and not field.primary_key:
                yield model, field


def test_every_name_field_is_one_line_and_every_text_field_bounded():
    """A field added later gets the same rules, or this test names it."""
    unbounded = []
    for model, field in project_fields():
        kinds = {type(v) for v in field.validators}
        if isinstance(field, models.TextField):
            bounded = bool(field.max_length) and bool(
                {PlainTextValidator, SingleLineValidator} & kinds
            )
        elif type(field) is models.CharField and not field.choices:
            # A name is one line; a code has a pattern of its own (Kolada's ids).
            bounded = bool({SingleLineValidator, RegexValidator} & kinds)
        elif type(field) is models.DateField:
            bounded = field.auto_now or sane_date in field.validators
        else:
            continue
        if not bounded:
            unbounded.append(f"{model.__name__}.{field.name}")
    # Written by the system, never typed: the records of outgoing mail, of exports and draft
    # PDFs that a worker prepares.
    system_written = ("OutgoingEmail.", "ExportJob.", "DraftPdf.", "MailThrottle.")
    typed = [name for name in unbounded if not name.startswith(system_written)]
    assert typed == []
    assert "OutgoingEmail.body" in unbounded


def test_every_position_fits_a_postgresql_smallint_on_any_database():
    positions = [field for _, field in project_fields() if field.name == "position"]
    assert len(positions) >= 8
    for field in positions:
        assert max(getattr(v, "limit_value", 0) for v in field.validators) == SMALLINT_MAX


# --- Admin forms -------------------------------------------------------------------------


@pytest.fixture
def backa(db):
    promise = make_promise("Backa", slug="backa")
    school = make_partner("Ellen Keyskolan")
    area = make_focus_area(promise, "Skola")
    sub = make_sub_promise(area, school, title="Frukost i skolan")
    return {
        "promise": promise,
        "area": area,
        "sub": sub,
        "school": school,
        "coordinator": make_coordinator(promise, "samordnare"),
        "reporter": make_reporter(school, "ellen"),
    }


def test_admin_refuses_a_round_name_with_a_line_break_and_dates_out_of_range(client, backa):
    client.force_login(backa["coordinator"])
    response = client.post(
        reverse("admin:followup_reportingperiod_add"),
        {
            "promise": backa["promise"].pk,
            "name": "Våren\n2025",
            "starts_on": "1999-12-31",
            "deadline": "2101-01-01",
            "is_open": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == [
        "Skriv detta på en rad: radbrytningar och styrtecken (U+000A) är inte tillåtna."
    ]
    assert errors["starts_on"] == ["Ange ett datum mellan 2000-01-01 och 2100-12-31."]
    assert errors["deadline"] == ["Ange ett datum mellan 2000-01-01 och 2100-12-31."]
    assert "Våren\n2025" in response.content.decode()  # kept as typed
    assert not ReportingPeriod.objects.exists()


def area_form(backa, **fields) -> dict:
    """The focus area's admin form with its (empty) commitments inline."""
    return {
        "promise": backa["promise"].pk,
        "position": 1,
        "name": "Skola",
        "rationale": "",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
        **fields,
    }


def test_admin_shows_a_texts_limit_and_refuses_more(client, backa):
    client.force_login(backa["coordinator"])
    url = reverse("admin:lofte_focusarea_change", args=[backa["area"].pk])
    page = client.get(url).content.decode()
    assert "Högst 5\xa0000 tecken." in page
    assert 'maxlength="5000"' not in page  # a paste is never cut short without a word
    long_text = "Skäl. " * 1000
    response = client.post(url, area_form(backa, rationale=long_text))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["rationale"] == [
        "Säkerställ att detta värde har som mest 5000 tecken (den har 5999)."
    ]
    assert long_text.strip() in response.content.decode()
    backa["area"].refresh_from_db()
    assert backa["area"].rationale == ""


def test_admin_counts_a_line_break_once(client, backa):
    client.force_login(backa["coordinator"])
    text = ("x" * 99 + "\r\n") * 50  # 5,000 characters as the writer sees them
    response = client.post(
        reverse("admin:lofte_focusarea_change", args=[backa["area"].pk]),
        area_form(backa, rationale=text),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    backa["area"].refresh_from_db()
    assert len(backa["area"].rationale) == 4999  # the last break is trimmed as whitespace


def test_admin_refuses_a_position_a_postgresql_smallint_cannot_hold(client, backa):
    client.force_login(backa["coordinator"])
    response = client.post(
        reverse("admin:lofte_focusarea_change", args=[backa["area"].pk]),
        area_form(backa, position=40000),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["position"] == [
        "Kontrollera att detta värde är mindre än eller lika med 32767."
    ]
    backa["area"].refresh_from_db()
    assert backa["area"].position == 1


# --- Imports -----------------------------------------------------------------------------


def test_an_import_names_the_row_and_the_column_of_a_line_break(client, backa):
    client.force_login(backa["coordinator"])
    content = (
        SUB_HEADER
        + 'backa,Skola,2,"Läxhjälp\npå kvällen",,,,,Ellen Keyskolan,\n'
        + "backa,Skola,40000,Simskola,,,,,Ellen Keyskolan,\n"
        + "backa,Skola,4,Bad\x07,,,,,Ellen Keyskolan,\n"
    ).encode()
    preview, done = import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    assert done is None
    invalid = {
        row.number: row.field_specific_errors for row in preview.context["result"].invalid_rows
    }
    assert invalid == {
        1: {
            "rubrik": [
                "Skriv detta på en rad: radbrytningar och styrtecken (U+000A) är inte tillåtna."
            ]
        },
        2: {"nummer": ["Kontrollera att detta värde är mindre än eller lika med 32767."]},
        3: {
            "rubrik": [
                "Skriv detta på en rad: radbrytningar och styrtecken (U+0007) är inte tillåtna."
            ]
        },
    }
    page = preview.content.decode()
    assert "rubrik" in page and "nummer" in page
    assert SubPromise.objects.count() == 1


def test_an_import_refuses_a_text_over_its_limit(client, backa):
    client.force_login(backa["coordinator"])
    content = (SUB_HEADER + f"backa,Skola,2,Läxhjälp,{'x' * 5001},,,,Ellen Keyskolan,\n").encode()
    preview, done = import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    assert done is None
    [row] = preview.context["result"].invalid_rows
    assert row.field_specific_errors == {
        "beskrivning": ["Säkerställ att detta värde har som mest 5000 tecken (den har 5001)."]
    }
    assert not SubPromise.objects.filter(title="Läxhjälp").exists()


def test_an_indicator_value_import_refuses_a_note_on_two_lines(client, backa):
    from outcomes.models import Indicator

    Indicator.objects.create(promise=backa["promise"], position=1, name="Trygghet")
    client.force_login(backa["coordinator"])
    content = (
        'löfte,indikator,år,värde,källa,notering\nbacka,Trygghet,2024,62,NTU,"rad ett\nrad två"\n'
    )
    preview, done = import_file(client, "outcomes_indicatorvalue", content.encode(), "v.csv", "csv")
    assert done is None
    [row] = preview.context["result"].invalid_rows
    assert list(row.field_specific_errors) == ["notering"]
    assert not IndicatorValue.objects.exists()


# --- The portal --------------------------------------------------------------------------


@pytest.fixture
def open_round(backa):
    import datetime as dt

    from django.utils import timezone

    from .conftest import make_period

    today = timezone.localdate()
    return make_period(
        backa["promise"], name="Våren", starts_on=today, deadline=today + dt.timedelta(days=9)
    )


def test_the_report_form_shows_the_limit_and_keeps_a_text_over_it(client, backa, open_round):
    client.force_login(backa["reporter"])
    url = report_url(open_round, backa["sub"])
    assert "Högst 10\xa0000 tecken." in client.get(url).content.decode()
    too_long = "Vi delade ut frukost. " * 500  # 11,000 characters
    response = client.post(url, form_data(achieved=too_long))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv högst 10\xa0000 tecken: texten har 10\xa0999. Inget sparades" in html
    assert too_long.strip() in html  # every character typed is still in the form
    assert not StatusReport.objects.exists()


def test_the_report_form_counts_a_line_break_once(client, backa, open_round):
    client.force_login(backa["reporter"])
    text = ("x" * 99 + "\r\n") * 99 + "x" * 100  # 10,000 characters as the writer sees them
    response = client.post(report_url(open_round, backa["sub"]), form_data(achieved=text))
    assert response.status_code == 302
    assert StatusReport.objects.get().achieved == text.replace("\r\n", "\n")


def test_the_report_form_refuses_a_figure_label_on_two_lines(client, backa, open_round):
    client.force_login(backa["reporter"])
    data = form_data(achieved="Gjort.", figures=[("Frukostar\nutdelade", "10", "st")])
    response = client.post(report_url(open_round, backa["sub"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv detta på en rad" in html
    assert StatusReport.objects.get().figures.count() == 0  # the draft saved, the row marked


@pytest.mark.parametrize("version", ["99999999999999999999", "-1", "2147483648"])
def test_a_version_no_column_can_hold_is_a_form_error(client, backa, open_round, version):
    client.force_login(backa["reporter"])
    response = client.post(
        report_url(open_round, backa["sub"]), form_data(achieved="Gjort.", version=version)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["version"]
    assert not StatusReport.objects.exists()


def test_a_partner_name_with_a_line_break_is_refused_in_admin(client, backa, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-123456")
    client.force_login(admin)
    response = client.post(
        reverse("admin:parties_partner_add"),
        {"name": "Ny\r\nförening", "kind": "association", "email": ""},
    )
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert not Partner.objects.filter(name__startswith="Ny").exists()


def test_a_contribution_over_its_limit_is_kept_with_the_error(client, backa, open_round):
    from followup.models import Contribution

    helper = make_partner("Poseidon")
    joint = make_sub_promise(backa["area"], backa["school"], helper, title="Läxhjälp")
    client.force_login(make_reporter(helper, "poseidon"))
    too_long = "Vi hjälpte till. " * 650
    data = form_data(action="save", achieved=too_long)
    response = client.post(report_url(open_round, joint), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv högst 10\xa0000 tecken" in html
    assert too_long in html
    assert not Contribution.objects.exists()
