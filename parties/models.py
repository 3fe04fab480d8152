"""The organisations behind a promise and the people who report for them."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lofte.validators import single_line


def taking_part(promises) -> Exists:
    """Whether the partner (the outer row) belongs to any of `promises`.

    The one rule for who belongs to a promise: a partner listed on it, or responsible for
    any of its sub-promises. Admin and import keep the two the same (a responsible partner
    cannot be removed from the list, and only listed partners can be made responsible), and
    every access rule reads both, so they can never disagree about who may see what.
    """
    from lofte.models import Promise, Responsibility

    listed = Promise.partners.through.objects.filter(partner=OuterRef("pk"), promise__in=promises)
    responsible = Responsibility.objects.filter(
        partner=OuterRef("pk"), sub_promise__focus_area__promise__in=promises
    )
    return Exists(listed) | Exists(responsible)


class PartnerQuerySet(models.QuerySet):
    def coordinated_by(self, user) -> "PartnerQuerySet":
        """Partners this user sees and picks: those of their municipalities
        (`Municipality.objects.coordinated_by`) and those taking part in a promise they
        coordinate (all for a superuser)."""
        from lofte.models import Municipality, Promise

        if user.is_superuser:
            return self
        return self.filter(
            models.Q(municipality__in=Municipality.objects.coordinated_by(user))
            | taking_part(Promise.objects.coordinated_by(user))
        )

    def managed_by(self, user) -> "PartnerQuerySet":
        """Partners whose reporters and details this user may change.

        A superuser manages every partner. A coordinator manages a partner of one of their
        municipalities that takes part in one of their promises and in no promise they do
        not coordinate: a partner shared with another promise is changed by an
        administrator, so that no coordinator can give someone access to another promise's
        reports.
        """
        from lofte.models import Municipality, Promise

        if user.is_superuser:
            return self
        mine = Promise.objects.coordinated_by(user)
        return self.filter(
            taking_part(mine), municipality__in=Municipality.objects.coordinated_by(user)
        ).exclude(taking_part(Promise.objects.exclude(pk__in=mine.values("pk"))))

    def of_municipalities(self, municipalities) -> "PartnerQuerySet":
        """Partners that may take part in a promise made in `municipalities`: those of the
        same municipalities. The one rule for a promise's partners and its sub-promises'
        responsible partners, in admin's forms and the imports alike."""
        return self.filter(municipality__in=municipalities)

    def may_be_responsible_in(self, promise) -> "PartnerQuerySet":
        """Partners that may be made responsible for the promise's sub-promises: those on
        its list that belong to one of its municipalities."""
        from lofte.models import Municipality

        return self.filter(promises=promise).of_municipalities(
            Municipality.objects.filter(promises=promise)
        )


class Partner(models.Model):
    """A samverkanspart: an organisation that stands behind one or more promises."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("municipal")
        POLICE = "police", _("police")
        HOUSING = "housing", _("housing company")
        SCHOOL = "school", _("school")
        ASSOCIATION = "association", _("association")
        BUSINESS = "business", _("business")
        OTHER = "other", _("other")

    municipality = models.ForeignKey(
        "lofte.Municipality",
        on_delete=models.PROTECT,
        related_name="partners",
        verbose_name=_("municipality"),
        help_text=_("Names are unique within a municipality: each may have its own “Polisen”."),
    )
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    email = models.EmailField(_("contact email"), blank=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="partner_name_unique_in_municipality",
                violation_error_message=_("This municipality already has a partner by that name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def coordinated_by(self, user) -> "MembershipQuerySet":
        """Memberships of partners in a promise this user coordinates."""
        if user.is_superuser:
            return self
        return self.filter(partner__in=Partner.objects.coordinated_by(user))

    def managed_by(self, user) -> "MembershipQuerySet":
        """Memberships of partners whose reporters this user may change."""
        if user.is_superuser:
            return self
        return self.filter(partner__in=Partner.objects.managed_by(user))


class Membership(models.Model):
    """A rapportör: a person who reports for a partner."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name", "user__username"]
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.partner}"


class Publisher(models.Model):
    """An organisation that publishes promises (a municipality, a police area, a region):
    named on each of its promises' pages, follow-ups, feed and open data.

    The logo is kept in the database as the PNG that `parties.logos.clean_logo` made of the
    upload, so that every web server and the PDF renderer read the same bytes, with no file
    storage to share between machines and no uploaded file ever served as it came.
    """

    name = models.CharField(_("name"), max_length=200, unique=True, validators=[single_line])
    municipality = models.ForeignKey(
        "lofte.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publishers",
        verbose_name=_("municipality"),
        help_text=_("The municipality it belongs to, if any (a police area may serve several)."),
    )
    address = models.CharField(
        _("postal address"), max_length=200, blank=True, validators=[single_line]
    )
    email = models.EmailField(_("email"), blank=True)
    url = models.URLField(_("website"), blank=True)
    logo = models.BinaryField(_("logo"), null=True, blank=True, editable=False)
    logo_width = models.PositiveIntegerField(_("logo width"), null=True, editable=False)
    logo_height = models.PositiveIntegerField(_("logo height"), null=True, editable=False)
    logo_version = models.CharField(_("logo version"), max_length=16, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("publisher")
        verbose_name_plural = _("publishers")

    def __str__(self) -> str:
        return self.name

    @property
    def url_label(self) -> str:
        """The address as people say it: goteborg.se, not https://goteborg.se/."""
        split = urlsplit(self.url)
        return (split.netloc.removeprefix("www.") + split.path).rstrip("/")

    @property
    def logo_url(self) -> str:
        """The logo's address, which names its version, so that it may be kept for ever
        (public.views.publisher_logo); empty without a logo."""
        if not self.logo_version:
            return ""
        return reverse("public:publisher_logo", args=[self.pk, self.logo_version])
