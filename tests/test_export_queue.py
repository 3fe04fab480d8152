"""A big admin export is prepared by a worker: the coordinator gets a page, then a link that
only they (or the promise's other coordinators) can use, until the file expires."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lofte.models import ExportJob

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
    make_user,
    run_queued_tasks,
)
from .test_import_export import csv_rows, format_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def promise_with_reports():
    promise = make_promise("Hisings Backa", slug="hisings-backa")
    area = make_focus_area(promise, "Skola")
    period = make_period(promise, name="Våren 2025")
    partner = make_partner("Ellen Keyskolan")
    for n in range(6):
        sub = make_sub_promise(area, partner, title=f"=Dellöfte {n} <b>")
        make_report(sub, period, status="done", achieved=f"Gjort {n}")
    other = make_promise("Angered", slug="angered")
    make_sub_promise(make_focus_area(other, "Trygghet"), make_partner(), title="Trapphus")
    return promise


def post_export(client, model: str, fmt: str, query: str = ""):
    url = reverse(f"admin:{model}_export") + query
    form = client.get(url).context["form"]
    data = {"format": format_index(url, client, fmt), "resource": 0}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    return client.post(url, data, follow=True)


def job_urls(job):
    return (
        reverse("admin:lofte_subpromise_export_job", args=[job.pk]),
        reverse("admin:lofte_subpromise_export_file", args=[job.pk]),
    )


def test_a_big_export_is_prepared_by_a_worker_and_linked_when_ready(
    client, promise_with_reports, db_queue, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    coordinator = make_coordinator(promise_with_reports)
    client.force_login(coordinator)
    response = post_export(client, "lofte_subpromise", "xlsx")
    page = response.content.decode()
    assert "Filen har 6 rader och förbereds." in page
    assert "Filen (6 rader) förbereds…" in page
    assert 'data-state="pending"' in page
    job = ExportJob.objects.get()
    assert (job.state, job.requested_by, job.promise, job.row_count) == (
        "pending",
        coordinator,
        promise_with_reports,
        6,
    )
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    page_url, file_url = job_urls(job)
    assert client.get(file_url).headers["Location"] == page_url

    assert run_queued_tasks() == 1
    page = client.get(page_url).content.decode()
    assert "Filen är klar." in page and file_url in page
    download = client.get(file_url)
    assert download.headers["Content-Disposition"].startswith(
        "attachment; filename*=utf-8''dell%C3%B6ften-"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    titles = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # Only the coordinator's promise, formulas defused, as the inline export does.
    assert sorted(titles) == [f"'=Dellöfte {n} <b>" for n in range(6)]


def test_the_worker_makes_no_file_for_a_user_deactivated_since_asking(
    client, promise_with_reports, db_queue, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    coordinator = make_coordinator(promise_with_reports)
    client.force_login(coordinator)
    post_export(client, "lofte_subpromise", "csv")
    coordinator.is_active = False
    coordinator.save()

    run_queued_tasks()
    job = ExportJob.objects.get()
    assert (job.state, job.content, job.filename) == ("failed", None, "")
    assert job.error == "PermissionDenied: Användaren får inte längre exportera den här listan."


def test_the_worker_keeps_the_lists_filters_and_a_small_export_stays_inline(
    client, promise_with_reports, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    client.force_login(make_coordinator(promise_with_reports))
    response = post_export(client, "lofte_subpromise", "csv", "?q=Dellöfte")
    assert "Filen är klar." in response.content.decode()
    job = ExportJob.objects.get()
    assert job.query == "q=Dell%C3%B6fte"
    rows = csv_rows(client.get(job_urls(job)[1]).content)
    assert len(rows) == 7  # the header and six rows

    response = post_export(client, "lofte_subpromise", "csv", "?q=Dellöfte+1")
    assert "html" not in response["Content-Type"]
    assert len(csv_rows(response.getvalue())) == 2
    assert ExportJob.objects.count() == 1
    # The worker's file is the very file the request would have made.
    settings.EXPORT_INLINE_MAX_ROWS = 100
    inline = post_export(client, "lofte_subpromise", "csv", "?q=Dellöfte")
    assert inline.getvalue() == client.get(job_urls(job)[1]).content


def test_only_the_asker_and_the_promises_coordinators_can_open_it(
    client, promise_with_reports, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    asker = make_coordinator(promise_with_reports)
    client.force_login(asker)
    post_export(client, "lofte_subpromise", "csv")
    job = ExportJob.objects.get()
    urls = job_urls(job)
    outsiders = [
        make_coordinator(make_promise("Tynnered")),
        make_user(is_staff=True),
    ]
    for outsider in outsiders:
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
    client.force_login(make_reporter(make_partner()))
    assert client.get(urls[1]).status_code == 302  # to admin's login: not staff
    client.logout()
    assert reverse("admin:login") in client.get(urls[1]).headers["Location"]
    # The same job under another list's URL names nothing.
    client.force_login(asker)
    other = reverse("admin:parties_partner_export_file", args=[job.pk])
    assert client.get(other).status_code == 404
    client.force_login(make_coordinator(promise_with_reports))
    assert client.get(urls[1]).content.decode("utf-8-sig").startswith("löfte,")


def test_an_export_across_promises_is_the_askers_alone(client, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    first, second = make_promise("Backa"), make_promise("Biskopsgården")
    asker = make_coordinator(first)
    second.coordinators.add(asker)
    for promise in (first, second):
        make_sub_promise(make_focus_area(promise, "Skola"), make_partner())
    client.force_login(asker)
    post_export(client, "lofte_subpromise", "csv")
    job = ExportJob.objects.get()
    assert job.promise is None
    client.force_login(make_coordinator(first))
    assert client.get(job_urls(job)[0]).status_code == 404


def test_files_expire_and_are_deleted(client, promise_with_reports, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    client.force_login(make_coordinator(promise_with_reports))
    post_export(client, "lofte_subpromise", "csv")
    old = ExportJob.objects.get()
    ExportJob.objects.update(finished_at=timezone.now() - datetime.timedelta(days=2))
    for url in job_urls(old):
        assert client.get(url).status_code == 404
    post_export(client, "lofte_subpromise", "csv")
    assert list(ExportJob.objects.values_list("state", flat=True)) == ["ready"]
    assert not ExportJob.objects.filter(pk=old.pk).exists()


def test_a_failed_export_says_why(client, promise_with_reports, settings, monkeypatch):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    client.force_login(make_coordinator(promise_with_reports))

    def broken(*args, **kwargs):
        raise OSError("Disken är full <tmp>")

    monkeypatch.setattr("lofte.admin.SubPromiseAdmin.get_export_data", broken)
    page = post_export(client, "lofte_subpromise", "xlsx").content.decode()
    assert "Filen kunde inte förberedas: OSError: Disken är full &lt;tmp&gt;" in page
    assert ExportJob.objects.get().state == "failed"


@pytest.mark.parametrize("size", [4, 40])
def test_asking_and_waiting_cost_the_same_queries_whatever_the_size(
    client, size, db_queue, settings, django_assert_max_num_queries
):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    promise = make_promise()
    area = make_focus_area(promise, "Skola")
    partner = make_partner()
    for _ in range(size):
        make_sub_promise(area, partner)
    client.force_login(make_coordinator(promise))
    url = reverse("admin:lofte_subpromise_export")
    form = client.get(url).context["form"]
    data = {"format": format_index(url, client, "xlsx"), "resource": 0}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    with django_assert_max_num_queries(14):
        response = client.post(url, data)
    assert response.status_code == 302
    with django_assert_max_num_queries(6):
        page = client.get(response.headers["Location"])
    assert "förbereds…" in page.content.decode()
