"""The workflow steps that both the portal and admin use."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError
from django.utils import timezone

import followup.notices
from followup.models import Contribution, FollowUp, Highlight, ReportingPeriod, StatusReport
from followup.services import (
    ContributionConflict,
    ContributionContent,
    FigureData,
    IncompleteReport,
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
from lofte.models import SubPromise

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_reporter,
    make_sub_promise,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    promise = make_promise()
    partner = make_partner()
    sub = make_sub_promise(make_focus_area(promise), partner)
    report = get_or_start_report(sub_promise=sub, period=make_period(promise))
    # A report complete enough to hand in.
    StatusReport.objects.filter(pk=report.pk).update(
        status="in_progress", achieved="Vi har börjat."
    )
    report.refresh_from_db()
    return report


def lead(report):
    """A new reporter for the report's lead partner: the one who writes and hands it in."""
    return make_reporter(report.sub_promise.partners.get(responsibilities__role="lead"))


def content(**fields):
    return ReportContent(**{"status": "in_progress", "achieved": "Vi har börjat.", **fields})


def test_save_records_who_when_and_figures(report):
    user = lead(report)
    save_report(
        report=report,
        user=user,
        version=1,
        content=content(
            figures=[
                FigureData("Frukostar", Decimal("1000"), "st"),
                FigureData("Deltagare", Decimal("40"), "personer"),
            ]
        ),
    )
    report.refresh_from_db()
    assert (report.achieved, report.saved_by, report.version) == ("Vi har börjat.", user, 2)
    assert report.saved_at is not None
    assert report.history.latest().history_user == user
    assert [(f.position, f.label, f.value) for f in report.figures.all()] == [
        (1, "Frukostar", Decimal(1000)),
        (2, "Deltagare", Decimal(40)),
    ]


def test_stale_version_is_a_conflict_and_keeps_the_first_text(report):
    first, second = lead(report), lead(report)
    save_report(report=report, user=first, version=1, content=content(achieved="Första"))
    stale = StatusReport.objects.get(pk=report.pk)
    with pytest.raises(ReportConflict) as caught:
        save_report(report=stale, user=second, version=1, content=content(achieved="Andra"))
    assert caught.value.current.achieved == "Första"
    report.refresh_from_db()
    assert (report.achieved, report.saved_by) == ("Första", first)


def test_submit_then_approve(report):
    reporter, coordinator = lead(report), make_user(is_staff=True)
    submit_report(report=report, user=reporter)
    report.refresh_from_db()
    assert (report.state, report.submitted_by) == ("submitted", reporter)
    assert report.history.latest().history_user == reporter
    approve_report(report=report, reviewer=coordinator)
    report.refresh_from_db()
    assert (report.state, report.reviewed_by) == ("approved", coordinator)
    assert report.history.count() >= 3  # created, submitted, approved


def test_return_needs_a_comment_and_reopens_for_editing(report):
    submit_report(report=report, user=lead(report))
    with pytest.raises(WorkflowError):
        return_report(report=report, reviewer=make_user(), comment="  ")
    return_report(report=report, reviewer=make_user(), comment="Lägg till antal deltagare.")
    report.refresh_from_db()
    assert (report.state, report.review_comment) == ("returned", "Lägg till antal deltagare.")
    save_report(report=report, user=lead(report), version=report.version, content=content())
    submit_report(report=report, user=lead(report))
    assert StatusReport.objects.get(pk=report.pk).state == "submitted"


def test_submitted_report_cannot_be_saved_or_approved_twice(report):
    submit_report(report=report, user=lead(report))
    with pytest.raises(WorkflowError):
        save_report(report=report, user=lead(report), version=report.version, content=content())
    approve_report(report=report, reviewer=make_user())
    with pytest.raises(WorkflowError):
        approve_report(report=report, reviewer=make_user())


def test_closed_round_refuses_saving(report):
    report.period.is_open = False
    report.period.save()
    assert not StatusReport.objects.editable_by(lead(report)).exists()
    with pytest.raises(WorkflowError):
        save_report(
            report=report, user=lead(report), version=1, content=content(achieved="Ny text")
        )
    assert StatusReport.objects.get(pk=report.pk).achieved == "Vi har börjat."


def test_querysets_scope_reports_by_partner(report):
    own = make_reporter(report.sub_promise.partners.get())
    outsider = make_reporter(make_partner())
    assert list(StatusReport.objects.visible_to(own)) == [report]
    assert list(StatusReport.objects.editable_by(own)) == [report]
    assert not StatusReport.objects.visible_to(outsider).exists()
    submit_report(report=report, user=own)
    assert not StatusReport.objects.editable_by(own).exists()
    assert StatusReport.objects.visible_to(own).exists()


def test_closed_round_is_named_as_the_reason(report):
    report.period.is_open = False
    report.period.save()
    with pytest.raises(WorkflowError, match="Rapporteringsomgången är stängd"):
        submit_report(report=report, user=lead(report))


def test_a_report_in_a_closed_round_cannot_be_returned(report):
    submit_report(report=report, user=lead(report))
    report.period.is_open = False
    report.period.save()
    with pytest.raises(WorkflowError):
        return_report(report=report, reviewer=make_user(), comment="Komplettera")
    assert StatusReport.objects.get(pk=report.pk).state == "submitted"


def test_an_incomplete_report_is_refused_with_what_is_missing(report):
    StatusReport.objects.filter(pk=report.pk).update(achieved="  ")
    with pytest.raises(IncompleteReport) as caught:
        submit_report(report=report, user=lead(report))
    assert str(caught.value) == "Beskriv vad som har gjorts innan du skickar in rapporten."
    assert list(caught.value.missing) == ["achieved"]
    assert StatusReport.objects.get(pk=report.pk).state == "draft"


def test_opening_a_review_marks_this_submitted_report_once(report):
    other = get_or_start_report(
        sub_promise=make_sub_promise(report.sub_promise.focus_area, make_partner()),
        period=report.period,
    )
    StatusReport.objects.filter(pk=other.pk).update(status="in_progress", achieved="Också.")
    for handed_in in (report, other):
        submit_report(report=handed_in, user=lead(handed_in))
    draft = get_or_start_report(
        sub_promise=make_sub_promise(report.sub_promise.focus_area, make_partner()),
        period=report.period,
    )
    reviewer = make_user(is_staff=True)
    assert open_review(report=report, reviewer=reviewer) is True
    opened = StatusReport.objects.get(pk=report.pk).review_opened_at
    assert opened is not None
    assert open_review(report=report, reviewer=reviewer) is False
    assert StatusReport.objects.get(pk=report.pk).review_opened_at == opened
    assert StatusReport.objects.get(pk=other.pk).review_opened_at is None
    assert open_review(report=draft, reviewer=reviewer) is False
    assert StatusReport.objects.get(pk=draft.pk).review_opened_at is None


def test_approving_twice_in_a_closed_round_names_the_state_not_the_round(report):
    submit_report(report=report, user=lead(report))
    report.period.is_open = False
    report.period.save()
    approve_report(report=report, reviewer=make_user())  # a closed round is still reviewed
    with pytest.raises(WorkflowError, match=r"kan inte längre ändras \(den är godkänd\)"):
        approve_report(report=report, reviewer=make_user())


def test_a_report_started_by_someone_else_at_the_same_moment_is_theirs(report, monkeypatch):
    sub, period = report.sub_promise, report.period
    # Reports beside it: the same sub-promise in another round, another sub-promise here.
    get_or_start_report(sub_promise=sub, period=make_period(sub.focus_area.promise))
    get_or_start_report(sub_promise=make_sub_promise(sub.focus_area, make_partner()), period=period)

    def lost_the_race(**fields):
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(StatusReport.objects, "get_or_create", lost_the_race)
    assert get_or_start_report(sub_promise=sub, period=period) == report


def test_a_mail_server_down_leaves_the_review_done(
    report, monkeypatch, django_capture_on_commit_callbacks
):
    def server_down(report_id):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(followup.notices, "send_review_notice", server_down)
    submit_report(report=report, user=lead(report))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approve_report(report=report, reviewer=make_user())
    assert len(callbacks) == 1
    assert StatusReport.objects.get(pk=report.pk).state == "approved"


def test_a_stale_contribution_is_a_conflict_and_keeps_the_first_text(report):
    co = make_partner()
    sub = make_sub_promise(report.sub_promise.focus_area, make_partner(), co)
    shared = get_or_start_report(sub_promise=sub, period=report.period)
    first, second = make_reporter(co), make_reporter(co)
    save_contribution(
        report=shared,
        partner=co,
        user=first,
        content=ContributionContent(achieved="Vi höll tre träffar."),
        version=1,
        ready=False,
    )
    with pytest.raises(ContributionConflict) as caught:
        save_contribution(
            report=shared,
            partner=co,
            user=second,
            content=ContributionContent(achieved="Andra texten"),
            version=1,
            ready=True,
        )
    assert caught.value.current.achieved == "Vi höll tre träffar."
    assert (caught.value.current.saved_by, caught.value.current.state) == (first, "draft")


def test_only_the_lead_partners_reporters_write_and_hand_in(report):
    own = lead(report)
    co_partner = make_partner()
    report.sub_promise.responsibilities.create(partner=co_partner, role="co")
    # The lead of another sub-promise of the same promise.
    other_lead = make_reporter(make_partner())
    make_sub_promise(report.sub_promise.focus_area, other_lead.memberships.get().partner)
    for user in (make_reporter(co_partner), other_lead):
        assert report not in StatusReport.objects.editable_by(user)
        with pytest.raises(WorkflowError, match="Bara den ansvariga partens rapportörer"):
            save_report(report=report, user=user, version=1, content=content(achieved="Nej"))
        with pytest.raises(WorkflowError, match="Bara den ansvariga partens rapportörer"):
            submit_report(report=report, user=user)
    report.refresh_from_db()
    assert (report.state, report.achieved, report.version) == ("draft", "Vi har börjat.", 1)
    assert list(StatusReport.objects.editable_by(own)) == [report]


def test_a_report_not_begun_is_handed_in_with_its_reason(report):
    StatusReport.objects.filter(pk=report.pk).update(
        status="not_started", achieved="", obstacles="Lokalen är inte klar."
    )
    submit_report(report=report, user=lead(report))
    report.refresh_from_db()
    assert (report.state, report.obstacles) == ("submitted", "Lokalen är inte klar.")


# --- Joint reporting: contributions ------------------------------------------------------


def co_partner(report):
    """A co-partner added to the report's sub-promise, and a reporter of it."""
    partner = make_partner()
    report.sub_promise.responsibilities.create(partner=partner, role="co")
    return partner, make_reporter(partner)


def write_part(report, partner, user, text="Vi höll tre träffar.", version=1, ready=False):
    return save_contribution(
        report=report,
        partner=partner,
        user=user,
        content=ContributionContent(achieved=text),
        version=version,
        ready=ready,
    )


def test_a_co_partners_contribution_is_locked_once_the_lead_hands_in(report):
    partner, reporter = co_partner(report)
    written = write_part(report, partner, reporter, "Vår del.")
    submit_report(report=report, user=lead(report))
    with pytest.raises(WorkflowError, match="bidragen kan inte längre ändras"):
        write_part(report, partner, reporter, "Ändrad efteråt.", version=written.version)
    approve_report(report=report, reviewer=make_user())
    with pytest.raises(WorkflowError, match="bidragen kan inte längre ändras"):
        write_part(report, partner, reporter, "Ändrad efteråt.", version=written.version)
    written.refresh_from_db()
    assert (written.achieved, written.version, written.state) == ("Vår del.", 2, "draft")


def test_a_returned_reports_contribution_can_be_completed_again(report):
    partner, reporter = co_partner(report)
    written = write_part(report, partner, reporter, "Vår del.")
    submit_report(report=report, user=lead(report))
    return_report(report=report, reviewer=make_user(), comment="Komplettera.")
    write_part(report, partner, reporter, "Vår del, komplett.", version=written.version)
    written.refresh_from_db()
    assert written.achieved == "Vår del, komplett."


def test_a_contribution_cannot_change_in_a_closed_round(report):
    partner, reporter = co_partner(report)
    written = write_part(report, partner, reporter, "Vår del.")
    report.period.is_open = False
    report.period.save()
    with pytest.raises(WorkflowError, match="bidragen kan inte längre ändras"):
        write_part(report, partner, reporter, "Efter stängning.", version=written.version)
    written.refresh_from_db()
    assert written.achieved == "Vår del."


def test_only_a_co_partners_own_reporters_write_its_contribution(report):
    partner, reporter = co_partner(report)
    _other_partner, other_reporter = co_partner(report)
    lead_partner = report.sub_promise.partners.get(responsibilities__role="lead")
    outsider = make_reporter(make_partner())
    refused = [
        (partner, other_reporter),  # another co-partner's reporter, in this partner's name
        (partner, lead(report)),  # the lead's reporter, in a co-partner's name
        (lead_partner, lead(report)),  # the lead writes the report, not a contribution
        (partner, outsider),
        (outsider.memberships.get().partner, outsider),  # a partner not responsible at all
    ]
    for writes_for, user in refused:
        with pytest.raises(WorkflowError, match="Bara de medverkande parternas rapportörer"):
            write_part(report, writes_for, user, "Inte vår att skriva.")
    assert not Contribution.objects.exists()
    written = write_part(report, partner, reporter, "Vår del.", ready=True)
    assert (written.partner, written.saved_by, written.state) == (partner, reporter, "ready")
    assert written.saved_at is not None and written.ready_at is not None
    assert written.history.latest().history_user == reporter


# --- Taking a handed-in report back ------------------------------------------------------


def test_the_lead_takes_a_report_back_before_the_review_is_opened(report):
    reporter = lead(report)
    submit_report(report=report, user=reporter)
    withdraw_report(report=StatusReport.objects.get(pk=report.pk), user=reporter)
    report.refresh_from_db()
    assert (report.state, report.submitted_at, report.submitted_by) == ("draft", None, None)
    assert report.history.latest().history_user == reporter
    save_report(report=report, user=reporter, version=report.version, content=content())
    assert StatusReport.objects.get(pk=report.pk).saved_by == reporter


def test_a_report_cannot_be_taken_back_once_the_coordinator_opened_it(report):
    submit_report(report=report, user=lead(report))
    open_review(report=report, reviewer=make_user(is_staff=True))
    with pytest.raises(WorkflowError, match="samordnaren har börjat granska den"):
        withdraw_report(report=report, user=lead(report))
    report.refresh_from_db()
    assert report.state == "submitted" and report.submitted_at is not None


def test_only_a_submitted_report_in_an_open_round_can_be_taken_back(report):
    with pytest.raises(WorkflowError):
        withdraw_report(report=report, user=lead(report))  # a draft
    assert StatusReport.objects.get(pk=report.pk).version == 1
    submit_report(report=report, user=lead(report))
    approve_report(report=report, reviewer=make_user())
    StatusReport.objects.filter(pk=report.pk).update(review_opened_at=None)
    with pytest.raises(WorkflowError):
        withdraw_report(report=report, user=lead(report))  # approved
    assert StatusReport.objects.get(pk=report.pk).state == "approved"


def test_a_report_cannot_be_taken_back_in_a_closed_round(report):
    submit_report(report=report, user=lead(report))
    report.period.is_open = False
    report.period.save()
    with pytest.raises(WorkflowError):
        withdraw_report(report=report, user=lead(report))
    assert StatusReport.objects.get(pk=report.pk).state == "submitted"


def test_only_the_lead_takes_a_report_back(report):
    _partner, co_reporter = co_partner(report)
    submit_report(report=report, user=lead(report))
    for user in (co_reporter, make_reporter(make_partner())):
        with pytest.raises(WorkflowError, match="Bara den ansvariga partens rapportörer"):
            withdraw_report(report=report, user=user)
    assert StatusReport.objects.get(pk=report.pk).state == "submitted"


def test_a_report_handed_in_again_can_be_taken_back_until_its_new_review_opens(report):
    reporter = lead(report)
    submit_report(report=report, user=reporter)
    open_review(report=report, reviewer=make_user(is_staff=True))
    return_report(report=report, reviewer=make_user(), comment="Komplettera.")
    submit_report(report=report, user=reporter)
    assert StatusReport.objects.get(pk=report.pk).review_opened_at is None
    withdraw_report(report=report, user=reporter)
    assert StatusReport.objects.get(pk=report.pk).state == "draft"


# --- Handing in: who, when, and only a complete report ------------------------------------


def test_handing_in_records_who_and_when(report):
    reporter = lead(report)
    submit_report(report=report, user=reporter, version=1)
    report.refresh_from_db()
    assert (report.state, report.submitted_by, report.version) == ("submitted", reporter, 2)
    assert report.submitted_at is not None
    assert report.history.latest().history_user == reporter


def test_handing_in_a_version_someone_has_changed_since_is_refused(report):
    reporter = lead(report)
    save_report(report=report, user=reporter, version=1, content=content(achieved="Nyare"))
    with pytest.raises(ReportConflict):
        submit_report(report=report, user=reporter, version=1)
    report.refresh_from_db()
    assert (report.state, report.achieved) == ("draft", "Nyare")


@pytest.mark.parametrize(
    ("status", "achieved", "obstacles", "missing"),
    [
        ("", "Gjort", "Inga", "status"),
        ("done", "  ", "Inga", "achieved"),
        ("partly_done", "", "Inga", "achieved"),
        ("in_progress", "", "Inga", "achieved"),
        ("not_started", "Inget", " ", "obstacles"),
        ("not_done", "Inget", "", "obstacles"),
    ],
)
def test_handing_in_asks_for_a_status_and_what_was_done_or_why_not(
    report, status, achieved, obstacles, missing
):
    StatusReport.objects.filter(pk=report.pk).update(
        status=status, achieved=achieved, obstacles=obstacles
    )
    with pytest.raises(IncompleteReport) as caught:
        submit_report(report=report, user=lead(report))
    assert list(caught.value.missing) == [missing]
    report.refresh_from_db()
    assert (report.state, report.submitted_at, report.submitted_by) == ("draft", None, None)


@pytest.mark.parametrize(
    ("status", "achieved", "obstacles"),
    [
        ("done", "Gjort", ""),
        ("partly_done", "Hälften", ""),
        ("in_progress", "Påbörjat", ""),
        ("not_started", "", "Ingen lokal"),
        ("not_done", "", "Ingen lokal"),
    ],
)
def test_a_complete_report_is_handed_in_whatever_its_status(report, status, achieved, obstacles):
    StatusReport.objects.filter(pk=report.pk).update(
        status=status, achieved=achieved, obstacles=obstacles
    )
    submit_report(report=report, user=lead(report))
    assert StatusReport.objects.get(pk=report.pk).state == "submitted"


# --- Access: who sees and who edits ------------------------------------------------------


def test_sub_promises_reported_by_all_responsible_partners_but_led_by_the_lead_only(report):
    own = lead(report)
    partner, co_reporter = co_partner(report)
    sub = report.sub_promise
    # A sub-promise of another partner in the same focus area, and one the co-partner leads.
    make_sub_promise(sub.focus_area, make_partner())
    led_by_co = make_sub_promise(sub.focus_area, partner)
    anonymous = AnonymousUser()
    assert list(SubPromise.objects.reported_by(own)) == [sub]
    assert list(SubPromise.objects.led_by(own)) == [sub]
    assert set(SubPromise.objects.reported_by(co_reporter)) == {sub, led_by_co}
    assert list(SubPromise.objects.led_by(co_reporter)) == [led_by_co]
    assert not SubPromise.objects.reported_by(anonymous).exists()
    assert not SubPromise.objects.led_by(anonymous).exists()
    assert list(StatusReport.objects.reported_by(co_reporter)) == [report]
    assert list(StatusReport.objects.led_by(own)) == [report]
    assert not StatusReport.objects.led_by(co_reporter).exists()


def test_rounds_reported_by_are_those_of_the_reporters_promises(report):
    own = lead(report)
    make_period(make_promise())  # another promise's round
    later = make_period(report.period.promise, is_open=False)
    assert set(ReportingPeriod.objects.reported_by(own)) == {report.period, later}
    assert not ReportingPeriod.objects.reported_by(make_reporter(make_partner())).exists()


def test_reports_visible_to_own_partners_coordinators_and_superusers_only(report):
    other_promise = make_promise()
    foreign = get_or_start_report(
        sub_promise=make_sub_promise(make_focus_area(other_promise), make_partner()),
        period=make_period(other_promise),
    )
    coordinator = make_coordinator(report.period.promise)
    assert list(StatusReport.objects.visible_to(lead(report))) == [report]
    assert list(StatusReport.objects.visible_to(coordinator)) == [report]
    assert list(StatusReport.objects.visible_to(make_coordinator(other_promise))) == [foreign]
    assert not StatusReport.objects.visible_to(make_reporter(make_partner())).exists()
    assert set(StatusReport.objects.visible_to(make_user(is_superuser=True))) == {report, foreign}


@pytest.mark.parametrize(
    ("state", "is_open", "editable"),
    [
        ("draft", True, True),
        ("returned", True, True),
        ("submitted", True, False),
        ("approved", True, False),
        ("draft", False, False),
        ("returned", False, False),
    ],
)
def test_editable_by_the_lead_while_draft_or_returned_in_an_open_round(
    report, state, is_open, editable
):
    now = timezone.now()
    StatusReport.objects.filter(pk=report.pk).update(state=state, submitted_at=now, reviewed_at=now)
    report.period.is_open = is_open
    report.period.save()
    own = lead(report)
    _partner, co_reporter = co_partner(report)
    assert StatusReport.objects.editable_by(own).exists() is editable
    assert not StatusReport.objects.editable_by(co_reporter).exists()


def test_returned_report_cannot_be_approved(report):
    """Approval takes a handed-in report only: a returned one waits for the partner."""
    returner, approver = make_user(is_staff=True), make_user(is_staff=True)
    submit_report(report=report, user=lead(report))
    return_report(report=report, reviewer=returner, comment="Lägg till antal deltagare.")
    with pytest.raises(WorkflowError, match="returnerad"):
        approve_report(report=report, reviewer=approver)
    report.refresh_from_db()
    assert (report.state, report.reviewed_by) == ("returned", returner)
    assert report.review_comment == "Lägg till antal deltagare."


def test_a_draft_cannot_be_approved(report):
    with pytest.raises(WorkflowError):
        approve_report(report=report, reviewer=make_user(is_staff=True))
    report.refresh_from_db()
    assert (report.state, report.reviewed_by, report.reviewed_at) == ("draft", None, None)


def test_approved_report_cannot_be_returned(report):
    """An approved report is what the follow-up counts: a return cannot undo the approval."""
    approver = make_user(is_staff=True)
    submit_report(report=report, user=lead(report))
    approve_report(report=report, reviewer=approver)
    with pytest.raises(WorkflowError, match="godkänd"):
        return_report(report=report, reviewer=make_user(is_staff=True), comment="Komplettera")
    report.refresh_from_db()
    assert (report.state, report.reviewed_by, report.review_comment) == ("approved", approver, "")


def _follow_up(promise, **fields):
    return FollowUp.objects.create(
        promise=promise,
        title=f"Uppföljning {promise.area}",
        covers_from=promise.starts_on,
        covers_to=promise.ends_on,
        **fields,
    )


def test_only_an_approved_report_is_highlighted(report):
    follow_up = _follow_up(report.period.promise)
    reviewer = make_user(is_staff=True)
    submit_report(report=report, user=lead(report))
    with pytest.raises(WorkflowError, match="godkända"):
        mark_highlight(report=report, follow_up=follow_up, reviewer=reviewer)
    return_report(report=report, reviewer=reviewer, comment="Komplettera")
    with pytest.raises(WorkflowError, match="godkända"):
        mark_highlight(report=report, reviewer=reviewer)
    assert not Highlight.objects.exists()
    assert list(FollowUp.objects.all()) == [follow_up]


def test_a_report_is_highlighted_only_in_its_own_promises_follow_up(report):
    reviewer = make_user(is_staff=True)
    submit_report(report=report, user=lead(report))
    approve_report(report=report, reviewer=reviewer)
    elsewhere = _follow_up(make_promise("Angered"))
    with pytest.raises(WorkflowError, match="annat medborgarlöfte"):
        mark_highlight(report=report, follow_up=elsewhere, reviewer=reviewer)
    assert not Highlight.objects.exists()


def test_a_report_is_highlighted_once_and_never_in_a_published_follow_up(report):
    reviewer = make_user(is_staff=True)
    submit_report(report=report, user=lead(report))
    approve_report(report=report, reviewer=reviewer)
    published = _follow_up(
        report.period.promise, state=FollowUp.State.PUBLISHED, published_at=timezone.now()
    )
    with pytest.raises(WorkflowError, match="publicerad"):
        mark_highlight(report=report, follow_up=published, reviewer=reviewer)
    assert not published.highlights.exists()
    draft = _follow_up(report.period.promise)
    first = mark_highlight(report=report, follow_up=draft, reviewer=reviewer, text="Tusen")
    again = mark_highlight(report=report, follow_up=draft, reviewer=reviewer, text="Igen")
    assert again == first
    assert list(draft.highlights.values_list("text", "position")) == [("Tusen", 1)]
