"""The workflow steps that both the portal and admin use."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

import followup.review.emails
from followup.models import FollowUp, Highlight, StatusReport
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
)

from .conftest import (
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
    return make_reporter(report.sub_promise.partners.get())


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

    monkeypatch.setattr(followup.review.emails, "send_review_notice", server_down)
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
