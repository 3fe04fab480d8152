"""Two people acting at once: one wins, the other is told why, the database holds one result.

Each test runs two real workflow steps in two threads, each thread on its own database
connection and in its own transaction. The race is made certain rather than likely: the
first step runs to its end inside a transaction that is held open, as a slow request holds
it (`race`); the second starts then, while the first is in flight, and on PostgreSQL the
first commits only once the second is waiting for one of its locks, so the second has
already read what it reads before its write. A step that checks the state in one statement
and writes in another then succeeds twice; one that checks and writes in one UPDATE (or
locks the row it checks) makes the second wait, see the first's result, and refuse.

On SQLite, which CI runs the suite on as well, every write transaction takes the database's
lock at BEGIN (`transaction_mode: IMMEDIATE` in settings), so two steps never interleave and
there is no race to lose: the tests run there too and check the same outcome, but only
PostgreSQL can catch a step that would interleave.
"""

import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

import followup.document.publishing
import followup.services
from followup.document.publishing import publish_follow_up, render_publication
from followup.models import Contribution, FollowUp, StatusReport
from followup.services import (
    ContributionConflict,
    ContributionContent,
    ReportConflict,
    ReportContent,
    WorkflowError,
    approve_report,
    get_or_start_report,
    mark_highlight,
    open_review,
    return_report,
    save_contribution,
    save_report,
    submit_report,
    withdraw_report,
)
from lofte.models import OutgoingEmail, Responsibility

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_reporter,
    make_sub_promise,
)
from .document_data import make_follow_up

pytestmark = pytest.mark.django_db(transaction=True)

# Seconds: how long the first step waits for the second to queue behind it, and how long
# anything may take before the test fails instead of hanging.
WAIT_FOR_SECOND = 5
TIMEOUT = 15


@dataclass
class Race:
    first: object  # what each step returned, or the exception it raised
    second: object
    # Whether the second waited for the first's lock (PostgreSQL only; SQLite queues at BEGIN).
    second_waited: bool


def _second_waits_for_me() -> bool:
    """Whether another session waits for a lock this session's transaction holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return cursor.fetchone()[0] > 0


def race(first, second) -> Race:
    """Runs `first`, then `second` while `first`'s transaction is still open; both to the end.

    Each runs in a thread of its own, on its own connection, released together by a barrier.
    `first` commits when the second waits for one of its locks, when the second has
    finished without waiting, or after WAIT_FOR_SECOND seconds (on SQLite, where the
    second waits at BEGIN and cannot be seen waiting, after a short pause).
    """
    start = threading.Barrier(2, timeout=TIMEOUT)
    first_in_flight, second_done = threading.Event(), threading.Event()
    results: dict[str, object] = {"waited": False}

    def run_first():
        try:
            connection.ensure_connection()
            start.wait()
            with transaction.atomic():
                try:
                    results["first"] = first()
                finally:
                    first_in_flight.set()
                if connection.vendor == "postgresql":
                    deadline = time.monotonic() + WAIT_FOR_SECOND
                    while time.monotonic() < deadline and not second_done.is_set():
                        if _second_waits_for_me():
                            results["waited"] = True
                            break
                        time.sleep(0.005)
                else:
                    time.sleep(0.05)
        except Exception as error:  # the step's refusal is the result
            results.setdefault("first", error)
        finally:
            first_in_flight.set()
            connection.close()

    def run_second():
        try:
            connection.ensure_connection()
            start.wait()
            if not first_in_flight.wait(TIMEOUT):
                raise TimeoutError("the first step never ran")
            results["second"] = second()
        except Exception as error:
            results.setdefault("second", error)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a step hung"
    outcome = Race(results.get("first"), results.get("second"), results["waited"])
    if connection.vendor == "postgresql":
        # The race really happened: the second reached the first's rows while it was in flight.
        assert outcome.second_waited or not isinstance(outcome.second, Exception), outcome
    return outcome


def one_won(outcome: Race, refusal: type[Exception]) -> tuple[object, Exception]:
    """The winner's result and the loser's refusal, asserting exactly one of each."""
    refused = [r for r in (outcome.first, outcome.second) if isinstance(r, Exception)]
    won = [r for r in (outcome.first, outcome.second) if not isinstance(r, Exception)]
    assert len(won) == 1 and len(refused) == 1, outcome
    assert type(refused[0]) is refusal, refused[0]
    return won[0], refused[0]


@pytest.fixture
def joint():
    """A joint sub-promise's report, complete enough to hand in, with two reporters of the
    lead, a co-partner's reporter and two coordinators."""
    promise = make_promise()
    lead, co = make_partner(), make_partner()
    sub = make_sub_promise(make_focus_area(promise), lead, co)
    report = get_or_start_report(sub_promise=sub, period=make_period(promise))
    StatusReport.objects.filter(pk=report.pk).update(status="in_progress", achieved="Vi började.")
    report.refresh_from_db()
    return {
        "report": report,
        "co": co,
        "leads": (make_reporter(lead, "anna"), make_reporter(lead, "bertil")),
        "co_reporter": make_reporter(co, "cecilia"),
        "coordinators": (make_coordinator(promise, "dora"), make_coordinator(promise, "erik")),
    }


def fresh(report: StatusReport) -> StatusReport:
    """The report as a request loads it: its own copy, read from the database."""
    return StatusReport.objects.get(pk=report.pk)


def submitted(report: StatusReport, by) -> StatusReport:
    """The report as handed in by `by`."""
    StatusReport.objects.filter(pk=report.pk).update(
        status="in_progress",
        achieved=report.achieved or "Vi började.",
        state="submitted",
        submitted_at="2025-05-01T10:00:00Z",
        submitted_by=by,
        version=report.version + 1,
    )
    return fresh(report)


def test_two_reporters_handing_in_at_once_hand_in_once(joint):
    report = joint["report"]
    anna, bertil = joint["leads"]
    version = report.version  # both loaded the same report
    outcome = race(
        lambda: submit_report(report=fresh(report), user=anna, version=version),
        lambda: submit_report(report=fresh(report), user=bertil, version=version),
    )
    winner, refused = one_won(outcome, ReportConflict)
    assert winner.submitted_by == anna
    assert str(refused) == "Rapporten ändrades av någon annan medan du redigerade den."
    assert refused.current.submitted_by == anna
    report.refresh_from_db()
    assert (report.state, report.submitted_by, report.version) == ("submitted", anna, version + 1)
    assert report.history.filter(history_type="~", state="submitted").count() == 1


def test_two_reporters_handing_in_without_a_version_hand_in_once(joint):
    report = joint["report"]
    anna, bertil = joint["leads"]
    version = report.version
    outcome = race(
        lambda: submit_report(report=fresh(report), user=anna),
        lambda: submit_report(report=fresh(report), user=bertil),
    )
    _winner, refused = one_won(outcome, WorkflowError)
    assert str(refused) == "Rapporten kan inte längre ändras (den är inskickad)."
    report.refresh_from_db()
    assert (report.state, report.submitted_by, report.version) == ("submitted", anna, version + 1)


def test_two_reporters_saving_the_same_version_at_once_keep_the_first_text(joint):
    report = joint["report"]
    anna, bertil = joint["leads"]
    version = report.version

    def save(user, text):
        return lambda: save_report(
            report=fresh(report),
            user=user,
            content=ReportContent(status="in_progress", achieved=text),
            version=version,
        )

    outcome = race(save(anna, "Annas text"), save(bertil, "Bertils text"))
    _winner, refused = one_won(outcome, ReportConflict)
    assert refused.current.achieved == "Annas text"
    report.refresh_from_db()
    assert (report.achieved, report.saved_by, report.version) == ("Annas text", anna, version + 1)


def test_a_save_while_the_report_is_handed_in_is_refused(joint):
    report = joint["report"]
    anna, bertil = joint["leads"]
    version = report.version
    outcome = race(
        lambda: submit_report(report=fresh(report), user=anna, version=version),
        lambda: save_report(
            report=fresh(report),
            user=bertil,
            content=ReportContent(status="done", achieved="Bertils text"),
            version=version,
        ),
    )
    _winner, refused = one_won(outcome, ReportConflict)
    assert refused.current.state == "submitted"
    report.refresh_from_db()
    assert (report.state, report.achieved, report.saved_by) == ("submitted", "Vi började.", None)


def test_a_co_partner_saving_while_the_lead_hands_in_is_refused(joint):
    report, co, cecilia = joint["report"], joint["co"], joint["co_reporter"]
    anna = joint["leads"][0]
    outcome = race(
        lambda: submit_report(report=fresh(report), user=anna, version=report.version),
        lambda: save_contribution(
            report=fresh(report),
            partner=co,
            user=cecilia,
            content=ContributionContent(achieved="Vi höll tre träffar."),
            version=1,
            ready=True,
        ),
    )
    winner, refused = one_won(outcome, WorkflowError)
    assert winner.state == "submitted"
    assert str(refused) == (
        "Rapporten är inskickad eller omgången stängd: bidragen kan inte längre ändras."
    )
    report.refresh_from_db()
    assert (report.state, report.submitted_by) == ("submitted", anna)
    # Nothing of the contribution came in after the hand-in.
    assert not Contribution.objects.filter(report=report, saved_at__isnull=False).exists()


def test_a_hand_in_while_a_co_partner_saves_waits_for_the_contribution(joint):
    report, co, cecilia = joint["report"], joint["co"], joint["co_reporter"]
    anna = joint["leads"][0]

    def hand_in():
        handed_in = submit_report(report=fresh(report), user=anna, version=report.version)
        # What the coordinator reads beside the report once it is handed in.
        saved = Contribution.objects.filter(report=report, saved_at__isnull=False)
        return handed_in, list(saved.values_list("achieved", flat=True))

    outcome = race(
        lambda: save_contribution(
            report=fresh(report),
            partner=co,
            user=cecilia,
            content=ContributionContent(achieved="Vi höll tre träffar."),
            version=1,
            ready=True,
        ),
        hand_in,
    )
    assert outcome.first.state == "ready", outcome
    handed_in, contributions = outcome.second
    assert handed_in.state == "submitted"
    assert contributions == ["Vi höll tre träffar."]
    report.refresh_from_db()
    assert report.submitted_at > Contribution.objects.get(report=report).saved_at


def test_two_co_partner_reporters_saving_at_once_keep_the_first_contribution(joint):
    report, co, cecilia = joint["report"], joint["co"], joint["co_reporter"]
    david = make_reporter(co, "david")
    save_contribution(
        report=report,
        partner=co,
        user=cecilia,
        content=ContributionContent(),
        version=1,
        ready=False,
    )

    def save(user, text):
        return lambda: save_contribution(
            report=fresh(report),
            partner=co,
            user=user,
            content=ContributionContent(achieved=text),
            version=2,
            ready=True,
        )

    outcome = race(save(cecilia, "Cecilias text"), save(david, "Davids text"))
    _winner, refused = one_won(outcome, ContributionConflict)
    assert str(refused) == "Bidraget ändrades av någon annan medan du redigerade det."
    assert refused.current.achieved == "Cecilias text"
    contribution = Contribution.objects.get(report=report, partner=co)
    assert (contribution.achieved, contribution.saved_by, contribution.version) == (
        "Cecilias text",
        cecilia,
        3,
    )


def test_two_coordinators_approving_and_returning_at_once_review_once(joint):
    report = submitted(joint["report"], joint["leads"][0])
    dora, erik = joint["coordinators"]
    version = report.version
    outcome = race(
        lambda: approve_report(report=fresh(report), reviewer=dora),
        lambda: return_report(report=fresh(report), reviewer=erik, comment="Fyll i siffrorna."),
    )
    _winner, refused = one_won(outcome, WorkflowError)
    assert str(refused) == "Rapporten kan inte längre ändras (den är godkänd)."
    report.refresh_from_db()
    assert (report.state, report.reviewed_by, report.review_comment) == ("approved", dora, "")
    assert report.version == version + 1
    # The partner's reporters hear of the approval only, once each.
    mails = OutgoingEmail.objects.order_by("to")
    assert [(m.to, m.subject.startswith("Er rapport är godkänd")) for m in mails] == [
        ("anna@example.org", True),
        ("bertil@example.org", True),
        ("cecilia@example.org", True),
    ]


def test_two_coordinators_returning_and_approving_at_once_review_once(joint):
    report = submitted(joint["report"], joint["leads"][0])
    dora, erik = joint["coordinators"]
    outcome = race(
        lambda: return_report(report=fresh(report), reviewer=dora, comment="Fyll i siffrorna."),
        lambda: approve_report(report=fresh(report), reviewer=erik),
    )
    _winner, refused = one_won(outcome, WorkflowError)
    assert str(refused) == "Rapporten kan inte längre ändras (den är returnerad)."
    report.refresh_from_db()
    assert (report.state, report.reviewed_by, report.review_comment) == (
        "returned",
        dora,
        "Fyll i siffrorna.",
    )


def test_taking_back_while_the_coordinator_opens_the_report_is_refused(joint):
    report = submitted(joint["report"], joint["leads"][0])
    anna = joint["leads"][0]
    outcome = race(
        lambda: open_review(report=fresh(report), reviewer=joint["coordinators"][0]),
        lambda: withdraw_report(report=fresh(report), user=anna),
    )
    assert outcome.first is True
    assert isinstance(outcome.second, WorkflowError), outcome
    assert str(outcome.second) == (
        "Rapporten kan inte längre tas tillbaka: samordnaren har börjat granska den."
    )
    report.refresh_from_db()
    assert report.state == "submitted" and report.review_opened_at is not None


def test_taking_back_while_the_coordinator_approves_is_refused(joint):
    report = submitted(joint["report"], joint["leads"][0])
    anna = joint["leads"][0]
    outcome = race(
        lambda: approve_report(report=fresh(report), reviewer=joint["coordinators"][0]),
        lambda: withdraw_report(report=fresh(report), user=anna),
    )
    _winner, refused = one_won(outcome, WorkflowError)
    assert str(refused) == (
        "Rapporten kan inte längre tas tillbaka: samordnaren har börjat granska den."
    )
    report.refresh_from_db()
    assert (report.state, report.submitted_by, report.reviewed_by) == (
        "approved",
        anna,
        joint["coordinators"][0],
    )


@pytest.fixture
def follow_up(db_queue):
    promise = make_promise("Angered")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Läxhjälp")
    return promise, make_follow_up(promise, title="Uppföljning Angered 2025")


def test_two_publishes_at_once_queue_one_render(follow_up):
    promise, follow_up = follow_up
    dora, erik = make_coordinator(promise, "dora"), make_coordinator(promise, "erik")
    outcome = race(
        lambda: publish_follow_up(follow_up=FollowUp.objects.get(pk=follow_up.pk), user=dora),
        lambda: publish_follow_up(follow_up=FollowUp.objects.get(pk=follow_up.pk), user=erik),
    )
    winner, refused = one_won(outcome, WorkflowError)
    assert winner.state == "publishing"
    assert str(refused) == "”Uppföljning Angered 2025” håller redan på att publiceras."
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.published_by) == ("publishing", dora)
    task = DBTaskResult.objects.get()
    assert follow_up.publish_task_id == str(task.id)
    assert task.args_kwargs["args"] == [follow_up.pk]


def test_two_co_partners_saving_at_once_both_save(joint):
    report, co, cecilia = joint["report"], joint["co"], joint["co_reporter"]
    other = make_partner()
    Responsibility.objects.create(
        sub_promise=report.sub_promise, partner=other, role=Responsibility.Role.CO
    )
    fredrik = make_reporter(other, "fredrik")

    def save(partner, user, text):
        return lambda: save_contribution(
            report=fresh(report),
            partner=partner,
            user=user,
            content=ContributionContent(achieved=text),
            version=1,
            ready=True,
        )

    outcome = race(save(co, cecilia, "Cecilias del"), save(other, fredrik, "Fredriks del"))
    assert not isinstance(outcome.first, Exception) and not isinstance(outcome.second, Exception)
    saved = Contribution.objects.filter(report=report).order_by("saved_by__username")
    assert [(c.saved_by.username, c.achieved, c.state) for c in saved] == [
        ("cecilia", "Cecilias del", "ready"),
        ("fredrik", "Fredriks del", "ready"),
    ]


def test_two_reporters_opening_a_new_report_at_once_get_the_same_report(joint):
    report = joint["report"]
    sub = make_sub_promise(report.sub_promise.focus_area, joint["co"])
    outcome = race(
        lambda: get_or_start_report(sub_promise=sub, period=report.period),
        lambda: get_or_start_report(sub_promise=sub, period=report.period),
    )
    assert not isinstance(outcome.second, Exception), outcome
    assert outcome.first.pk == outcome.second.pk
    assert StatusReport.objects.filter(sub_promise=sub).count() == 1


def test_two_coordinators_highlighting_at_once_get_a_position_each(joint):
    report = joint["report"]
    other = get_or_start_report(
        sub_promise=make_sub_promise(report.sub_promise.focus_area, joint["co"]),
        period=report.period,
    )
    dora, erik = joint["coordinators"]
    for approved in (report, other):
        approve_report(report=submitted(approved, joint["leads"][0]), reviewer=dora)
    follow_up = make_follow_up(report.period.promise)
    outcome = race(
        lambda: mark_highlight(
            report=fresh(report), follow_up=follow_up, reviewer=dora, text="Först"
        ),
        lambda: mark_highlight(
            report=fresh(other), follow_up=follow_up, reviewer=erik, text="Sedan"
        ),
    )
    assert not isinstance(outcome.second, Exception), outcome
    assert list(follow_up.highlights.values_list("position", "text")) == [
        (1, "Först"),
        (2, "Sedan"),
    ]


def test_two_renders_of_one_publication_at_once_store_one_version(follow_up, monkeypatch):
    promise, follow_up = follow_up
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    renders = iter(range(1, 3))

    def copy(follow_up):  # the page and PDF, told apart by the render that made them
        n = next(renders)
        return {"published_html": f"<p>Version {n}</p>", "published_pdf": b"%PDF", "etag": f"{n}"}

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", copy)
    # Two workers run the same render (a retry, a task picked twice).
    outcome = race(
        lambda: render_publication.call(follow_up.pk),
        lambda: render_publication.call(follow_up.pk),
    )
    assert (outcome.first, outcome.second) == ("published", "published meanwhile")
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.published_html, follow_up.etag) == (
        "published",
        "<p>Version 1</p>",
        "1",
    )


def test_two_first_highlights_at_once_begin_one_follow_up(joint):
    report = joint["report"]
    other = get_or_start_report(
        sub_promise=make_sub_promise(report.sub_promise.focus_area, joint["co"]),
        period=report.period,
    )
    dora, erik = joint["coordinators"]
    for approved in (report, other):
        approve_report(report=submitted(approved, joint["leads"][0]), reviewer=dora)
    outcome = race(
        lambda: mark_highlight(report=fresh(report), reviewer=dora, text="Först"),
        lambda: mark_highlight(report=fresh(other), reviewer=erik, text="Sedan"),
    )
    assert not isinstance(outcome.second, Exception), outcome
    follow_up = FollowUp.objects.get(promise=report.period.promise)
    assert list(follow_up.highlights.values_list("position", "text")) == [
        (1, "Först"),
        (2, "Sedan"),
    ]
