"""A partner's pages find their rows through indexes, never by reading the national tables.

At national size (33,000 sub-promises, 66,000 reports) a query that reads a whole table
costs a partner's page a tenth of a second or more; a query shaped so that the database can
reach the partner's few rows by index costs well under a millisecond. The database's own
plan says which: PostgreSQL's EXPLAIN, with sequential scans priced out so that it shows a
full read only where no index can serve the query, and SQLite's EXPLAIN QUERY PLAN ("SCAN"
is a full read, "SEARCH" an index lookup). The query shapes themselves are checked too: the
report model's default ordering must not drag joins into a query that only fills a dict.
"""

import json

import pytest
from django.db import connection
from django.urls import reverse

from .conftest import (
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)

pytestmark = pytest.mark.django_db

NATIONAL = {
    "lofte_subpromise",
    "lofte_responsibility",
    "followup_statusreport",
    "followup_contribution",
}


@pytest.fixture
def reporter():
    promise = make_promise(slug="backa")
    lead, co = make_partner("Poseidon"), make_partner("Backaskolan")
    period = make_period(promise, name="Våren")
    area = make_focus_area(promise, "Skola")
    subs = [make_sub_promise(area, lead, co, position=n) for n in range(1, 6)]
    for sub in subs:
        make_report(sub, period)
    other = make_promise(slug="angered")  # rows the partner's pages must not read
    other_area = make_focus_area(other, "Trygghet")
    other_period = make_period(other)
    for n in range(1, 6):
        make_report(make_sub_promise(other_area, make_partner(), position=n), other_period)
    return make_reporter(lead), period, subs[0]


def queries_of(client, url) -> list[tuple[str, tuple]]:
    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200
    return queries


def full_reads(sql: str, params) -> list[str]:
    """The national tables this query reads whole, by the database's own plan."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # the test's transaction only
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            found = []

            def walk(node):
                table = node.get("Relation Name")
                # With sequential scans priced out, one that remains means no index can
                # serve the query. (On tables this small the planner may still walk a whole
                # index inside a merge join; at national size it does not, so that is not
                # counted.)
                if table in NATIONAL and node["Node Type"] == "Seq Scan":
                    found.append(f"{node['Node Type']} on {table}")
                for child in node.get("Plans", []):
                    walk(child)

            walk(plan[0]["Plan"])
            return found
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        details = [row[-1] for row in cursor.fetchall()]
        return [d for d in details if d.startswith("SCAN ") and d.split()[1] in NATIONAL]


@pytest.mark.parametrize("page", ["portal:dashboard", "portal:period", "portal:report"])
def test_partner_pages_reach_their_rows_by_index(client, reporter, page):
    user, period, sub = reporter
    args = {"portal:dashboard": [], "portal:period": [period.pk]}.get(page, [period.pk, sub.pk])
    client.force_login(user)
    queries = queries_of(client, reverse(page, args=args))
    reads = {sql[:120]: full_reads(sql, params) for sql, params in queries}
    assert {sql: found for sql, found in reads.items() if found} == {}
    assert len(queries) > 4  # the page did read its rows


def test_the_dashboards_report_query_joins_nothing_for_ordering(client, reporter):
    user, _period, _sub = reporter
    client.force_login(user)
    queries = queries_of(client, reverse("portal:dashboard"))
    reports = [sql for sql, _params in queries if sql.startswith('SELECT "followup_statusreport"')]
    assert len(reports) == 1
    (sql,) = reports
    assert "ORDER BY" not in sql
    assert 'JOIN "lofte_focusarea"' not in sql
    assert 'JOIN "followup_reportingperiod"' not in sql
