"""A production start begins with no promise: the documented deploy steps load no demo data,
the start page says that nothing is published yet, and the site's owner is a placeholder
until it is named. The demo is loaded on purpose (`manage.py load_demo`, `make demo`,
`make run`)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from followup.models import FollowUp
from lofte.models import Promise
from parties.models import Partner, Publisher

from .test_settings import PRODUCTION, manage

ROOT = Path(__file__).resolve().parent.parent
DEPLOYING = (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# What docs/deploying.md tells an operator to run on every deploy, in its order.
DEPLOY_STEPS = ["migrate --noinput", "setup_roles", "collectstatic --noinput"]
HOST = PRODUCTION["DJANGO_ALLOWED_HOSTS"]

# Run in the production process after the steps: what the database holds, and the start
# page as a citizen gets it over HTTPS.
READ_BACK = f"""
from django.test import Client
from lofte.models import Promise
from parties.models import Partner, Publisher
response = Client().get("/", secure=True, headers={{"host": "{HOST}"}})
print(Promise.objects.count(), Partner.objects.count(), Publisher.objects.count())
print(response.status_code)
print(response.content.decode())
"""


def recipe(target: str) -> tuple[str, list[str]]:
    """A Makefile target's prerequisites and its commands."""
    match = re.search(rf"^{target}:([^\n=]*)\n((?:\t[^\n]*\n)*)", MAKEFILE, re.M)
    assert match, target
    commands = [line.strip().replace("$(MANAGE)", "manage.py") for line in match[2].splitlines()]
    return match[1].strip(), commands


def test_the_documented_deploy_steps_leave_no_demo_data_and_a_friendly_empty_site(tmp_path):
    for step in DEPLOY_STEPS:
        assert f"`python manage.py {step}`" in DEPLOYING, step
    env = {
        **{k: v for k, v in PRODUCTION.items() if k != "DJANGO_OWNER_NAME"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    for step in DEPLOY_STEPS:
        result = manage(*step.split(), **env)
        assert result.returncode == 0, (step, result.stderr[-3000:])

    result = manage("shell", "--no-imports", "-c", READ_BACK, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    counts, status, body = result.stdout.split("\n", 2)
    assert counts == "0 0 0"  # no promise, no partner, no publisher
    assert status == "200"
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert "Inget löfte är publicerat här än" in text
    assert "python manage.py load_demo" in text
    for demo in ("Hisings", "Backa", "Göteborg", "goteborg.se", "lokalpolisområde"):
        assert demo not in body, demo
    # The owner is a placeholder that tells the operator what to set.
    assert "Utgiven av Webbplatsens ägare (ange DJANGO_OWNER_NAME)" in text


def test_production_warns_until_the_owner_is_named():
    unnamed = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_OWNER_NAME"}
    result = manage("check", "--fail-level", "WARNING", **unnamed)
    assert result.returncode != 0
    assert "lofte.W001" in result.stderr and "DJANGO_OWNER_NAME is not set" in result.stderr
    result = manage("check", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    # A developer's checkout (debug on) is not nagged.
    result = manage("check", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_the_owner_defaults_name_no_organisation():
    code = (
        "from django.conf import settings; "
        "print(repr((settings.OWNER_NAME, settings.OWNER_URL, settings.OWNER_ADDRESS)))"
    )
    result = manage("shell", "--no-imports", "-c", code)
    assert result.stdout.strip() == repr(("Webbplatsens ägare (ange DJANGO_OWNER_NAME)", "", ""))


def test_make_setup_is_the_deploy_steps_and_only_the_demo_targets_load_the_demo():
    _needs, setup = recipe("setup")
    assert setup == [f"manage.py {step}" for step in DEPLOY_STEPS[:2]] + [
        "manage.py collectstatic --noinput --verbosity 0"
    ]
    needs, demo = recipe("demo")
    assert needs == "setup" and demo == ["manage.py load_demo --verbosity 0"]
    assert recipe("run")[0] == "demo"
    assert recipe("serve")[0] == "setup"
    assert recipe("test")[0] == "setup"
    # The image and compose's deploy step load nothing either.
    for name in ("Dockerfile", "compose.yaml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "loaddata" not in text and "load_demo" not in text, name
    # `make run` names the demo's owner; the demo targets alone do.
    exports = re.findall(r"^(.*): export (DJANGO_OWNER_\w+) \?= (.*)$", MAKEFILE, re.M)
    assert {(targets, name) for targets, name, _value in exports} == {
        ("run demo", "DJANGO_OWNER_NAME"),
        ("run demo", "DJANGO_OWNER_URL"),
        ("run demo", "DJANGO_OWNER_ADDRESS"),
    }


@pytest.mark.django_db
def test_load_demo_loads_the_demo_and_freezes_its_follow_up_once():
    assert not Promise.objects.exists()
    call_command("load_demo", verbosity=0)
    promise = Promise.objects.get(slug="hisings-backa-2024-2025")
    assert list(promise.municipalities.values_list("code", flat=True)) == ["1480"]
    assert Partner.objects.count() == 27
    assert Publisher.objects.count() == 2
    follow_up = FollowUp.objects.get()
    assert follow_up.is_frozen and bytes(follow_up.published_pdf).startswith(b"%PDF")
    frozen_at = (follow_up.etag, bytes(follow_up.published_pdf))
    call_command("load_demo", verbosity=0)  # again: nothing doubles, nothing renders again
    assert Promise.objects.count() == 1 and Partner.objects.count() == 27
    follow_up.refresh_from_db()
    assert (follow_up.etag, bytes(follow_up.published_pdf)) == frozen_at
