"""The problem picture and outcome indicators: the models' rules, the data a page gets (its
sentences, charts and fixed query count), the reusable includes, admin and value import."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from outcomes.chart import nice_step
from outcomes.data import outcomes_for
from outcomes.models import Indicator, IndicatorValue, Problem

from .conftest import make_coordinator, make_promise, make_reporter, make_user
from .outcomes_data import CRIMES, SAFE_AT_NIGHT, add_outcomes
from .test_import_export import csv_rows, export, import_file

pytestmark = pytest.mark.django_db

SAFE_SENTENCE = (
    "Andelen som känner sig trygga ute sent på kvällen har ökat från 62 % (2021) "
    "till 68 % (2025); målet är 70 %."
)
CRIME_SENTENCE = (
    "Anmälda brott per 1 000 invånare har minskat från 98,5 (2021) till 91,4 (2025); "
    "målet för 2026 är 90."
)


def plain(text: str) -> str:
    """Text with non-breaking spaces as spaces, for comparing with what a reader sees."""
    return text.replace("\xa0", " ")


@pytest.fixture
def promise():
    promise = make_promise("Backa", slug="backa")
    add_outcomes(promise)
    return promise


# --- The database's rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"baseline_value": Decimal(1)},  # a baseline without its year
        {"baseline_value": Decimal(1), "baseline_year": 1850},
        {"target_year": 2026},  # a target year without a target
        {"kolada_kpi": "N07403"},  # a KPI without a place
        {"kolada_kpi": "N07403", "kolada_municipality": "1480", "kolada_ou": "V15E148000101"},
    ],
)
def test_the_database_refuses_an_inconsistent_indicator(fields):
    promise = make_promise()
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(promise=promise, position=1, name="X", **fields)


def test_clean_explains_the_same_rules_in_words():
    promise = make_promise(municipalities=("1480", "1481"))  # joint: no place to default to
    indicator = Indicator(
        promise=promise,
        position=1,
        name="X",
        baseline_value=Decimal(1),
        target_year=2026,
        kolada_kpi="N07403",
    )
    with translation.override("sv"), pytest.raises(ValidationError) as error:
        indicator.full_clean()
    messages = error.value.message_dict
    assert messages["baseline_year"] == ["Ange utgångsvärdets värde och år, eller inget av dem."]
    assert messages["target_value"] == ["Ett målår kräver ett målvärde."]
    assert "Ange kommunen" in messages["kolada_municipality"][0]


def test_an_indicator_cannot_measure_another_promises_problem(promise):
    other = make_promise()
    indicator = Indicator(
        promise=other, position=1, name="X", problem=Problem.objects.filter(promise=promise)[0]
    )
    with translation.override("sv"), pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert error.value.message_dict["problem"] == ["Problemet hör till ett annat löfte."]


def test_one_value_a_year_and_a_plausible_year(promise):
    indicator = Indicator.objects.get(name=CRIMES)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=indicator, year=2021, value=Decimal(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=indicator, year=20250, value=Decimal(1))


# --- What a page gets -------------------------------------------------------------------


def test_sentences_say_how_each_indicator_changed_against_its_target(promise):
    with translation.override("sv"):
        outcomes = outcomes_for(promise)
    sentences = [plain(view.sentence) for view in outcomes.indicators]
    assert sentences == [SAFE_SENTENCE, CRIME_SENTENCE]
    with translation.override("en"):
        english = plain(outcomes_for(promise).indicators[0].sentence)
    assert english == (
        "Andelen som känner sig trygga ute sent på kvällen has increased from 62 % (2021) "
        "to 68 % (2025); the target is 70 %."
    )


def test_a_reached_target_is_said_in_the_direction_that_counts(promise):
    crimes = Indicator.objects.get(name=CRIMES)
    IndicatorValue.objects.create(indicator=crimes, year=2026, value=Decimal("88.9"))
    safe = Indicator.objects.get(name=SAFE_AT_NIGHT)
    IndicatorValue.objects.create(indicator=safe, year=2026, value=Decimal(69))
    with translation.override("sv"):
        views = outcomes_for(promise).indicators
    assert plain(views[1].sentence).endswith("målet för 2026 är 90. Målet är nått.")
    assert "Målet är nått" not in views[0].sentence


@pytest.mark.parametrize(
    ("fields", "values", "sentence"),
    [
        ({}, [], "Trygghetsindex: inga värden ännu."),
        (
            {"baseline_value": Decimal("3.2"), "baseline_year": 2023},
            [],
            "Trygghetsindex var 3,2 (2023).",
        ),
        (
            {},
            [(2023, "3.1"), (2025, "3.1")],
            "Trygghetsindex har legat kvar på 3,1 från 2023 till 2025.",
        ),
        # Values before the baseline are shown but the change is told from the baseline on.
        (
            {"baseline_value": Decimal("3.0"), "baseline_year": 2023},
            [(2021, "2.5"), (2024, "2.9")],
            "Trygghetsindex har minskat från 3 (2023) till 2,9 (2024).",
        ),
    ],
)
def test_sentences_for_few_values(fields, values, sentence):
    promise = make_promise()
    indicator = Indicator.objects.create(
        promise=promise, position=1, name="Trygghetsindex", **fields
    )
    for year, value in values:
        IndicatorValue.objects.create(indicator=indicator, year=year, value=Decimal(value))
    with translation.override("sv"):
        view = outcomes_for(promise).indicators[0]
    assert plain(view.sentence) == sentence
    assert (view.chart is None) == (not values and "baseline_year" not in fields)


def test_the_baseline_counts_as_a_value_when_its_year_has_none():
    promise = make_promise()
    indicator = Indicator.objects.create(
        promise=promise,
        position=1,
        name="Trygghetsindex",
        baseline_value=Decimal("3.0"),
        baseline_year=2022,
        source="Polisens trygghetsmätning",
    )
    IndicatorValue.objects.create(indicator=indicator, year=2024, value=Decimal("3.4"))
    with translation.override("sv"):
        view = outcomes_for(promise).indicators[0]
    assert [(row.year, row.text, row.is_baseline) for row in view.rows] == [
        (2022, "3", True),
        (2024, "3,4", False),
    ]
    assert view.rows[0].source == ""  # the indicator's source is said once, beside it
    assert len(view.chart.points) == 2


def test_the_chart_marks_baseline_and_target_on_round_axes(promise):
    with translation.override("sv"):
        safe, crimes = outcomes_for(promise).indicators
    chart = safe.chart
    assert [p.year for p in chart.points] == [2021, 2022, 2023, 2024, 2025]
    assert plain(chart.baseline.text) == "Utgångsvärde 62 %"
    assert plain(chart.target.text) == "Mål 70 %"
    # Higher values are higher up (smaller y); the target (70) is above the last value (68).
    assert chart.points[0].y > chart.points[-1].y > chart.target.y
    assert [t.text for t in chart.y_ticks] == ["60", "62", "64", "66", "68", "70", "72"]
    assert [t.text for t in chart.x_ticks] == ["2021", "2022", "2023", "2024", "2025"]
    # The target year (2026) widens the time axis and gets its marker.
    assert crimes.chart.x_ticks[-1].text == "2026"
    assert crimes.chart.target_marker.startswith("M ")


@pytest.mark.parametrize(
    ("rough", "step"), [("0.3", "0.5"), ("2", "2"), ("2.125", "5"), ("13", "20"), ("70", "100")]
)
def test_axis_steps_are_round(rough, step):
    assert nice_step(Decimal(rough)) == Decimal(step)


def test_problems_come_with_the_commitments_that_address_them(promise):
    problems = outcomes_for(promise).problems
    assert [p.title for p in problems] == [
        "Otrygghet i centrum kvällstid",
        "Ungdomar som saknar sysselsättning på loven",
    ]
    assert [(c.text, c.focus_area) for c in problems[0].commitments] == [
        ("Belysa gångvägarna till centrum", "Lokalområde"),
        ("Nattvandra helger", "Lokalområde"),
    ]
    assert [c.text for c in problems[1].commitments] == [
        "Erbjuda sommarjobb till unga",
        "Nattvandra helger",
    ]
    assert outcomes_for(promise).indicators[0].problem_title == "Otrygghet i centrum kvällstid"


def test_the_data_costs_four_queries_whatever_the_number_of_indicators_and_values():
    counts = []
    for indicators, years in ((2, 5), (12, 30)):
        promise = make_promise()
        add_outcomes(promise, indicators=indicators, years=years)
        with CaptureQueriesContext(connection) as queries:
            outcomes = outcomes_for(promise)
        assert len(outcomes.indicators) == indicators
        assert len(outcomes.indicators[-1].rows) == years
        counts.append(len(queries))
    assert counts == [4, 4]


def test_a_promise_without_outcomes_costs_two_queries_and_shows_nothing():
    promise = make_promise()
    with CaptureQueriesContext(connection) as queries:
        outcomes = outcomes_for(promise)
    assert len(queries) == 2
    assert not outcomes


# --- The includes a page (the public promise page, the follow-up) uses ------------------


def render_includes(promise) -> str:
    with translation.override("sv"):
        outcomes = outcomes_for(promise)
        return render_to_string(
            "outcomes/_problems.html", {"problems": outcomes.problems}
        ) + render_to_string("outcomes/_indicators.html", {"indicators": outcomes.indicators})


def test_includes_show_problems_links_charts_tables_and_sentences(promise):
    html = plain(render_includes(promise))
    assert '<h3 id="problem-1-title">Otrygghet i centrum kvällstid</h3>' in html
    assert "Trygghetsmätningen visar att var tredje känner sig otrygg." in html
    assert (
        "Källor:</span> Polisens trygghetsmätning 2023; Medborgardialog i Backa, maj 2023" in html
    )
    assert "Nattvandra helger <span" in html
    assert 'href="#fokusomrade' not in html  # links to sections only where the page has them
    assert html.count('role="img"') == 2
    assert html.count("<caption") == 2
    assert "Andelen som känner sig trygga ute sent på kvällen per år" in html
    assert '<th scope="row">2025</th>' in html
    assert "Preliminär siffra" in html
    assert SAFE_SENTENCE in html
    assert CRIME_SENTENCE in html


def test_includes_escape_what_coordinators_write():
    promise = make_promise()
    hostile = '<script>alert("x")</script>'
    problem = Problem.objects.create(
        promise=promise, position=1, title=hostile, evidence=hostile, sources=hostile
    )
    indicator = Indicator.objects.create(
        promise=promise, problem=problem, position=1, name=hostile, unit="<b>", source=hostile
    )
    IndicatorValue.objects.create(indicator=indicator, year=2024, value=1, note=hostile)
    html = render_includes(promise)
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html


# --- Admin --------------------------------------------------------------------------------


def test_coordinator_sees_and_edits_only_their_promises_outcomes(client, promise):
    theirs = make_promise("Angered", slug="angered")
    add_outcomes(theirs)
    client.force_login(make_coordinator(promise))
    for model in ("problem", "indicator", "indicatorvalue"):
        page = client.get(reverse(f"admin:outcomes_{model}_changelist"))
        assert page.status_code == 200
        assert (
            page.context["cl"].result_count
            == {
                "problem": 2,
                "indicator": 2,
                "indicatorvalue": 10,
            }[model]
        )
    other = Indicator.objects.get(promise=theirs, name=CRIMES)
    # Admin's own answer for an object that is not there: back to the index, nothing shown.
    change = client.get(reverse("admin:outcomes_indicator_change", args=[other.pk]))
    assert (change.status_code, change.url) == (302, reverse("admin:index"))
    assert (
        client.get(reverse("admin:outcomes_indicator_history", args=[other.pk])).status_code == 404
    )
    mine = Indicator.objects.get(promise=promise, name=CRIMES)
    page = client.get(reverse("admin:outcomes_indicator_change", args=[mine.pk])).content.decode()
    assert "Angered" not in page  # no other promise's problems among the choices


def test_a_reporter_or_an_anonymous_visitor_gets_no_admin(client, promise):
    url = reverse("admin:outcomes_indicator_changelist")
    assert client.get(url).status_code == 302
    from .conftest import make_partner

    client.force_login(make_reporter(make_partner()))
    assert client.get(url).status_code == 302


def test_a_problem_links_only_commitments_of_its_own_promise(client, promise):
    theirs = make_promise("Angered", slug="angered")
    add_outcomes(theirs)
    coordinator = make_coordinator(promise)
    theirs.coordinators.add(coordinator)
    client.force_login(coordinator)
    problem = Problem.objects.get(promise=promise, position=1)
    foreign = theirs.focus_areas.get(name="Skola").commitments.get()
    response = client.post(
        reverse("admin:outcomes_problem_change", args=[problem.pk]),
        {
            "promise": promise.pk,
            "position": 1,
            "title": problem.title,
            "commitments": [foreign.pk],
        },
    )
    assert response.status_code == 200
    assert "Länka bara åtaganden i det här löftet" in response.content.decode()
    assert list(problem.commitments.values_list("text", flat=True)) == [
        "Belysa gångvägarna till centrum",
        "Nattvandra helger",
    ]


def test_editing_an_indicator_and_its_values_is_recorded_in_history(client, promise):
    user = make_coordinator(promise)
    client.force_login(user)
    indicator = Indicator.objects.get(promise=promise, name=SAFE_AT_NIGHT)
    values = list(indicator.values.order_by("year"))
    data = {
        "promise": promise.pk,
        "problem": indicator.problem_id,
        "position": 1,
        "name": indicator.name,
        "unit": "%",
        "direction": "higher",
        "baseline_value": "62",
        "baseline_year": "2021",
        "target_value": "75",
        "values-TOTAL_FORMS": len(values) + 1,
        "values-INITIAL_FORMS": len(values),
        "values-MIN_NUM_FORMS": 0,
        "values-MAX_NUM_FORMS": 1000,
    }
    for i, value in enumerate(values):
        data |= {
            f"values-{i}-id": value.pk,
            f"values-{i}-indicator": indicator.pk,
            f"values-{i}-year": value.year,
            f"values-{i}-value": str(value.value),
            f"values-{i}-source": value.source,
            f"values-{i}-note": value.note,
        }
    data |= {f"values-{len(values)}-year": "2026", f"values-{len(values)}-value": "71"}
    response = client.post(reverse("admin:outcomes_indicator_change", args=[indicator.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    indicator.refresh_from_db()
    assert indicator.target_value == 75
    assert indicator.values.get(year=2026).value == 71
    assert indicator.history.latest().history_user == user
    history = client.get(reverse("admin:outcomes_indicator_history", args=[indicator.pk]))
    assert user.username in history.content.decode()


# --- Import and export of values --------------------------------------------------------

HEADER = "löfte,indikator,år,värde,källa,notering\n"


@pytest.fixture
def coordinator(client, promise):
    theirs = make_promise("Angered", slug="angered")
    add_outcomes(theirs)
    user = make_coordinator(promise)
    client.force_login(user)
    return user


def test_values_import_with_preview_and_the_same_file_twice_changes_nothing(client, coordinator):
    content = (
        HEADER
        + f'backa,{CRIMES},2026,"89,5",Brå,Preliminär\n'
        + f"backa,{SAFE_AT_NIGHT},2025,68,Brå NTU,\n"
    ).encode()
    preview, done = import_file(client, "outcomes_indicatorvalue", content, "v.csv", "csv")
    assert "89,5" in preview.content.decode() or "89.5" in preview.content.decode()
    assert done is not None and done.status_code == 200
    value = IndicatorValue.objects.get(indicator__promise__slug="backa", year=2026)
    assert (value.value, value.source, value.note) == (Decimal("89.5"), "Brå", "Preliminär")
    assert (
        IndicatorValue.objects.get(
            indicator__name=SAFE_AT_NIGHT, indicator__promise__slug="backa", year=2025
        ).source
        == "Brå NTU"
    )
    count = IndicatorValue.history.count()
    _preview, again = import_file(client, "outcomes_indicatorvalue", content, "v.csv", "csv")
    assert again is not None
    assert IndicatorValue.history.count() == count


def test_a_bad_values_file_imports_nothing_and_says_why(client, coordinator):
    before = IndicatorValue.objects.count()
    content = (
        HEADER
        + f"backa,{CRIMES},2026,89,Brå,\n"
        + "backa,Okänd indikator,2026,1,,\n"
        + f"backa,{CRIMES},tjugo,1,,\n"
        + f"backa,{CRIMES},2027,mycket,,\n"
        + f"angered,{CRIMES},2026,1,,\n"
    ).encode()
    preview, done = import_file(client, "outcomes_indicatorvalue", content, "v.csv", "csv")
    assert done is None
    page = preview.content.decode()
    assert "Löftet har ingen indikator som heter ”Okänd indikator”." in page
    assert "”år” måste vara ett år mellan 1900 och 2100, inte ”tjugo”." in page
    assert "”värde” måste vara ett tal, inte ”mycket”." in page
    assert "”angered” är inte ett av de medborgarlöften du samordnar." in page
    assert IndicatorValue.objects.count() == before


def test_values_export_holds_only_own_promise(client, coordinator):
    rows = csv_rows(export(client, "outcomes_indicatorvalue", "csv"))
    assert rows[0] == ["löfte", "indikator", "år", "värde", "källa", "notering"]
    assert {row[0] for row in rows[1:]} == {"backa"}
    assert len(rows) == 11


def test_an_outsider_cannot_import_values(client, promise):
    client.force_login(make_user(is_staff=True))
    response = client.get(reverse("admin:outcomes_indicatorvalue_import"))
    assert response.status_code == 403


def test_linking_commitments_is_recorded_in_the_problems_history(client, promise):
    user = make_coordinator(promise)
    client.force_login(user)
    problem = Problem.objects.get(promise=promise, position=1)
    lights = problem.commitments.get(text="Belysa gångvägarna till centrum")
    summer = promise.focus_areas.get(name="Skola").commitments.get()
    response = client.post(
        reverse("admin:outcomes_problem_change", args=[problem.pk]),
        {
            "promise": promise.pk,
            "position": 1,
            "title": problem.title,
            "evidence": problem.evidence,
            "sources": problem.sources,
            "commitments": [lights.pk, summer.pk],
        },
    )
    assert response.status_code == 302
    assert set(problem.commitments.values_list("text", flat=True)) == {
        "Belysa gångvägarna till centrum",
        "Erbjuda sommarjobb till unga",
    }
    latest = problem.history.latest()
    assert latest.history_user == user
    assert {row.commitment_id for row in latest.commitments.all()} == {lights.pk, summer.pk}


def test_admin_pages_cost_the_same_queries_whatever_the_number_of_rows(client):
    """Lists and an indicator's page (with its values inline) at two sizes."""
    counts = {}
    for indicators, years in ((2, 3), (12, 30)):
        promise = make_promise()
        add_outcomes(promise, indicators=indicators, years=years)
        client.force_login(make_coordinator(promise))
        indicator = Indicator.objects.filter(promise=promise).order_by("-position").first()
        urls = [
            reverse("admin:outcomes_problem_changelist"),
            reverse("admin:outcomes_indicator_changelist"),
            reverse("admin:outcomes_indicatorvalue_changelist"),
            reverse("admin:outcomes_indicator_change", args=[indicator.pk]),
            reverse("admin:outcomes_problem_change", args=[promise.problems.first().pk]),
        ]
        for url in urls:
            client.get(url)  # warms the caches (content types) that the first call fills
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            counts.setdefault(url.split("/")[3] + url.split("/")[-2], []).append(len(queries))
    assert all(small == big for small, big in counts.values()), counts


@pytest.mark.parametrize(
    "values",
    [
        ["0", "0", "0"],  # nothing changes
        ["-4.5", "-2", "1.25"],  # below zero
        ["1000000000", "1000000001"],  # large, close together
        ["0.0001", "0.0003"],  # small
    ],
)
def test_the_chart_draws_any_series_inside_its_frame(values):
    promise = make_promise()
    indicator = Indicator.objects.create(
        promise=promise, position=1, name="X", target_value=Decimal(values[0])
    )
    for year, value in enumerate(values, start=2020):
        IndicatorValue.objects.create(indicator=indicator, year=year, value=Decimal(value))
    chart = outcomes_for(promise).indicators[0].chart
    assert 3 <= len(chart.y_ticks) <= 8
    for point in chart.points:
        assert chart.top <= point.y <= chart.bottom
        assert chart.left <= point.x <= chart.right
    assert chart.top <= chart.target.y <= chart.bottom
