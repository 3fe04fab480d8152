"""The follow-up document for citizens, and its draft preview for the promise's coordinators.

Published follow-ups are served from their frozen copy: no rendering and two queries per
request, with ETag and Last-Modified so that browsers and proxies revalidate cheaply.
No public request renders: a published follow-up without its frozen copy (loaded as
published and not yet frozen by `manage.py freeze_follow_ups`) answers 503 while a worker
freezes it. Drafts are shown from today's data, for coordinators only; their PDF is rendered
by a worker (`previews.py`) while the coordinator's page waits.
"""

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from followup.document.publishing import freeze_publication
from followup.models import DraftPdf, FollowUp

from .data import render_document
from .previews import request_draft_pdf

# A follow-up waiting to be frozen is queued again at most this often (seconds).
FREEZE_REQUEUE_AFTER = 10 * 60


def _get_published_follow_up(slug: str, *, heavy_field: str) -> FollowUp:
    """The promise's latest published follow-up with its frozen copy; 404 if it has none.

    Only the frozen field the response needs (`heavy_field`) is loaded.
    """
    skip = {"published_html", "published_pdf"} - {heavy_field}
    follow_up = (
        FollowUp.objects.published()
        .filter(promise__slug=slug)
        .select_related("promise")
        .defer(*skip)
        .order_by("-published_at", "-pk")
        .first()
    )
    if follow_up is None:
        raise Http404
    return follow_up


def _being_frozen(request: HttpRequest, follow_up: FollowUp) -> HttpResponse:
    """503 while a worker makes the frozen copy, which this asks for (once in a while)."""
    if cache.add(f"freeze-queued-{follow_up.pk}", True, timeout=FREEZE_REQUEUE_AFTER):
        freeze_publication.enqueue(follow_up.pk)
    response = render(
        request, "followup/document/being_frozen.html", {"follow_up": follow_up}, status=503
    )
    response.headers["Retry-After"] = "60"
    return response


def _get_follow_up_for_coordinator(request: HttpRequest, slug: str, pk: int) -> FollowUp:
    """A follow-up of a promise this user coordinates (any state); 404 for everyone else."""
    try:
        return (
            FollowUp.objects.coordinated_by(request.user)
            .select_related("promise")
            .defer("published_html", "published_pdf")
            .get(promise__slug=slug, pk=pk)
        )
    except FollowUp.DoesNotExist:
        raise Http404 from None


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _frozen(request: HttpRequest, response: HttpResponse, follow_up: FollowUp, kind: str):
    """The response with its validators, or 304 when the client's copy is current."""
    etag = f'"{follow_up.etag}-{kind}"'
    last_modified = int(follow_up.frozen_at.timestamp())
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    response.headers["Content-Language"] = follow_up.language
    # Anyone may keep a copy, but must ask (cheaply, by ETag) whether it is still current.
    patch_cache_control(response, public=True, no_cache=True)
    return get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )


@require_safe
def follow_up(request: HttpRequest, slug: str) -> HttpResponse:
    follow_up = _get_published_follow_up(slug, heavy_field="published_html")
    if not follow_up.is_frozen:
        return _being_frozen(request, follow_up)
    response = HttpResponse(follow_up.published_html)
    return _frozen(request, response, follow_up, "html")


@require_safe
def follow_up_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    follow_up = _get_published_follow_up(slug, heavy_field="published_pdf")
    if not follow_up.is_frozen:
        return _being_frozen(request, follow_up)
    response = _pdf_response(bytes(follow_up.published_pdf), f"uppfoljning-{slug}.pdf")
    return _frozen(request, response, follow_up, "pdf")


@require_safe
@never_cache
def draft(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    follow_up = _get_follow_up_for_coordinator(request, slug, pk)
    response = HttpResponse(render_document(follow_up, for_pdf=False, preview=True))
    response.headers["Content-Language"] = follow_up.language
    return response


@require_safe
@never_cache
def draft_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks a worker for the draft's PDF (or joins the render already waiting) and shows it."""
    follow_up = _get_follow_up_for_coordinator(request, slug, pk)
    preview = request_draft_pdf(follow_up=follow_up, user=request.user)
    return redirect("document:draft_pdf_status", slug, follow_up.pk, preview.pk)


def _get_draft_pdf_for_coordinator(
    request: HttpRequest, slug: str, pk: int, preview_pk: int, *, with_pdf: bool = False
) -> DraftPdf:
    """A draft PDF of a follow-up of a promise this user coordinates; 404 for everyone else."""
    previews = DraftPdf.objects.coordinated_by(request.user).select_related("follow_up__promise")
    previews = previews.defer("follow_up__published_html", "follow_up__published_pdf")
    if not with_pdf:
        previews = previews.defer("pdf")
    try:
        return previews.get(pk=preview_pk, follow_up=pk, follow_up__promise__slug=slug)
    except DraftPdf.DoesNotExist:
        raise Http404 from None


@require_safe
@never_cache
def draft_pdf_status(request: HttpRequest, slug: str, pk: int, preview_pk: int) -> HttpResponse:
    """ "The PDF is being created…" until a worker has rendered it, then a link to it."""
    preview = _get_draft_pdf_for_coordinator(request, slug, pk, preview_pk)
    return render(
        request,
        "followup/document/draft_pdf.html",
        {"preview": preview, "follow_up": preview.follow_up},
    )


@require_safe
@never_cache
def draft_pdf_download(request: HttpRequest, slug: str, pk: int, preview_pk: int) -> HttpResponse:
    preview = _get_draft_pdf_for_coordinator(request, slug, pk, preview_pk, with_pdf=True)
    if preview.state != DraftPdf.State.READY:
        return redirect(preview)
    return _pdf_response(bytes(preview.pdf), f"uppfoljning-{slug}-utkast-{pk}.pdf")
