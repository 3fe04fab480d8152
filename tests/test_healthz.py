import datetime

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lofte.mail import queue_email

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_login(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_fails_when_tasks_wait_too_long(client, db_queue, settings):
    settings.TASKS_BACKLOG_LIMIT = 2
    for n in range(3):
        queue_email(to=f"a{n}@example.org", subject="Hej", body="x")
    # Waiting, but not for long: the workers may simply be busy.
    assert client.get("/healthz").status_code == 200
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=2))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"task backlog: over 2 tasks waiting more than a minute"
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.first().pk).update(status="SUCCESSFUL")
    assert client.get("/healthz").status_code == 200


def test_healthz_says_503_not_500_when_the_database_is_down(client, monkeypatch):
    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django_tasks_db.models.DBTaskResultQuerySet.ready", down)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.content == b"database unavailable"
