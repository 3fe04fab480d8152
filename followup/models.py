"""Reporting rounds, the partners' status reports, and the follow-up document."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lofte.jobs import Job
from lofte.models import PromiseScopedQuerySet
from lofte.validators import (
    DESCRIPTION_MAX,
    DOCUMENT_TEXT_MAX,
    REPORT_TEXT_MAX,
    SENTENCE_MAX,
    SMALLINT_MAX,
    bounded_text,
    fits_column,
    sane_date,
    single_line,
)

# What a partner writes: plain text of at most REPORT_TEXT_MAX characters.
report_text = {"max_length": REPORT_TEXT_MAX, "validators": bounded_text(REPORT_TEXT_MAX)}


class ReportingPeriodQuerySet(PromiseScopedQuerySet):
    promise_path = "promise"

    def reported_by(self, user) -> "ReportingPeriodQuerySet":
        """Rounds of promises in which a partner of this user's has a sub-promise."""
        from lofte.models import SubPromise

        return self.filter(
            promise__in=SubPromise.objects.reported_by(user).values("focus_area__promise")
        )


class ReportingPeriod(models.Model):
    """A rapporteringsomgång: partners report between its start and deadline while open."""

    promise = models.ForeignKey(
        "lofte.Promise",
        on_delete=models.CASCADE,
        related_name="periods",
        verbose_name=_("promise"),
    )
    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    starts_on = models.DateField(_("starts on"), validators=[sane_date])
    deadline = models.DateField(_("deadline"), validators=[sane_date])
    is_open = models.BooleanField(
        _("open for reporting"),
        default=True,
        help_text=_("Partners can edit their reports only while the round is open."),
    )

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["promise", "-deadline"]
        get_latest_by = "deadline"
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        constraints = [
            models.UniqueConstraint(fields=["promise", "name"], name="period_name_unique"),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("starts_on")),
                name="period_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.promise.area})"


class StatusReportQuerySet(PromiseScopedQuerySet):
    promise_path = "period__promise"

    def reported_by(self, user) -> "StatusReportQuerySet":
        """Reports on sub-promises that a partner of this user's is responsible for."""
        from lofte.models import SubPromise

        return self.filter(sub_promise__in=SubPromise.objects.reported_by(user))

    def visible_to(self, user) -> "StatusReportQuerySet":
        """Reports this user may read: their partners' and their coordinated promises'."""
        if user.is_superuser:
            return self
        return self.reported_by(user) | self.coordinated_by(user)

    def led_by(self, user) -> "StatusReportQuerySet":
        """Reports on sub-promises whose lead partner this user reports for."""
        from lofte.models import SubPromise

        return self.filter(sub_promise__in=SubPromise.objects.led_by(user))

    # The report's rules, each once. A report in hand is judged by the same rule through
    # StatusReport.is_editable / is_withdrawable (tests/test_report_rules.py holds them equal).

    def in_open_round(self) -> "StatusReportQuerySet":
        """Reports whose round is open, as a subquery on the period rather than a join.

        Django makes an UPDATE filtered through a join into `id IN (SELECT … JOIN …)`, and
        PostgreSQL, once a concurrent step's row lock is released, checks again only that
        outer `id IN`, not the state inside the subquery: both steps would succeed. With the
        period in a subquery of its own, the state and version stay in the UPDATE's own WHERE.
        """
        return self.filter(period__in=ReportingPeriod.objects.filter(is_open=True))

    def editable(self) -> "StatusReportQuerySet":
        """Reports that may still be written: a draft or returned, in an open round."""
        return self.in_open_round().filter(state__in=StatusReport.EDITABLE_STATES)

    def editable_by(self, user) -> "StatusReportQuerySet":
        """Reports this user may change in the portal: their lead partner's, and editable.
        Co-partners write contributions instead."""
        return self.led_by(user).editable()

    def withdrawable(self) -> "StatusReportQuerySet":
        """Reports the lead may take back to draft: handed in, in an open round, and not yet
        opened by a coordinator."""
        return self.in_open_round().filter(
            state=StatusReport.State.SUBMITTED, review_opened_at__isnull=True
        )

    def awaiting_review(self) -> "StatusReportQuerySet":
        """Handed-in reports a coordinator may approve or return."""
        return self.filter(state=StatusReport.State.SUBMITTED)

    def handed_in(self) -> "StatusReportQuerySet":
        """What the partner has handed in (submitted or approved): counted as reported."""
        return self.filter(state__in=StatusReport.HANDED_IN_STATES)


class StatusReport(models.Model):
    """A partner's report on one sub-promise for one reporting round."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        PARTLY_DONE = "partly_done", _("Partly done")
        NOT_DONE = "not_done", _("Not done")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    # "Genomförts i olika utsträckning": what the follow-up counts as implemented.
    IMPLEMENTED = (Status.DONE, Status.PARTLY_DONE)
    # Partners edit while these hold; submitted and approved reports are read-only to them.
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)
    # What the partner has handed in: counted as reported in progress bars and reminders.
    HANDED_IN_STATES = (State.SUBMITTED, State.APPROVED)

    sub_promise = models.ForeignKey(
        "lofte.SubPromise",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("sub-promise"),
    )
    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("reporting round"),
    )
    # Empty until the lead chooses one: nothing is pre-selected, and a report cannot be
    # handed in without a status.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, blank=True, default=""
    )
    achieved = models.TextField(_("what has been done"), blank=True, **report_text)
    obstacles = models.TextField(
        _("obstacles"),
        blank=True,
        help_text=_("Required when the sub-promise was not done: say why."),
        **report_text,
    )
    next_steps = models.TextField(_("next steps"), blank=True, **report_text)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    review_comment = models.TextField(
        _("coordinator's comment"),
        blank=True,
        max_length=DESCRIPTION_MAX,
        validators=bounded_text(DESCRIPTION_MAX),
        help_text=_("Shown to the partner when the report is returned."),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_("Raised on every save, so that two people's edits never overwrite silently."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # When a coordinator first opened the handed-in report: from then on the lead can no
    # longer take it back.
    review_opened_at = models.DateTimeField(_("review opened at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    history = HistoricalRecords(excluded_fields=["version"])

    objects = StatusReportQuerySet.as_manager()

    class Meta:
        ordering = ["period", "sub_promise__focus_area__position", "sub_promise__position"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [
            models.UniqueConstraint(
                fields=["sub_promise", "period"], name="status_report_once_per_period"
            ),
            # Drafts (and returned reports being completed) may be unfinished; what is
            # handed in has a status, and a reason when it was not done.
            models.CheckConstraint(
                condition=Q(state__in=["draft", "returned"]) | ~Q(status=""),
                name="status_report_handed_in_has_status",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "returned"])
                | ~Q(status="not_done")
                | ~Q(obstacles=""),
                name="status_report_not_done_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(submitted_at__isnull=False),
                name="status_report_submission_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "returned"]) | Q(reviewed_at__isnull=False),
                name="status_report_review_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_promise} – {self.period.name}"

    # What handing in asks for, beyond a status: what was done, or why not.
    NEEDS_ACHIEVED = (Status.DONE, Status.PARTLY_DONE, Status.IN_PROGRESS)
    NEEDS_REASON = (Status.NOT_STARTED, Status.NOT_DONE)

    @staticmethod
    def is_editable(period: ReportingPeriod, report: "StatusReport | None") -> bool:
        """The rule of `StatusReportQuerySet.editable` for a report in hand; a report not
        begun yet (None) may be written while its round is open."""
        return period.is_open and (report is None or report.state in StatusReport.EDITABLE_STATES)

    @staticmethod
    def is_withdrawable(period: ReportingPeriod, report: "StatusReport | None") -> bool:
        """The rule of `StatusReportQuerySet.withdrawable` for a report in hand."""
        return (
            period.is_open
            and report is not None
            and report.state == StatusReport.State.SUBMITTED
            and report.review_opened_at is None
        )

    def missing_for_submission(self) -> dict[str, str]:
        """What is still missing before the report can be handed in, by field."""
        return missing_for_submission(self.status, self.achieved, self.obstacles)


def missing_for_submission(status: str, achieved: str, obstacles: str) -> dict[str, str]:
    """The hand-in rule, shared by the form and the service: a status, and for done, partly
    done or in progress what was done; for not started or not done, the reason."""
    if not status:
        return {"status": _("Choose the sub-promise's status before you hand in the report.")}
    if status in StatusReport.NEEDS_ACHIEVED and not (achieved or "").strip():
        return {"achieved": _("Describe what has been done before you hand in the report.")}
    if status in StatusReport.NEEDS_REASON and not (obstacles or "").strip():
        if status == StatusReport.Status.NOT_DONE:
            return {
                "obstacles": _(
                    "Say why the sub-promise was not done: a reason is required for “Not done”."
                )
            }
        return {"obstacles": _("Say why the work has not started yet.")}
    return {}


class ContributionQuerySet(PromiseScopedQuerySet):
    promise_path = "report__period__promise"

    def written_by(self, user) -> "ContributionQuerySet":
        """Contributions of the partners this user reports for."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(partner__memberships__user=user)


class Contribution(models.Model):
    """A bidrag: a co-partner's own part of a joint sub-promise's report for a round.

    The co-partner writes and marks it ready; the lead partner reads it beside the report,
    takes from it what it wants, and hands in the report. A contribution never hands in or
    locks anything.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        READY = "ready", _("Ready")

    report = models.ForeignKey(
        StatusReport,
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("status report"),
    )
    partner = models.ForeignKey(
        "parties.Partner",
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("partner"),
    )
    achieved = models.TextField(_("what we have done"), blank=True, **report_text)
    obstacles = models.TextField(_("obstacles"), blank=True, **report_text)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    ready_at = models.DateTimeField(_("marked ready at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["report", "partner__name"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "partner"], name="contribution_once_per_partner"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(ready_at__isnull=False),
                name="contribution_ready_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} – {self.report}"


def _in_rounds(periods, path: str) -> Q:
    key = f"{path}period" if isinstance(periods, ReportingPeriod) else f"{path}period__in"
    return Q(**{key: periods})


def part_done(*, periods, sub_promise, partner, role) -> Q:
    """Whether a responsibility's partner has done its part of a round: as lead, the report
    handed in; as co-partner, its contribution marked ready (or the report handed in, after
    which it owes nothing more). For a query over responsibilities (or partners): the other
    arguments name the outer query's sub-promise, partner and role (OuterRef, field path);
    `periods` is a round or rounds. `part_done_in_hand` is the same rule for rows in hand."""
    from lofte.models import Responsibility

    handed_in = StatusReport.objects.handed_in().filter(
        _in_rounds(periods, ""), sub_promise=sub_promise
    )
    ready = Contribution.objects.filter(
        _in_rounds(periods, "report__"),
        report__sub_promise=sub_promise,
        partner=partner,
        state=Contribution.State.READY,
    )
    return Q(Exists(handed_in)) | (Q(**{role: Responsibility.Role.CO}) & Q(Exists(ready)))


def part_done_in_hand(
    *, is_lead: bool, report: StatusReport | None, contribution: Contribution | None
) -> bool:
    """The rule of `part_done` for a partner's report and contribution already read."""
    if report is not None and report.state in StatusReport.HANDED_IN_STATES:
        return True
    if is_lead:
        return False
    return contribution is not None and contribution.state == Contribution.State.READY


class Figure(models.Model):
    """A number a report or contribution gives: label, value and unit (“Utdelade mellanmål:
    4 300 st”), in the order the partner gave them."""

    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    label = models.CharField(_("label"), max_length=120, validators=[single_line])
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30, blank=True, validators=[single_line])

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.label}: {self.value} {self.unit}".strip()


class ContributionFigureQuerySet(PromiseScopedQuerySet):
    promise_path = "contribution__report__period__promise"


class ContributionFigure(Figure):
    """A number a contribution gives."""

    contribution = models.ForeignKey(
        Contribution,
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("contribution"),
    )

    objects = ContributionFigureQuerySet.as_manager()

    class Meta:
        ordering = ["contribution", "position"]
        verbose_name = _("contribution figure")
        verbose_name_plural = _("contribution figures")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "position"], name="contribution_figure_position_unique"
            ),
        ]


class ReportFigureQuerySet(PromiseScopedQuerySet):
    promise_path = "report__period__promise"


class ReportFigure(Figure):
    """A number a report gives."""

    report = models.ForeignKey(
        StatusReport, on_delete=models.CASCADE, related_name="figures", verbose_name=_("report")
    )

    objects = ReportFigureQuerySet.as_manager()

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="figure_position_unique"),
        ]


class FollowUpQuerySet(PromiseScopedQuerySet):
    promise_path = "promise"

    def published(self) -> "FollowUpQuerySet":
        return self.filter(state=FollowUp.State.PUBLISHED)


class FollowUp(models.Model):
    """An uppföljning: the coordinators' document telling citizens what was done."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # Publication asked for; a worker renders the frozen copy (followup/publishing.py).
        PUBLISHING = "publishing", _("Publishing…")
        # The render failed: the error is kept, and the follow-up can be published again.
        FAILED = "failed", _("Publishing failed")
        PUBLISHED = "published", _("Published")

    # States in which the content may still be edited and publication asked for.
    EDITABLE_STATES = (State.DRAFT, State.FAILED)

    promise = models.ForeignKey(
        "lofte.Promise",
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("promise"),
    )
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    covers_from = models.DateField(_("covers from"), validators=[sane_date])
    covers_to = models.DateField(_("covers to"), validators=[sane_date])
    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=DOCUMENT_TEXT_MAX,
        validators=bounded_text(DOCUMENT_TEXT_MAX),
        help_text=_("Said after the figures the system computes (partners, sub-promises…)."),
    )
    closing_words = models.TextField(
        _("closing words"),
        blank=True,
        max_length=DOCUMENT_TEXT_MAX,
        validators=bounded_text(DOCUMENT_TEXT_MAX),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="sv",
        help_text=_("The language the document is written in."),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    # The frozen copy made at publication (pretix's invoices): later edits to the promise,
    # reports or highlights never change what citizens were given.
    published_html = models.TextField(_("published page"), blank=True, editable=False)
    published_pdf = models.BinaryField(_("published PDF"), null=True, blank=True, editable=False)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True, editable=False)
    etag = models.CharField(
        _("version tag"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("A fingerprint of the frozen copy; empty until it is made."),
    )
    publish_error = models.TextField(
        _("publishing error"),
        blank=True,
        editable=False,
        help_text=_("Why the last attempt to publish failed."),
    )
    # When the current attempt to publish was asked for, and its render's task: what tells a
    # render in progress from one whose worker died
    # (followup.document.publishing.recover_stale_publications).
    publishing_since = models.DateTimeField(
        _("publishing since"), null=True, blank=True, editable=False
    )
    publish_task_id = models.CharField(
        _("publishing task"), max_length=64, blank=True, editable=False
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["promise", "-covers_to"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_to__gte=models.F("covers_from")),
                name="follow_up_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="follow_up_publication_recorded",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "publishing", "failed", "published"]),
                name="follow_up_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.state == self.State.PUBLISHED:
            return reverse("document:follow_up", args=[self.promise.slug])
        return reverse("document:draft", args=[self.promise.slug, self.pk])

    @property
    def is_frozen(self) -> bool:
        return bool(self.etag)


class HighlightQuerySet(PromiseScopedQuerySet):
    promise_path = "follow_up__promise"


class Highlight(models.Model):
    """An approved report picked for the follow-up, in the coordinator's words and order."""

    follow_up = models.ForeignKey(
        FollowUp,
        on_delete=models.CASCADE,
        related_name="highlights",
        verbose_name=_("follow-up"),
    )
    report = models.ForeignKey(
        StatusReport,
        on_delete=models.PROTECT,
        related_name="highlights",
        verbose_name=_("status report"),
        limit_choices_to={"state": "approved"},
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    text = models.TextField(
        _("text"), max_length=SENTENCE_MAX, validators=bounded_text(SENTENCE_MAX)
    )

    objects = HighlightQuerySet.as_manager()

    class Meta:
        ordering = ["follow_up", "position"]
        verbose_name = _("highlight")
        verbose_name_plural = _("highlights")
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "position"], name="highlight_position_unique"
            ),
            models.UniqueConstraint(fields=["follow_up", "report"], name="highlight_report_once"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self):
        """The follow-up quotes approved reports of its own promise only."""
        if self.report_id is None:
            return
        report = self.report
        if self.follow_up_id and self.follow_up.state not in FollowUp.EDITABLE_STATES:
            raise ValidationError(_("A published follow-up cannot be changed."))
        if report.state != StatusReport.State.APPROVED:
            raise ValidationError({"report": _("Only approved reports can be highlighted.")})
        # On admin's add page the follow-up is set but not saved yet (it has no id); its
        # promise is unset only when its own form failed, which says so.
        follow_up = (
            self.follow_up if self.follow_up_id or Highlight.follow_up.is_cached(self) else None
        )
        if follow_up is not None and follow_up.promise_id is None:
            return
        if follow_up is not None and report.period.promise_id != follow_up.promise_id:
            raise ValidationError(
                {"report": _("The report belongs to another promise than the follow-up.")}
            )


class ReminderQuerySet(PromiseScopedQuerySet):
    promise_path = "period__promise"


class Reminder(models.Model):
    """A reminder email sent to a reporter, so that the daily run never sends it twice."""

    class Kind(models.TextChoices):
        WEEK = "week", _("A week before the deadline")
        DAY = "day", _("A day before the deadline")
        OVERDUE = "overdue", _("After the deadline")
        MANUAL = "manual", _("Sent by a coordinator")

    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("reporting round"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["period", "-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            # A coordinator may chase a partner again by hand; the scheduled ones go once.
            models.UniqueConstraint(
                fields=["period", "user", "kind"],
                condition=~Q(kind="manual"),
                name="reminder_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} ({self.period.name})"


class DraftPdfQuerySet(PromiseScopedQuerySet):
    promise_path = "follow_up__promise"


class DraftPdf(Job):
    """A draft follow-up's PDF, rendered by a worker for the coordinator who asked.

    A big promise's PDF takes longer than a request may wait, so the draft's "Download PDF"
    asks for one and shows a page until a worker has rendered it. A render whose HTML is that
    of an earlier one (`content_key`) reuses its PDF instead of running WeasyPrint again.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being created")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # A worker that died rendering it leaves it failed: the next click asks for a new one.
    WAITING = State.PENDING
    FAILED = State.FAILED
    STALE_AFTER_SETTING = "DRAFT_PDF_STALE_AFTER"

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="draft_pdfs", verbose_name=_("follow-up")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    content_key = models.CharField(_("content key"), max_length=64, blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)

    objects = DraftPdfQuerySet.as_manager()

    class Meta:
        ordering = ["follow_up", "-requested_at"]
        verbose_name = _("draft PDF")
        verbose_name_plural = _("draft PDFs")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "ready", "failed"]),
                name="draft_pdf_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | Q(pdf__isnull=False),
                name="draft_pdf_ready_has_pdf",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id}: {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse(
            "document:draft_pdf_status",
            args=[self.follow_up.promise.slug, self.follow_up_id, self.pk],
        )
