"""Draft PDFs rendered on the queue: a big promise's PDF never holds a request.

WeasyPrint takes about 15 s for a promise of 1,000 sub-promises. The draft's "Download PDF"
calls `request_draft_pdf`, which records the wish (a DraftPdf) and queues `render_draft_pdf`;
the coordinator sees a page that waits for the worker. A render whose HTML is the same as an
earlier one of the follow-up (its `content_key`) copies that PDF instead of running WeasyPrint
again, so asking again without changing anything is quick.
"""

import datetime
import hashlib

import weasyprint
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from followup.models import DraftPdf, FollowUp

from .data import render_document
from .pdf import render_pdf

# Kept at least this long after it is done, so that a page open on it can still fetch it.
KEEP_FINISHED = datetime.timedelta(hours=1)


def request_draft_pdf(*, follow_up: FollowUp, user) -> DraftPdf:
    """The follow-up's PDF being rendered now, or a new one queued; returns at once.

    A render already waiting (asked for within DRAFT_PDF_STALE_AFTER) is shared, so that
    clicking twice queues one render.
    """
    recent = timezone.now() - datetime.timedelta(seconds=settings.DRAFT_PDF_STALE_AFTER)
    with transaction.atomic():
        waiting = (
            DraftPdf.objects.filter(
                follow_up=follow_up, state=DraftPdf.State.PENDING, requested_at__gte=recent
            )
            .defer("pdf")
            .order_by("-requested_at")
            .first()
        )
        if waiting is not None:
            return waiting
        preview = DraftPdf.objects.create(follow_up=follow_up, requested_by=user)
        render_draft_pdf.enqueue(preview.pk)
    return preview


def content_key(html: str) -> str:
    """What a PDF is made of: the HTML and the renderer's version."""
    return hashlib.sha256(f"{weasyprint.__version__}\0{html}".encode()).hexdigest()


@task()
def render_draft_pdf(draft_pdf_id: int) -> str:
    """Renders a requested draft PDF from today's data, or reuses an identical earlier one."""
    if not DraftPdf.begin(draft_pdf_id):
        return "not pending"  # ready, failed, being rendered, or deleted meanwhile
    preview = DraftPdf.objects.defer("pdf").get(pk=draft_pdf_id)
    pending = DraftPdf.objects.filter(
        pk=draft_pdf_id, state=DraftPdf.State.PENDING, started_at=preview.started_at
    )
    follow_up = (
        FollowUp.objects.select_related("promise")
        .defer("published_html", "published_pdf")
        .get(pk=preview.follow_up_id)
    )
    try:
        html = render_document(follow_up, for_pdf=True, preview=True)
        key = content_key(html)
        same = (
            DraftPdf.objects.filter(
                follow_up=follow_up, state=DraftPdf.State.READY, content_key=key
            )
            .values_list("pdf", flat=True)
            .first()
        )
        pdf = bytes(same) if same is not None else render_pdf(html)
    except Exception as error:
        pending.update(
            state=DraftPdf.State.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    now = timezone.now()
    pending.update(state=DraftPdf.State.READY, pdf=pdf, content_key=key, finished_at=now)
    # A draft PDF is a preview of the moment: those finished long ago (of any follow-up) go.
    DraftPdf.objects.filter(finished_at__lt=now - KEEP_FINISHED).delete()
    return "reused" if same is not None else "rendered"
