"""One shape for background work, and one recovery pass for jobs whose worker died.

Every job (an email on its way out, an export being prepared, a draft PDF being rendered) is
a model built on `Job`: its own `State` choices with one state in which it waits for a worker
or is being worked on (`WAITING`) and a `FAILED` one; the attempts a worker began, the
error of the last one, when the current one began and when the job finished. A task claims
its job with `Job.begin`, one UPDATE that succeeds only for a waiting job no worker holds, so
a task run twice does the work once.

A worker killed mid-job (a deploy, the OOM killer, SIGKILL) leaves its job waiting with
`started_at` set, for ever. `recover_stale_jobs`, which the worker runs when it starts and
every JOB_RECOVERY_INTERVAL seconds (`manage.py worker`), finds each job begun longer ago
than its kind's stale limit and either queues it again (while it has attempts left) or
marks it failed with the reason, which admin shows. Publishing a follow-up, whose
attempts are the follow-up's own, registers its recovery in the same pass (`add_recovery`).
"""

import datetime
import logging
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

_recoveries: list[Callable[[], int]] = []


def add_recovery(recover: Callable[[], int]) -> None:
    """Runs `recover` (which returns how many jobs it recovered) in every recovery pass."""
    if recover not in _recoveries:
        _recoveries.append(recover)


class Job(models.Model):
    """The fields and steps every background job shares."""

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)

    # What each kind says of itself.
    WAITING: str = ""  # the state of a job queued or being worked on
    FAILED: str = "failed"
    STALE_AFTER_SETTING = "JOB_STALE_AFTER"  # seconds a begun attempt may take
    MAX_ATTEMPTS_SETTING = ""  # attempts before it fails for good; none: one attempt

    class Meta:
        abstract = True

    @classmethod
    def stale_after(cls) -> datetime.timedelta:
        return datetime.timedelta(seconds=getattr(settings, cls.STALE_AFTER_SETTING))

    @classmethod
    def max_attempts(cls) -> int:
        return getattr(settings, cls.MAX_ATTEMPTS_SETTING) if cls.MAX_ATTEMPTS_SETTING else 1

    @classmethod
    def begin(cls, pk: int) -> bool:
        """Claims a waiting job for this worker and counts the attempt; False when it is
        done, failed, gone, or another worker holds it."""
        return bool(
            cls.objects.filter(pk=pk, state=cls.WAITING, started_at__isnull=True).update(
                started_at=timezone.now(), attempts=F("attempts") + 1
            )
        )

    def requeue(self) -> None:
        """Queues the job's task again (each kind with attempts to spare says how)."""
        raise NotImplementedError

    @classmethod
    def recover_stale(cls) -> int:
        """Jobs begun longer ago than the stale limit: queued again while they have attempts
        left, otherwise failed with the reason. Returns how many."""
        now = timezone.now()
        stale = list(
            cls.objects.filter(state=cls.WAITING, started_at__lt=now - cls.stale_after()).only(
                "pk", "attempts", "started_at"
            )
        )
        reason = gettext(
            "The worker stopped before the job was done; the attempt was given up at %(time)s."
        ) % {"time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")}
        recovered = 0
        for job in stale:
            # Names the attempt (its start), so that a worker that was merely slow and
            # finished meanwhile is never undone.
            attempt = cls.objects.filter(pk=job.pk, state=cls.WAITING, started_at=job.started_at)
            if job.attempts < cls.max_attempts():
                with transaction.atomic():
                    if attempt.update(started_at=None, error=reason):
                        job.requeue()
                        recovered += 1
            else:
                recovered += attempt.update(state=cls.FAILED, error=reason, finished_at=now)
        return recovered


def job_models() -> list[type[Job]]:
    return [model for model in apps.get_models() if issubclass(model, Job)]


def recover_stale_jobs() -> int:
    """The one recovery pass: every kind of job, then the recoveries others registered."""
    recovered = 0
    for model in job_models():
        count = model.recover_stale()
        if count:
            logger.warning("Recovered %s stale %s", count, model._meta.verbose_name_plural)
        recovered += count
    for recover in _recoveries:
        recovered += recover()
    return recovered
