"""The follow-up document for citizens, and its draft preview for the promise's coordinators.

Published follow-ups are served from their frozen copy: no rendering and two queries per
request, with ETag and Last-Modified so that browsers and proxies revalidate cheaply.
Drafts are rendered from today's data on every request, for coordinators only.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from followup.models import FollowUp
from followup.services import freeze_follow_up

from .data import render_document
from .pdf import render_pdf


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
    if not follow_up.is_frozen:
        follow_up = freeze_follow_up(follow_up=follow_up)
    return follow_up


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
    response = HttpResponse(follow_up.published_html)
    return _frozen(request, response, follow_up, "html")


@require_safe
def follow_up_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    follow_up = _get_published_follow_up(slug, heavy_field="published_pdf")
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
    follow_up = _get_follow_up_for_coordinator(request, slug, pk)
    pdf = render_pdf(render_document(follow_up, for_pdf=True, preview=True))
    return _pdf_response(pdf, f"uppfoljning-{slug}-utkast-{follow_up.pk}.pdf")
