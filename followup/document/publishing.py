"""Publishing a follow-up: the request that asks for it, the worker's render that freezes
it, and the recovery of a render whose worker died.

Publishing freezes the follow-up's page and PDF (pretix's invoices): later edits never change
what citizens were given. The render runs on a worker, outside any transaction, and its result
is stored only into the attempt that asked for it.
"""

import datetime
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from followup.models import FollowUp
from followup.services import WorkflowError

from .data import render_document
from .pdf import render_pdf


def _frozen_copy(follow_up: FollowUp) -> dict:
    """The follow-up's page and PDF as they read now, with a fingerprint of both."""
    html = render_document(follow_up, for_pdf=False)
    pdf = render_pdf(render_document(follow_up, for_pdf=True))
    etag = hashlib.sha256(html.encode() + b"\0" + pdf).hexdigest()
    return {"published_html": html, "published_pdf": pdf, "etag": etag}


def publish_follow_up(*, follow_up: FollowUp, user) -> FollowUp:
    """Asks for a draft (or failed) follow-up to be published; a worker renders it.

    Claiming the follow-up and queueing its render is one short UPDATE and one INSERT: the
    render itself (seconds for a big promise) runs in `render_publication`, outside any
    transaction, so reporters' saves never wait for it. Only the request that moves the
    follow-up to "publishing" queues a render, so publishing twice makes one version.
    """
    with transaction.atomic():
        since = timezone.now()
        claimed = FollowUp.objects.filter(
            pk=follow_up.pk, state__in=FollowUp.EDITABLE_STATES
        ).update(
            state=FollowUp.State.PUBLISHING,
            published_by=user,
            publish_error="",
            publishing_since=since,
            publish_task_id="",
        )
        if not claimed:
            current = FollowUp.objects.only("title", "state").get(pk=follow_up.pk)
            if current.state == FollowUp.State.PUBLISHING:
                raise WorkflowError(
                    _("“%(title)s” is already being published.") % {"title": current.title}
                )
            raise WorkflowError(_("“%(title)s” is already published.") % {"title": current.title})
        result = render_publication.enqueue(follow_up.pk)
        FollowUp.objects.filter(
            pk=follow_up.pk, state=FollowUp.State.PUBLISHING, publishing_since=since
        ).update(publish_task_id=str(result.id)[:64])
    follow_up.refresh_from_db(
        fields=["state", "published_at", "published_by", "publish_error", "publishing_since"]
    )
    return follow_up


@task()
def render_publication(follow_up_id: int) -> str:
    """Renders and freezes a follow-up that is being published, then marks it published.

    The render runs outside any transaction; the result is stored by one UPDATE that
    succeeds only while the follow-up is still in the same attempt to publish ("publishing"
    since the same moment), so a second run of this task (a retry, a second worker) or a
    render that outlived its attempt (recovered as stale and published again meanwhile)
    never replaces a stored version. A failed render puts the follow-up in "failed" with the
    error, from where it can be published again.
    """
    follow_up = (
        FollowUp.objects.select_related("promise")
        .defer("published_html", "published_pdf")
        .filter(pk=follow_up_id, state=FollowUp.State.PUBLISHING)
        .first()
    )
    if follow_up is None:
        return "not publishing"
    publishing = FollowUp.objects.filter(
        pk=follow_up_id,
        state=FollowUp.State.PUBLISHING,
        publishing_since=follow_up.publishing_since,
    )
    now = timezone.now()
    try:
        # The document says when it was published, so it is rendered as published.
        follow_up.state = FollowUp.State.PUBLISHED
        follow_up.published_at = now
        copy = _frozen_copy(follow_up)
    except Exception as error:
        publishing.update(
            state=FollowUp.State.FAILED, publish_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    stored = publishing.update(
        state=FollowUp.State.PUBLISHED, published_at=now, frozen_at=now, **copy
    )
    return "published" if stored else "published meanwhile"


def _lost_render_tasks(task_ids: list[str]) -> set[str]:
    """Of these render tasks, those the database queue has finished or no longer holds.

    A follow-up still "publishing" after its task has finished (or vanished) will never be
    published by it. Other queues (the immediate one in tests) keep no record to ask.
    """
    if not task_ids or not isinstance(render_publication.get_backend(), DatabaseBackend):
        return set()
    waiting = DBTaskResult.objects.filter(
        id__in=task_ids, status__in=["READY", "RUNNING"]
    ).values_list("id", flat=True)
    return set(task_ids) - {str(pk) for pk in waiting}


def recover_stale_publications() -> int:
    """Marks as failed every follow-up whose render will never finish; returns how many.

    A worker killed mid-render (a deploy, the OOM killer) leaves its task "running" and the
    follow-up "publishing" for ever. A follow-up publishing for longer than
    PUBLISH_STALE_AFTER, or whose render task has finished or vanished, is moved to "failed"
    with a reason, so admin shows it and it can be published again. The UPDATE names the
    attempt (`publishing_since`), and `render_publication` stores only into its own attempt,
    so a render that was merely slow can never store a second version afterwards.
    Costs one query when nothing is publishing, at most three otherwise.
    """
    publishing = list(
        FollowUp.objects.filter(state=FollowUp.State.PUBLISHING).values_list(
            "pk", "publishing_since", "publish_task_id"
        )
    )
    if not publishing:
        return 0
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.PUBLISH_STALE_AFTER)
    lost = _lost_render_tasks([task_id for _pk, _since, task_id in publishing if task_id])
    stale = [
        (pk, since)
        for pk, since, task_id in publishing
        if since is None or since < cutoff or task_id in lost
    ]
    if not stale:
        return 0
    attempt = Q()
    for pk, since in stale:
        attempt |= Q(pk=pk, publishing_since=since)
    return FollowUp.objects.filter(attempt, state=FollowUp.State.PUBLISHING).update(
        state=FollowUp.State.FAILED,
        publish_error=str(
            _(
                "The render stopped before it finished (its worker was stopped or the task "
                "was lost). Nothing was published; publish the follow-up again."
            )
        ),
    )


def freeze_follow_up(*, follow_up: FollowUp) -> FollowUp:
    """Makes the frozen copy of a published follow-up that has none yet.

    Follow-ups published outside `publish_follow_up` (the fixture loads one) are frozen when
    they are loaded (`manage.py freeze_follow_ups`, part of `load_demo`), or by a worker
    (`freeze_publication`) if one is requested before that. Of two freezes at once, the
    first stored copy wins.
    """
    copy = _frozen_copy(follow_up)
    FollowUp.objects.filter(pk=follow_up.pk, state=FollowUp.State.PUBLISHED, etag="").update(
        frozen_at=timezone.now(), **copy
    )
    return FollowUp.objects.select_related("promise").get(pk=follow_up.pk)


def unfrozen_follow_ups():
    """Published follow-ups that have no frozen copy yet (loaded as published)."""
    return (
        FollowUp.objects.published()
        .filter(etag="")
        .select_related("promise")
        .defer("published_html", "published_pdf")
    )


@task()
def freeze_publication(follow_up_id: int) -> str:
    """Freezes a published follow-up that has no frozen copy yet (a worker's job)."""
    follow_up = unfrozen_follow_ups().filter(pk=follow_up_id).first()
    if follow_up is None:
        return "frozen already"
    freeze_follow_up(follow_up=follow_up)
    return "frozen"
