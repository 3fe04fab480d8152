"""What an administrator writes for the public side: the accessibility statement."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lofte.validators import (
    DESCRIPTION_MAX,
    DOCUMENT_TEXT_MAX,
    bounded_text,
    sane_date,
    single_line,
)


class AccessibilityStatement(models.Model):
    """The site's tillgänglighetsredogörelse (lag 2018:1937), with DIGG's required parts.

    The newest one is shown; older ones stay as a record of earlier assessments.
    """

    class Compliance(models.TextChoices):
        FULL = "full", _("fully compliant")
        PARTIAL = "partial", _("partially compliant")
        NONE = "none", _("not compliant")

    organisation = models.CharField(
        _("organisation"),
        max_length=200,
        validators=[single_line],
        help_text=_(
            "Who is responsible for the site: the organisation that runs it, e.g. a "
            "municipality or a region."
        ),
    )
    compliance = models.CharField(
        _("compliance"), max_length=8, choices=Compliance.choices, default=Compliance.PARTIAL
    )
    known_gaps = models.TextField(
        _("known gaps"),
        blank=True,
        max_length=DOCUMENT_TEXT_MAX,
        validators=bounded_text(DOCUMENT_TEXT_MAX),
        help_text=_("What is not accessible and why, one item a paragraph."),
    )
    contact_email = models.EmailField(
        _("contact for feedback"),
        help_text=_("Where visitors report problems or ask for content in another form."),
    )
    assessment_method = models.TextField(
        _("how the site was assessed"),
        max_length=DESCRIPTION_MAX,
        validators=bounded_text(DESCRIPTION_MAX),
        help_text=_("E.g. automated tests with axe-core and a manual review."),
    )
    assessed_on = models.DateField(_("date of assessment"), validators=[sane_date])
    updated_on = models.DateField(_("statement last updated"), auto_now=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        get_latest_by = ["assessed_on", "pk"]
        verbose_name = _("accessibility statement")
        verbose_name_plural = _("accessibility statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(compliance__in=["full", "partial", "none"]),
                name="accessibility_compliance_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.assessed_on})"

    def get_absolute_url(self) -> str:
        return reverse("public:accessibility")


class Subscription(models.Model):
    """An email address that follows a promise: its only personal data is the address.

    It gets mail only once confirmed (double opt-in); unsubscribing deletes it.
    """

    promise = models.ForeignKey(
        "lofte.Promise",
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("promise"),
    )
    email = models.EmailField(_("email"))
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["promise", "email"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["promise", "email"], name="subscription_once"),
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.promise_id}"


class Notice(models.Model):
    """That a subscription was told of a follow-up, so that it is never told twice."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="notices")
    follow_up = models.ForeignKey("followup.FollowUp", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "follow_up"], name="notice_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} ← {self.follow_up_id}"
