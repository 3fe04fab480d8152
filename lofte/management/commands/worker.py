"""`manage.py worker`: the task worker (django-tasks-db's `db_worker`, same options) that also
runs the recovery pass of lofte/jobs.py, when it starts and every JOB_RECOVERY_INTERVAL
seconds, so that a job whose worker died is queued again or failed with its reason."""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from lofte.jobs import recover_stale_jobs

logger = logging.getLogger(__name__)


def recovery_loop(stop: threading.Event, interval: float) -> None:
    """Runs the recovery pass until `stop` is set; a failed pass is logged and tried again."""
    while not stop.is_set():
        try:
            recover_stale_jobs()
        except DatabaseError:  # a locked SQLite file, a restarting server: try next time
            logger.exception("The recovery pass of background jobs failed")
        finally:
            connection.close()
        stop.wait(interval)


class Command(db_worker.Command):
    help = "Run a task worker that also recovers jobs whose worker died"

    def handle(self, *args, **options):
        stop = threading.Event()
        if not options.get("batch"):
            thread = threading.Thread(
                target=recovery_loop,
                args=(stop, settings.JOB_RECOVERY_INTERVAL),
                name="job-recovery",
                daemon=True,
            )
            thread.start()
        else:
            # A batch run recovers once, then works through the queue it leaves.
            recover_stale_jobs()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
