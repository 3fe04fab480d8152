"""The promise itself: its focus areas, commitments and sub-promises."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .jobs import Job
from .places import GEONAMES
from .validators import (
    DESCRIPTION_MAX,
    DOCUMENT_TEXT_MAX,
    SENTENCE_MAX,
    SMALLINT_MAX,
    bounded_text,
    fits_column,
    sane_date,
    single_line,
)


class County(models.Model):
    """A län, by its official two-digit code (SCB)."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=60, validators=[single_line])
    geonames_id = models.PositiveIntegerField(_("GeoNames id"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name

    @property
    def spatial_iri(self) -> str:
        return f"{GEONAMES}{self.geonames_id}"


class MunicipalityQuerySet(models.QuerySet):
    def coordinated_by(self, user) -> "MunicipalityQuerySet":
        """Municipalities whose partners this user works with: those an administrator gave
        them, and those of the promises they coordinate (all of them for a superuser)."""
        if user.is_superuser:
            return self
        if not user.is_authenticated or not user.is_staff:
            return self.none()
        given = Municipality.coordinators.through.objects.filter(
            municipality=OuterRef("pk"), user=user
        )
        through_promises = Promise.municipalities.through.objects.filter(
            municipality=OuterRef("pk"), promise__in=Promise.objects.coordinated_by(user)
        )
        return self.filter(Exists(given) | Exists(through_promises))


class Municipality(models.Model):
    """One of Sweden's 290 municipalities, by its official four-digit code (SCB), which is
    also Kolada's id for it. The list is shipped in lofte/data/municipalities.csv and kept
    in the table by every `migrate` (lofte/places.py)."""

    code = models.CharField(_("municipality code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=60, validators=[single_line])
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("county")
    )
    geonames_id = models.PositiveIntegerField(_("GeoNames id"))
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="coordinated_municipalities",
        blank=True,
        verbose_name=_("coordinators"),
        help_text=_(
            "Staff who may start promises in this municipality and pick its partners. "
            "Coordinators of a promise work with its municipalities' partners without this."
        ),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:municipality", args=[self.code])

    @property
    def spatial_iri(self) -> str:
        """The municipality as a place in linked data (GeoNames, as DCAT-AP-SE asks)."""
        return f"{GEONAMES}{self.geonames_id}"


class PromiseQuerySet(models.QuerySet):
    def coordinated_by(self, user) -> "PromiseQuerySet":
        """Promises this user runs: all of them for a superuser, none for anyone else."""
        if user.is_superuser:
            return self
        if not user.is_authenticated or not user.is_staff:
            return self.none()
        return self.filter(
            Exists(Promise.coordinators.through.objects.filter(promise=OuterRef("pk"), user=user))
        )


class Promise(models.Model):
    """One area's medborgarlöfte for one period."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    municipalities = models.ManyToManyField(
        Municipality,
        related_name="promises",
        verbose_name=_("municipalities"),
        help_text=_("The municipality the promise is made in; several for a joint promise."),
    )
    area = models.CharField(
        _("area"),
        max_length=120,
        validators=[single_line],
        help_text=_(
            "Where the promise applies: a district, a town or the municipality's own name."
        ),
    )
    name = models.CharField(
        _("promise"),
        max_length=200,
        validators=[single_line],
        help_text=_("The promise in a few words, e.g. “tillsammans för ett tryggare centrum”."),
    )
    text = models.TextField(
        _("promise text"),
        max_length=DOCUMENT_TEXT_MAX,
        validators=bounded_text(DOCUMENT_TEXT_MAX),
        help_text=_("The promise's own words, in full."),
    )
    organisers = models.CharField(
        _("organised by"),
        max_length=300,
        validators=[single_line],
        help_text=_("Who runs it, e.g. “kommunen tillsammans med polisen”."),
    )
    publishers = models.ManyToManyField(
        "parties.Publisher",
        through="PromisePublisher",
        related_name="promises",
        blank=True,
        verbose_name=_("publishers"),
    )
    starts_on = models.DateField(_("starts on"), validators=[sane_date])
    ends_on = models.DateField(_("ends on"), validators=[sane_date])
    partners = models.ManyToManyField(
        "parties.Partner",
        related_name="promises",
        blank=True,
        verbose_name=_("partners"),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="coordinated_promises",
        blank=True,
        verbose_name=_("coordinators"),
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renews"),
    )
    history = HistoricalRecords()

    objects = PromiseQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "area"]
        verbose_name = _("citizen promise")
        verbose_name_plural = _("citizen promises")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="promise_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public promise page (admin's "Visa på webbplatsen" leads there)."""
        return reverse("public:promise", args=[self.slug])

    @property
    def title(self) -> str:
        return _("Citizen promise %(area)s %(years)s") % {"area": self.area, "years": self.years}

    @property
    def years(self) -> str:
        if self.starts_on.year == self.ends_on.year:
            return str(self.starts_on.year)
        return f"{self.starts_on.year}-{self.ends_on.year}"


class PromisePublisher(models.Model):
    """A publisher of a promise, in the order the promise names them."""

    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, related_name="publications", verbose_name=_("promise")
    )
    publisher = models.ForeignKey(
        "parties.Publisher",
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name=_("publisher"),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, validators=fits_column(SMALLINT_MAX)
    )

    class Meta:
        ordering = ["promise", "position", "pk"]
        verbose_name = _("publisher of the promise")
        verbose_name_plural = _("publishers of the promise")
        constraints = [
            models.UniqueConstraint(fields=["promise", "publisher"], name="promise_publisher_once"),
        ]

    def __str__(self) -> str:
        return str(self.publisher)


class PromiseScopedQuerySet(models.QuerySet):
    """Rows that belong to a promise through `promise_path`."""

    promise_path = "promise"

    def coordinated_by(self, user) -> models.QuerySet:
        """Rows of the promises this user coordinates (all for a superuser)."""
        if user.is_superuser:
            return self
        return self.filter(**{f"{self.promise_path}__in": Promise.objects.coordinated_by(user)})


class FocusAreaQuerySet(PromiseScopedQuerySet):
    promise_path = "promise"


class FocusArea(models.Model):
    """One ordered theme of a promise (skola, lokalområde, fritid, familj…)."""

    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, related_name="focus_areas", verbose_name=_("promise")
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    rationale = models.TextField(
        _("rationale"),
        blank=True,
        max_length=DESCRIPTION_MAX,
        validators=bounded_text(DESCRIPTION_MAX),
    )

    objects = FocusAreaQuerySet.as_manager()

    class Meta:
        ordering = ["promise", "position"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        constraints = [
            models.UniqueConstraint(
                fields=["promise", "position"], name="focus_area_position_unique"
            ),
            models.UniqueConstraint(fields=["promise", "name"], name="focus_area_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CommitmentQuerySet(PromiseScopedQuerySet):
    promise_path = "focus_area__promise"


class Commitment(models.Model):
    """One line of “För att nå dit kommer vi tillsammans att:”."""

    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("focus area"),
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    # One bullet of a list: one line.
    text = models.TextField(
        _("text"),
        max_length=SENTENCE_MAX,
        validators=[single_line, MaxLengthValidator(SENTENCE_MAX)],
    )

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["focus_area", "position"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(
                fields=["focus_area", "position"], name="commitment_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class SubPromiseQuerySet(PromiseScopedQuerySet):
    promise_path = "focus_area__promise"

    def reported_by(self, user) -> "SubPromiseQuerySet":
        """Sub-promises that a partner of this user's is responsible for."""
        if not user.is_authenticated:
            return self.none()
        # An uncorrelated IN: the user's few responsibilities are found through indexes
        # first, whatever the number of sub-promises in the database.
        return self.filter(
            pk__in=Responsibility.objects.filter(partner__memberships__user=user).values(
                "sub_promise"
            )
        )

    def led_by(self, user) -> "SubPromiseQuerySet":
        """Sub-promises whose lead partner this user reports for: they hand in its report."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Responsibility.objects.filter(
                partner__memberships__user=user, role=Responsibility.Role.LEAD
            ).values("sub_promise")
        )


class SubPromise(models.Model):
    """A dellöfte: one concrete undertaking by one or more partners."""

    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.PROTECT,
        related_name="sub_promises",
        verbose_name=_("focus area"),
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=DESCRIPTION_MAX,
        validators=bounded_text(DESCRIPTION_MAX),
    )
    indicator_label = models.CharField(
        _("indicator"),
        max_length=120,
        blank=True,
        validators=[single_line],
        help_text=_("What is counted, e.g. “Utdelade frukostar”. Leave empty if nothing is."),
    )
    indicator_unit = models.CharField(
        _("unit"), max_length=30, blank=True, validators=[single_line]
    )
    indicator_target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    partners = models.ManyToManyField(
        "parties.Partner",
        through="Responsibility",
        related_name="sub_promises",
        verbose_name=_("responsible partners"),
    )
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="continuations",
        verbose_name=_("continues"),
    )
    history = HistoricalRecords()

    objects = SubPromiseQuerySet.as_manager()

    class Meta:
        ordering = ["focus_area__promise", "focus_area__position", "position"]
        verbose_name = _("sub-promise")
        verbose_name_plural = _("sub-promises")
        constraints = [
            models.UniqueConstraint(
                fields=["focus_area", "position"], name="sub_promise_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(indicator_target__isnull=True) | ~Q(indicator_label=""),
                name="sub_promise_target_needs_indicator",
            ),
            models.CheckConstraint(
                condition=Q(indicator_target__isnull=True) | Q(indicator_target__gte=0),
                name="sub_promise_target_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def promise(self) -> Promise:
        return self.focus_area.promise


class ResponsibilityQuerySet(PromiseScopedQuerySet):
    promise_path = "sub_promise__focus_area__promise"


class Responsibility(models.Model):
    """A partner's part in a sub-promise: the one lead, or a co-owner."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        CO = "co", _("co-owner")

    sub_promise = models.ForeignKey(
        SubPromise,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        verbose_name=_("sub-promise"),
    )
    partner = models.ForeignKey(
        "parties.Partner",
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name=_("partner"),
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.CO)

    objects = ResponsibilityQuerySet.as_manager()

    class Meta:
        ordering = ["sub_promise", "role", "partner__name"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(
                fields=["sub_promise", "partner"], name="responsibility_partner_once"
            ),
            models.UniqueConstraint(
                fields=["sub_promise"],
                condition=Q(role="lead"),
                name="responsibility_one_lead",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["lead", "co"]), name="responsibility_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.get_role_display()}): {self.sub_promise}"


class OutgoingEmail(Job):
    """One message on its way out, and the record of what became of it (lofte/mail.py).

    Written when a message is queued; the task that sends it marks it sent, or after the last
    failed attempt failed, with the error. The body of a sent message is cleared, since it may
    hold a one-time link. A worker killed mid-send leaves it queued with an attempt begun: the
    recovery pass (lofte/jobs.py) queues it again, or fails it after the last attempt.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    WAITING = State.QUEUED
    FAILED = State.FAILED
    MAX_ATTEMPTS_SETTING = "EMAIL_MAX_ATTEMPTS"

    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    # The message's own headers, e.g. a subscriber's List-Unsubscribe.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "sent", "failed"]),
                name="outgoing_email_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(finished_at__isnull=False),
                name="outgoing_email_sent_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    def requeue(self) -> None:
        from .mail import deliver_email

        pk = self.pk
        transaction.on_commit(lambda: deliver_email.enqueue(pk))


class PendingImport(models.Model):
    """An uploaded import file between its preview and its confirmation
    (lofte/spreadsheets/imports.py).

    Kept in the database, so that any app server can confirm what another previewed; only
    the uploader's signed token names it, and it is removed when imported or abandoned.
    """

    name = models.CharField(_("name"), max_length=32, unique=True, editable=False)
    data = models.BinaryField(_("data"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("pending import")
        verbose_name_plural = _("pending imports")

    def __str__(self) -> str:
        return self.name


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExportJobQuerySet":
        """Exports this user asked for, and those of one promise they coordinate."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(requested_by=user) | Q(promise__in=Promise.objects.coordinated_by(user))
        )


class ExportJob(Job):
    """An admin export too big to make within a request, prepared by a worker
    (lofte/spreadsheets/exports.py).

    It records what the coordinator asked for (the list's filters and the export form), and
    then the file, which is deleted EXPORT_FILE_MAX_AGE seconds after it is made.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # A worker that died preparing it leaves it failed: the coordinator asks again.
    WAITING = State.PENDING
    FAILED = State.FAILED

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # "app_label.model_name" of the exported list, and its promise when all rows share one.
    model = models.CharField(_("model"), max_length=100)
    promise = models.ForeignKey(
        Promise,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promise"),
    )
    # The list's query string (filters, search, order) and the export form as posted.
    query = models.TextField(_("list filters"), blank=True)
    form_data = models.JSONField(_("export form"), default=dict)
    row_count = models.PositiveIntegerField(_("rows"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "ready", "failed"]),
                name="export_job_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | Q(content__isnull=False),
                name="export_job_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} ({self.row_count}): {self.get_state_display()}"


class MailThrottle(models.Model):
    """How many times one mailbox, or one client, has asked for mail in the current window
    (lofte/accounts/throttle.py). In the database, so that every server process counts
    together.

    The key is an HMAC of the address or client address, never the address itself.
    """

    key = models.CharField(_("key"), max_length=64, unique=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        ordering = ["expires_at", "pk"]
        verbose_name = _("mail throttle")
        verbose_name_plural = _("mail throttles")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="mail_throttle_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.key[:12]}… ×{self.count}"
