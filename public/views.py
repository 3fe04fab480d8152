"""The citizens' pages: the start page and a page per promise. No login, approved data only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from . import data


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
    """Every promise, newest first, with its progress and published follow-ups; search by
    area."""
    # PostgreSQL refuses NUL in text; a search never needs it.
    search = request.GET.get("omrade", "").replace("\x00", "").strip()[: data.SEARCH_MAX_LENGTH]
    page, cards = data.start_page(search=search, page_number=request.GET.get("sida"))
    return render(
        request,
        "public/start.html",
        {"page": page, "cards": cards, "search": search, "labels": data.PROGRESS_LABELS},
    )


@require_safe
def promise(request: HttpRequest, slug: str) -> HttpResponse:
    """One promise: its text, focus areas, commitments and every sub-promise's approved
    status over every round."""
    view = data.promise_view(data.get_promise(slug))
    return render(request, "public/promise.html", {"view": view, "labels": data.PROGRESS_LABELS})
