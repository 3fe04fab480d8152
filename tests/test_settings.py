"""Production refuses to start half-configured, and passes Django's deployment check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lofte.settings import database_from_url

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-that-is-not-in-the-repo-0123456789",
    "DJANGO_ALLOWED_HOSTS": "medborgarloften.example.se",
    "DJANGO_OWNER_NAME": "Exempelby kommun",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_deploy_check_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def wsgi_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    """Runs `code` after loading the production entry point, as gunicorn does."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-c", f"import lofte.wsgi\nfrom django.conf import settings\n{code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_entry_point_runs_with_debug_off_unless_told():
    configured = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_DEBUG"}
    result = wsgi_settings("print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)", **configured)
    assert result.stdout.strip().splitlines()[-1] == "False True", result.stderr
    # Nothing set at all: it refuses to start rather than run with a key from the repo.
    result = wsgi_settings("print(settings.SECRET_KEY)")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_debug_defaults_on_for_manage_py():
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_database_url_for_postgresql():
    config = database_from_url("postgres://lofte:s%40cret@db.example:6543/lofte_prod")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("lofte_prod", "lofte", "s@cret")
    assert (config["HOST"], config["PORT"]) == ("db.example", "6543")


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "sv"
    assert settings.TIME_ZONE == "Europe/Stockholm"
    assert ("en", "Engelska") in [(code, str(name)) for code, name in settings.LANGUAGES]
