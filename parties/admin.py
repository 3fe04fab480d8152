from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin

from lofte.admin_tools.scope import ScopedAdmin, ScopedImportExportMixin, ScopedTabularInline
from lofte.validators import single_line
from parties.invitations import send_invitation

from .logos import MAX_BYTES, MAX_SIZE, clean_logo
from .models import Membership, Partner, Publisher
from .resources import PartnerResource


def manages(request, partner: Partner | None) -> bool:
    """Whether the user may change this partner's details and reporters (read once a request)."""
    if partner is None:
        return True
    if request.user.is_superuser:
        return True
    cache = request.__dict__.setdefault("_managed_partners", {})
    if partner.pk not in cache:
        cache[partner.pk] = Partner.objects.managed_by(request.user).filter(pk=partner.pk).exists()
    return cache[partner.pk]


class MembershipInline(ScopedTabularInline):
    """The partner's reporters; new ones are invited from “Reporters › Add”."""

    model = Membership
    extra = 0
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class PartnerForm(forms.ModelForm):
    """A partner's municipality (one of the user's, by the scoped choices) and a name not
    yet taken there, said on the name field."""

    class Meta:
        model = Partner
        fields = ["municipality", "name", "kind", "email"]

    def clean(self):
        data = super().clean()
        municipality, name = data.get("municipality"), data.get("name")
        if municipality is None or not name:
            return data
        if (
            Partner.objects.filter(municipality=municipality, name=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            # The constraint's own message; with the name in error the model skips it.
            constraint = next(
                c
                for c in Partner._meta.constraints
                if c.name == "partner_name_unique_in_municipality"
            )
            self.add_error("name", constraint.get_violation_error_message())
        elif self.instance.pk and municipality.pk != self.instance.municipality_id:
            # A promise's partners are its municipalities' (Partner.objects.of_municipalities).
            listed = self.instance.promises.exclude(municipalities=municipality)
            responsible = self.instance.responsibilities.exclude(
                sub_promise__focus_area__promise__municipalities=municipality
            )
            if listed.exists() or responsible.exists():
                self.add_error(
                    "municipality",
                    _(
                        "The partner takes part in promises not made in %(municipality)s; "
                        "it stays in its municipality."
                    )
                    % {"municipality": municipality},
                )
        return data


@admin.register(Partner)
class PartnerAdmin(ScopedImportExportMixin, ImportExportMixin, ScopedAdmin):
    resource_classes = [PartnerResource]
    form = PartnerForm
    list_display = ["name", "municipality", "kind", "email"]
    list_filter = ["municipality", "kind"]
    list_select_related = ["municipality"]
    search_fields = ["name", "municipality__name"]
    inlines = [MembershipInline]

    def get_changeform_initial_data(self, request):
        from lofte.admin import only_municipality

        initial = super().get_changeform_initial_data(request)
        code = only_municipality(request)
        return {"municipality": code, **initial} if code else initial

    def get_inlines(self, request, obj):
        # The reporters of a partner one does not manage are an administrator's to see.
        return self.inlines if manages(request, obj) else []

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).prefetch_related("promises")

    # A partner shared with a promise the user does not coordinate is read-only for them.
    def has_change_permission(self, request, obj=None):
        return manages(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return manages(request, obj) and super().has_delete_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = (request.GET.get("app_label"), request.GET.get("model_name"))
        if source == ("parties", "membership"):
            # The partner choice when inviting a reporter offers only managed partners.
            queryset = queryset.filter(pk__in=Partner.objects.managed_by(request.user))
        return queryset, may_have_duplicates


class InvitationForm(forms.ModelForm):
    """Adds a reporter by email: the person is created if new and invited to set a password."""

    email = forms.EmailField(label=_("email"))
    first_name = forms.CharField(
        label=_("first name"), max_length=150, required=False, validators=[single_line]
    )
    last_name = forms.CharField(
        label=_("last name"), max_length=150, required=False, validators=[single_line]
    )

    class Meta:
        model = Membership
        fields = ["partner"]

    def clean(self):
        data = super().clean()
        email = data.get("email")
        partner = data.get("partner")
        if email and partner:
            User = get_user_model()
            user = User.objects.filter(email__iexact=email).order_by("pk").first()
            if user is not None and Membership.objects.filter(user=user, partner=partner).exists():
                raise forms.ValidationError(_("This person already reports for this partner."))
            if user is not None and (user.is_staff or user.is_superuser):
                # Adding staff as reporters is a decision for an administrator.
                raise forms.ValidationError(
                    _("This email belongs to a staff account; ask an administrator.")
                )
            if user is None and User.objects.filter(username__iexact=email).exists():
                raise forms.ValidationError(_("This email belongs to another account."))
            self.existing_user = user
        return data

    @transaction.atomic
    def save(self, commit=True):
        membership = super().save(commit=False)
        user = self.existing_user
        self.is_new_user = user is None
        if user is None:
            user = get_user_model().objects.create_user(
                username=self.cleaned_data["email"].lower(),
                email=self.cleaned_data["email"],
                first_name=self.cleaned_data["first_name"],
                last_name=self.cleaned_data["last_name"],
            )  # no usable password until they choose one from the invitation
        membership.user = user
        if commit:
            membership.save()
        return membership


@admin.action(description=_("Send the invitation email again"), permissions=["change"])
def resend_invitation(modeladmin, request, queryset):
    sent = 0
    for membership in queryset.select_related("user", "partner"):
        if membership.user.email:
            sent += send_invitation(
                user=membership.user, partner=membership.partner, invited_by=request.user
            )
    modeladmin.message_user(
        request,
        ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent)
        % {"count": sent},
        messages.SUCCESS,
    )


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    """Reporters of the partners the user manages (Partner.objects.managed_by).

    A partner that also takes part in a promise the user does not coordinate is managed by
    an administrator, and its reporters are not listed: invited reporters' user names are
    their emails.
    """

    list_display = ["user", "user_email", "partner", "created_at"]
    list_filter = ["partner__kind"]
    list_select_related = ["user", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    autocomplete_fields = ["partner"]
    actions = [resend_invitation]

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj: Membership) -> str:
        return obj.user.email

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner":
            kwargs["queryset"] = Partner.objects.managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InvitationForm
            kwargs["fields"] = ["partner", "email", "first_name", "last_name"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["partner", "email", "first_name", "last_name"]
        return ["user", "partner", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "created_at"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            user, partner = obj.user, obj.partner
            transaction.on_commit(
                lambda: send_invitation(user=user, partner=partner, invited_by=request.user),
                robust=True,
            )
            self.message_user(
                request,
                _("An invitation with a link to set a password is sent to %(email)s.")
                % {"email": user.email},
                messages.SUCCESS,
            )


def https_by_default(db_field, **kwargs):
    """A website typed without a scheme is https://, as Django 6 will assume."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class PublisherForm(forms.ModelForm):
    """A publisher's details and logo. The logo is taken only as `clean_logo` re-encodes it:
    the uploaded file itself is never stored, and a refused one leaves the stored logo as
    it was."""

    logo_upload = forms.FileField(label=_("new logo"), required=False)
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)

    class Meta:
        model = Publisher
        fields = ["name", "municipality", "address", "email", "url"]
        formfield_callback = https_by_default

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "logo_upload" in self.fields:
            self.fields["logo_upload"].help_text = _(
                "PNG, JPEG or WebP of at most %(mb)s MB (no SVG). It is stored as a PNG of at "
                "most %(width)s × %(height)s pixels."
            ) % {"mb": MAX_BYTES // 1024 // 1024, "width": MAX_SIZE[0], "height": MAX_SIZE[1]}

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        return clean_logo(upload) if upload else None

    def clean(self):
        data = super().clean()
        if data.get("logo_upload") and data.get("remove_logo"):
            raise forms.ValidationError(_("Upload a new logo or remove the logo, not both."))
        return data

    def save(self, commit=True):
        publisher = super().save(commit=False)
        logo = self.cleaned_data.get("logo_upload")
        if logo is not None:
            publisher.logo = logo.png
            publisher.logo_width, publisher.logo_height = logo.width, logo.height
            publisher.logo_version = logo.version
        elif self.cleaned_data.get("remove_logo"):
            publisher.logo = None
            publisher.logo_width = publisher.logo_height = None
            publisher.logo_version = ""
        if commit:
            publisher.save()
        return publisher


def is_administrator(request) -> bool:
    return request.user.is_active and request.user.is_superuser


@admin.register(Publisher)
class PublisherAdmin(ScopedAdmin):
    """The organisations that publish promises: a superuser keeps the list; coordinators
    read it and choose from it on their promises (lofte.admin.PromisePublisherInline)."""

    form = PublisherForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "municipality", "url"]
    list_select_related = ["municipality"]
    search_fields = ["name"]

    def get_queryset(self, request):
        # Lists and choices never read the logos' bytes.
        return super().get_queryset(request).defer("logo")

    def get_fieldsets(self, request, obj=None):
        logo = ["current_logo"] if obj is not None else []
        if self.has_change_permission(request, obj):
            logo += ["logo_upload"] + (["remove_logo"] if obj is not None else [])
        return [
            (None, {"fields": ["name", "municipality"]}),
            (_("Contact"), {"fields": ["address", "email", "url"]}),
            (_("Logo"), {"fields": logo}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return ["current_logo"]

    @admin.display(description=_("current logo"))
    def current_logo(self, obj: Publisher):
        if not obj.logo_url:
            return _("No logo")
        return format_html(
            '<img class="publisher-logo" src="{}" alt="{}" width="{}" height="{}">',
            obj.logo_url,
            obj.name,
            obj.logo_width,
            obj.logo_height,
        )

    # Only an administrator keeps the list; every promise's pages name these organisations.
    def has_add_permission(self, request):
        return is_administrator(request)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request)

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request)
