import datetime
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

BACKLOG_AGE = datetime.timedelta(minutes=1)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: "ok" when the database answers and the task workers keep up.

    One query, which is also the database check: how many tasks have waited to run for more
    than a minute (counted up to the limit only). 503 when the database is down or more
    than TASKS_BACKLOG_LIMIT tasks wait. Answered over plain HTTP (SECURE_REDIRECT_EXEMPT).
    """
    limit = settings.TASKS_BACKLOG_LIMIT
    try:
        waiting = (
            DBTaskResult.objects.ready()
            .filter(enqueued_at__lt=timezone.now() - BACKLOG_AGE)
            .values("pk")[: limit + 1]
            .count()
        )
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    if waiting > limit:
        return HttpResponse(
            f"task backlog: over {limit} tasks waiting more than a minute",
            content_type="text/plain",
            status=503,
        )
    return HttpResponse("ok", content_type="text/plain")
