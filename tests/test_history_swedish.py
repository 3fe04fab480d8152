"""The history pages in Swedish: labels and choice names, local time, people by name."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import StatusReport

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)

pytestmark = pytest.mark.django_db


def test_report_history_reads_in_swedish_and_local_time(client):
    promise = make_promise("Hisings Backa")
    lead = make_partner("Ellen Keyskolan")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), lead, title="Frukost i skolan")
    report = make_report(sub, make_period(promise), status="in_progress")
    reporter = make_reporter(lead, "ellen")
    reporter.first_name, reporter.last_name = "Ellen", "<Key>"
    reporter.save()
    gone = make_reporter(lead, "borta")

    report.state = StatusReport.State.SUBMITTED
    report.status = StatusReport.Status.DONE
    report.submitted_by = reporter
    report.submitted_at = datetime.datetime(2025, 6, 1, 10, 0, 0, 123456, tzinfo=datetime.UTC)
    report._history_user = reporter
    report.save()
    report.saved_by = gone
    report._history_user = gone
    report.save()
    gone.delete()
    # 10:00 UTC is 12:00 in Stockholm in June.
    for minutes, record in enumerate(report.history.order_by("history_id")):
        record.history_date = datetime.datetime(2025, 6, 1, 10, minutes, tzinfo=datetime.UTC)
        record.save()

    client.force_login(make_coordinator(promise))
    page = client.get(
        reverse("admin:followup_statusreport_history", args=[report.pk])
    ).content.decode()

    assert "Läge:</strong> Utkast &rarr; Inskickad" in page
    assert "Status:</strong> Pågående &rarr; Genomfört" in page
    assert "1 juni 2025 12:01" in page
    assert "Inskickad:</strong> – &rarr; 1 juni 2025 12:00" in page
    assert "123456" not in page
    assert "Ellen &lt;Key&gt;" in page  # who, by name and escaped
    assert "okänd" in page  # the deleted user
    assert "Deleted" not in page and "pk=None" not in page
    assert "draft" not in page.split("<tbody>")[1]
    assert "Skapad" in page and "Ändrad" in page


def test_history_time_is_local_in_winter_too(client):
    promise = make_promise()
    sub = make_sub_promise(make_focus_area(promise), make_partner())
    report = make_report(sub, make_period(promise))
    report.history.update(history_date=datetime.datetime(2025, 1, 15, 23, 30, tzinfo=datetime.UTC))
    client.force_login(make_coordinator(promise))
    page = client.get(
        reverse("admin:followup_statusreport_history", args=[report.pk])
    ).content.decode()
    assert "16 januari 2025 00:30" in page
    assert timezone.get_current_timezone_name() == "Europe/Stockholm"
