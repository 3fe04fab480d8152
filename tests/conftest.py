"""Small builders for test data. Tests make their own data, except the fixture tests."""

import datetime
import itertools
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from followup.models import ReportingPeriod, StatusReport
from lofte.accounts.roles import ensure_coordinator_group
from lofte.models import FocusArea, Promise, Responsibility, SubPromise
from parties.models import Membership, Partner

GOTEBORG = "1480"  # the demo's municipality; tests/test_places.py has others
STOCKHOLM = "0180"  # another municipality, for what must stay apart

_counter = itertools.count(1)


def make_user(username: str | None = None, **fields):
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(
        username=username, password="test-password-1", email=f"{username}@example.org", **fields
    )
    return user


def make_coordinator(promise: Promise, username: str | None = None):
    user = make_user(username, is_staff=True)
    user.groups.add(ensure_coordinator_group())
    promise.coordinators.add(user)
    return user


def make_partner(name: str | None = None, **fields) -> Partner:
    fields.setdefault("municipality_id", GOTEBORG)
    return Partner.objects.create(name=name or f"Partner {next(_counter)}", **fields)


def make_reporter(partner: Partner, username: str | None = None):
    user = make_user(username)
    Membership.objects.create(user=user, partner=partner)
    return user


def make_promise(
    area: str | None = None, municipalities: tuple[str, ...] = (GOTEBORG,), **fields
) -> Promise:
    n = next(_counter)
    area = area or f"Område {n}"
    defaults = {
        "slug": f"omrade-{n}",
        "area": area,
        "name": f"tillsammans för ett tryggare {area}",
        "text": "Löftets text.",
        "organisers": "socialförvaltningen tillsammans med polisen",
        "starts_on": datetime.date(2024, 1, 1),
        "ends_on": datetime.date(2025, 12, 31),
    }
    promise = Promise.objects.create(**{**defaults, **fields})
    promise.municipalities.add(*municipalities)
    return promise


def make_focus_area(promise: Promise, name: str | None = None, **fields) -> FocusArea:
    position = fields.pop("position", promise.focus_areas.count() + 1)
    return FocusArea.objects.create(
        promise=promise, position=position, name=name or f"Fokus {next(_counter)}", **fields
    )


def make_sub_promise(
    focus_area: FocusArea, lead: Partner, *co: Partner, title: str | None = None, **fields
) -> SubPromise:
    position = fields.pop("position", focus_area.sub_promises.count() + 1)
    sub = SubPromise.objects.create(
        focus_area=focus_area,
        position=position,
        title=title or f"Dellöfte {next(_counter)}",
        **fields,
    )
    Responsibility.objects.create(sub_promise=sub, partner=lead, role=Responsibility.Role.LEAD)
    for partner in co:
        Responsibility.objects.create(sub_promise=sub, partner=partner, role=Responsibility.Role.CO)
    focus_area.promise.partners.add(lead, *co)
    return sub


def make_period(promise: Promise, **fields) -> ReportingPeriod:
    defaults = {
        "name": f"Omgång {next(_counter)}",
        "starts_on": datetime.date(2025, 1, 1),
        "deadline": datetime.date(2025, 6, 30),
        "is_open": True,
    }
    return ReportingPeriod.objects.create(promise=promise, **{**defaults, **fields})


def make_report(sub_promise: SubPromise, period: ReportingPeriod, **fields) -> StatusReport:
    fields.setdefault("status", StatusReport.Status.NOT_STARTED)
    return StatusReport.objects.create(sub_promise=sub_promise, period=period, **fields)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite's test database is a file, so that a worker process can open it too."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


if os.environ.get("LOFTE_MUTATION_TEMPLATE_DB"):
    # `make mutate` runs the tests once per mutant, each time in a new pytest session forked
    # from one process: migrating a new database every time would cost more than the tests.
    # The first session migrates a template database; every session (every mutant) then
    # works on its own copy of it, so that two mutants tested at once never share a file.
    @pytest.fixture(scope="session")
    def django_db_setup(django_db_blocker, tmp_path_factory):
        import shutil
        from pathlib import Path

        from django.conf import settings
        from django.db import connections

        template = Path(os.environ["LOFTE_MUTATION_TEMPLATE_DB"])
        database = settings.DATABASES["default"]
        assert database["ENGINE"] == "django.db.backends.sqlite3", "mutation runs use SQLite"
        with django_db_blocker.unblock():
            if not template.exists():
                database.setdefault("TEST", {})["NAME"] = str(template)
                connections["default"].creation.create_test_db(verbosity=0, serialize=False)
                connections["default"].close()
            copy = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
            shutil.copyfile(template, copy)
            connections["default"].close()
            database["NAME"] = connections["default"].settings_dict["NAME"] = str(copy)
        yield


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Queued tasks run where they are queued; tests of the queue itself use `db_queue`.

    Tests run with debug off, where the hashed names of a `collectstatic` left in the
    checkout would be linked; the live server serves the source files by their plain names.

    Passwords the tests set are hashed with a fast hasher: production's PBKDF2 costs a
    quarter of a second a password here, and the suite sets and checks hundreds. Production's
    hashers stay listed, so a hash made by a server or worker process still verifies.
    """
    settings.TASKS = IMMEDIATE_TASKS
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def db_queue(settings):
    """Tasks wait in the database for a worker, as in production."""
    settings.TASKS = DATABASE_TASKS


def subprocess_database_url() -> str:
    """The URL of the test database, for another process."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for_other_sessions_to_end(seconds: float = 10) -> None:
    """After a subprocess used the test database, waits until PostgreSQL has let its
    sessions go, so the test database can be dropped at the end of the run."""
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def run_queued_tasks() -> int:
    """Runs what waits in the database queue, in this process, as `db_worker --batch` would."""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.exclude(status="READY").count()
    # The worker closes connections between tasks; here that would be the test's own,
    # which holds its transaction.
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        _run_batch(db_worker.Worker)
    return DBTaskResult.objects.exclude(status="READY").count() - before


def _run_batch(worker_class) -> None:
    worker_class(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (login-link throttling lives there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hisings_backa(db) -> Promise:
    """The real Hisings Backa fixture's data, as `loaddata` leaves it (its published
    follow-up not yet frozen)."""
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    return Promise.objects.get(slug="hisings-backa-2024-2025")


@pytest.fixture
def published_hisings_backa(hisings_backa) -> Promise:
    """The fixture as `load_demo` leaves it: its follow-up frozen, ready to be served."""
    call_command("freeze_follow_ups", verbosity=0)
    return hisings_backa


# --- Browser tests (pytest-playwright on Debian's Chromium) ----------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless; never a browser downloaded at run time.

    Without it the browser tests skip, except in CI (env CI set), where they fail.
    """
    if not os.path.exists(CHROMIUM):
        message = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A or AA violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()


def is_csp_violation(message) -> bool:
    return "Content Security Policy" in message.text


@pytest.fixture
def page(page):
    """Playwright's page, failing the test when the browser reports a Content-Security-Policy
    violation (an inline script or style, a foreign origin) on any page it opened.

    What the site's markup and scripts do is reported with their URL; code the test itself
    runs through `page.evaluate` (axe-core, which tries styles on elements) has none.
    """
    violations = []

    def watch(message) -> None:
        if is_csp_violation(message) and message.location.get("url"):
            violations.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    yield page
    assert violations == []


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Swedish-speaking browser, as the partners' are."""
    return {**browser_context_args, "locale": "sv-SE"}


@pytest.fixture(scope="session", autouse=True)
def _no_session_outlives_the_test_database(django_db_setup, django_db_blocker):
    """Ends other sessions on the PostgreSQL test database before it is dropped.

    A session opened during the browser tests stays open to the end of the run (seen in
    pg_stat_activity from the first browser test on, idle after a ROLLBACK): the live
    server answers in daemon threads, and one the browser leaves mid-request never closes its
    connection. Without this, dropping the test database fails with "being accessed by other
    users".
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
