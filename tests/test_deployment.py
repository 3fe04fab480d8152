"""compose.yaml and the Dockerfile cannot run here (no Docker), so they are held to the docs
(docs/deploying.md, docs/settings.md): the same processes, commands and settings, and the
system packages CI installs."""

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOYING = (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")
SETTINGS = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
# Packages CI needs for testing only: the database server, the browser, PDF-to-text.
TEST_ONLY = {"postgresql", "chromium", "poppler-utils"}


def deploying() -> str:
    """docs/deploying.md up to its first subsection: the processes, steps and settings."""
    return DEPLOYING.split("\n## ", 1)[0]


def command(service: str) -> str:
    return shlex.join(COMPOSE["services"][service]["command"])


def test_compose_runs_postgres_two_web_servers_a_worker_and_a_proxy():
    services = COMPOSE["services"]
    assert set(services) == {"db", "migrate", "web-1", "web-2", "worker", "proxy"}
    assert services["db"]["image"] == "postgres:15"
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["web-1"]["environment"] == services["worker"]["environment"]


def test_compose_commands_are_the_ones_the_deploying_doc_gives():
    text = deploying()
    for web in ("web-1", "web-2"):
        assert command(web) == "gunicorn lofte.wsgi"
    assert "`gunicorn lofte.wsgi`" in text
    assert f"`{command('worker')}`" in text
    for step in command("migrate").split("sh -c ", 1)[1].strip("'").split(" && "):
        assert f"`{step}`" in text, step
    proxy = " ".join(COMPOSE["services"]["proxy"]["command"])
    assert proxy.replace("${SITE_HOST}", "<host>") in text


def test_every_setting_compose_passes_is_documented():
    settings_table = SETTINGS
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", settings_table))
    passed = set(COMPOSE["x-app"]["environment"])
    assert passed - documented == set()
    required = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SITE_URL")
    for name in (*required, "DJANGO_OWNER_NAME"):
        assert name in passed and f"`{name}`" in deploying()


def test_dockerfile_installs_what_ci_installs_for_the_app_and_runs_as_a_user():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    wanted = set(re.search(r"wanted=\(([^)]*)\)", ci)[1].split())
    installed = set(
        re.search(r"apt-get install -y --no-install-recommends \\\n(.*?)&&", DOCKERFILE, re.S)[1]
        .replace("\\", " ")
        .split()
    )
    assert installed == wanted - TEST_ONLY
    assert re.search(r"^FROM debian:12-slim$", DOCKERFILE, re.M)
    assert re.search(r"^USER lofte$", DOCKERFILE, re.M)
    assert "manage.py collectstatic" in DOCKERFILE
    assert 'CMD ["gunicorn", "lofte.wsgi"]' in DOCKERFILE


def test_deploy_check_is_clean_with_the_environment_compose_passes():
    """`manage.py check --deploy`, debug off, with every variable compose.yaml sets (its
    placeholders filled in as an operator would): no issue, not even a warning."""
    from .test_settings import manage

    filled = {
        "POSTGRES_PASSWORD": "db-secret",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-that-is-not-in-the-repo-0123456789",
        "SITE_HOST": "medborgarloften.example.se",
        "OWNER_NAME": "Exempelby kommun",
        "SMTP_HOST": "smtp.example.se",
        "SMTP_USER": "loften",
        "SMTP_PASSWORD": "smtp-secret",
        "MAIL_FROM": "medborgarloften@example.se",
    }
    environment = {
        name: re.sub(r"\$\{(\w+)\}", lambda match: filled[match[1]], str(value))
        for name, value in COMPOSE["x-app"]["environment"].items()
    }
    assert environment["DJANGO_TRUSTED_PROXY_COUNT"] == "1"
    # The check needs no database connection; keep it off the compose host name.
    environment["DATABASE_URL"] = "sqlite:///:memory:"
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="false", **environment
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
