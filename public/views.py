"""The citizens' pages: the start page and a page per promise. No login, approved data only."""

import datetime
import re

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from lofte.owner import get_owner
from outcomes.data import outcomes_for
from parties.models import Publisher
from parties.publishers import publishers_for

from . import data, directory, opendata, schema_org, subscriptions
from .caching import cached_for_promise
from .models import AccessibilityStatement, Subscription

LOGO_CACHE_SECONDS = 365 * 24 * 60 * 60
LOGO_VERSION = re.compile(r"[0-9a-f]{1,16}")


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    """The front door. Citizens get the promises; a logged-in coordinator lands in admin and
    a logged-in reporter in the portal, as before (both reach this page at /loften/)."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect("admin:index")
        return redirect("portal:dashboard")
    return promises(request)


@require_safe
def promises(request: HttpRequest) -> HttpResponse:
    """Every promise by county and municipality, newest first; search (`?q=`) by
    municipality, area, county or the promise's name."""
    search = directory.clean_search(request.GET.get("q", ""))
    return render(
        request,
        "public/start.html",
        {
            "directory": directory.start_page(search=search),
            "search": search,
            "json_ld": schema_org.start_page(request),
        },
    )


@require_safe
def municipality(request: HttpRequest, code: str) -> HttpResponse:
    """A municipality's promises over the years, each with its renewals."""
    page = directory.municipality_page(directory.get_municipality(code))
    return render(
        request,
        "public/municipality.html",
        {"page": page, "municipality": page.municipality},
    )


@require_safe
def promise(request: HttpRequest, slug: str) -> HttpResponse:
    """One promise: its text, focus areas, commitments and every sub-promise's approved
    status over every round. Its content is built once per version (one query when cached);
    the header and footer, with the CSRF token of the language form, per request."""
    promise = data.get_promise(slug)

    def build() -> dict[str, str]:
        view = data.promise_view(promise)
        publishers = publishers_for(promise)
        context = {
            "view": view,
            "publishers": publishers,
            "outcomes": outcomes_for(promise),
            "labels": data.PROGRESS_LABELS,
            "json_ld": schema_org.promise_page(request, view, publishers),
            "widget_url": request.build_absolute_uri(reverse("public:widget", args=[slug])),
        }
        return {
            "head": str(render_to_string("public/_promise_head.html", context)),
            "content": str(render_to_string("public/_promise_content.html", context)),
            "footer": str(render_to_string("_publishers_footer.html", context)),
        }

    parts = cached_for_promise(request, "page", promise, build)
    cached = {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308 (our render)
    return render(request, "public/promise.html", {"promise": promise, "cached": cached})


# --- Open data -----------------------------------------------------------------------------


def _csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def statuses_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The promise's sub-promises with their approved status in every round."""
    view = data.promise_view(data.get_promise(slug))
    content = opendata.write_csv(opendata.STATUS_COLUMNS, opendata.status_rows(view))
    return _csv_response(content, f"dellofter-{slug}.csv")


@require_safe
def figures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every figure of the promise's approved reports."""
    view = data.promise_view(data.get_promise(slug))
    content = opendata.write_csv(opendata.FIGURE_COLUMNS, opendata.figure_rows(view))
    return _csv_response(content, f"siffror-{slug}.csv")


@require_safe
def csv_metadata(request: HttpRequest, slug: str) -> JsonResponse:
    """CSVW metadata describing the two CSV files."""
    view = data.promise_view(data.get_promise(slug))
    response = JsonResponse(
        opendata.csvw_metadata(request, view),
        content_type="application/csvm+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def dcat(request: HttpRequest) -> JsonResponse:
    """The DCAT-AP-SE catalogue of every promise's datasets, for the national data portal."""
    response = JsonResponse(
        opendata.dcat_catalog(request),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- The embeddable widget -----------------------------------------------------------------


@require_safe
@xframe_options_exempt
# Any site may frame this page, and only this page; the rest of the policy stays.
@csp_replace({"frame-ancestors": ["*"]})
def widget(request: HttpRequest, slug: str) -> HttpResponse:
    """The promise's progress and latest follow-up, for other sites to frame."""
    promise = data.get_promise(slug)
    progress = data.progress_of([promise.pk]).get(promise.pk, data.Progress())
    follow_ups = data.follow_ups_of([promise.pk])[promise.pk]
    follow_up = follow_ups[0] if follow_ups else None
    absolute = request.build_absolute_uri
    response = render(
        request,
        "public/widget.html",
        {
            "promise": promise,
            "publishers": publishers_for(promise),
            "progress": progress,
            "follow_up": follow_up,
            "promise_url": absolute(reverse("public:promise", args=[slug])),
            "follow_up_url": absolute(reverse("document:follow_up", args=[slug])),
        },
    )
    return response


# --- Publishers' logos ----------------------------------------------------------------------


@require_safe
def publisher_logo(request: HttpRequest, pk: int, version: str) -> HttpResponse:
    """A publisher's logo: the PNG that `parties.logos.clean_logo` drew from the upload,
    never the uploaded file. Its address names its version, so a copy may be kept for a
    year; another version (an old or made-up one) is a 404."""
    if pk >= 2**31 or not LOGO_VERSION.fullmatch(version):
        raise Http404
    logo = (
        Publisher.objects.filter(pk=pk, logo_version=version, logo__isnull=False)
        .exclude(logo_version="")
        .values_list("logo", flat=True)
        .first()
    )
    if logo is None:
        raise Http404
    response = HttpResponse(bytes(logo), content_type="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = f"public, max-age={LOGO_CACHE_SECONDS}, immutable"
    return response


# --- A public-sector site's basics -----------------------------------------------------------

# Until an administrator writes one, the statement says what this code base was assessed with.
DEFAULT_STATEMENT = {
    "compliance": AccessibilityStatement.Compliance.PARTIAL,
    "known_gaps": gettext_lazy(
        "The follow-up's PDF is tagged (PDF/UA-1) but has not been checked by hand with a "
        "screen reader.\n\nThe administration pages for coordinators are Django's own and "
        "have not been assessed."
    ),
    "assessment_method": gettext_lazy(
        "Automated tests with axe-core (WCAG 2.1 A and AA) of every public page at 1280 and "
        "390 pixels wide in Chromium, and checks of keyboard use and reflow."
    ),
    "assessed_on": datetime.date(2026, 11, 25),
}


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (tillgänglighetsredogörelse), DIGG's parts in order."""
    statement = AccessibilityStatement.objects.order_by("-assessed_on", "-pk").first()
    if statement is None:
        owner = get_owner()
        statement = AccessibilityStatement(
            organisation=owner.name,
            contact_email=owner.email or settings.DEFAULT_FROM_EMAIL,
            **DEFAULT_STATEMENT,
        )
    return render(request, "public/accessibility.html", {"statement": statement})


@require_safe
def personal_data(request: HttpRequest) -> HttpResponse:
    """How personal data is handled: what is kept, why, and what is never public."""
    return render(
        request,
        "public/personal_data.html",
        {"contact_email": get_owner().email or settings.DEFAULT_FROM_EMAIL},
    )


# --- Email subscriptions -------------------------------------------------------------------


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254)


def _get_subscription(token: str) -> Subscription:
    """The subscription with this token, or 404: the token is the only key to it."""
    subscription = Subscription.objects.select_related("promise").filter(token=token).first()
    if subscription is None:
        raise Http404
    return subscription


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow a promise by email: a confirmation link goes to the address first."""
    promise = data.get_promise(slug)
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscriptions.subscribe(promise=promise, email=form.cleaned_data["email"])
        return render(request, "public/subscribe_sent.html", {"promise": promise})
    return render(request, "public/subscribe.html", {"promise": promise, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link shows a button; only pressing it confirms (mail scanners open
    links, they do not press buttons)."""
    subscription = _get_subscription(token)
    if request.method == "POST":
        subscriptions.confirm(subscription=subscription)
    return render(
        request,
        "public/subscription_confirm.html",
        {"subscription": subscription, "promise": subscription.promise},
    )


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a form.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click ends the subscription and deletes the address."""
    if request.method == "POST":
        subscription = Subscription.objects.select_related("promise").filter(token=token).first()
        if subscription is not None:
            promise = subscription.promise
            subscriptions.unsubscribe(subscription=subscription)
        else:
            promise = None  # already gone: saying so again is harmless
        return render(request, "public/unsubscribed.html", {"promise": promise})
    subscription = _get_subscription(token)
    return render(
        request,
        "public/unsubscribe.html",
        {"subscription": subscription, "promise": subscription.promise},
    )
