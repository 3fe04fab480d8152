"""Errors are logged once, and mailed to ADMINS, who are set from the environment."""

import logging

import pytest
from django.utils.log import AdminEmailHandler

from .test_settings import PRODUCTION, manage

EMIT = (
    "import logging; "
    "logging.getLogger('django.request').warning('Not Found: /finns-inte/'); "
    "logging.getLogger('django.security.BadInput').warning('Bad Request: /x'); "
    "logging.getLogger('lofte.mail').warning('Mail failed')"
)


@pytest.mark.parametrize("debug", ["true", "false"])
def test_each_warning_is_written_once(debug):
    env = PRODUCTION if debug == "false" else {"DJANGO_DEBUG": "true"}
    result = manage("shell", "-c", EMIT, **env)
    assert result.returncode == 0, result.stderr
    for line in ("Not Found: /finns-inte/", "Bad Request: /x", "Mail failed"):
        assert result.stderr.count(line) == 1, result.stderr


def test_admins_and_server_email_come_from_the_environment():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ADMINS, settings.SERVER_EMAIL)",
        **PRODUCTION,
        DJANGO_ADMINS="Ada Admin <ada@example.se>, drift@example.se",
        DJANGO_SERVER_EMAIL="fel@example.se",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "[('Ada Admin', 'ada@example.se'), ('drift@example.se', 'drift@example.se')] fel@example.se"
    )


def test_a_bad_admins_address_stops_the_start_with_a_clear_message():
    result = manage("check", **PRODUCTION, DJANGO_ADMINS="drift at example")
    assert result.returncode != 0
    assert "DJANGO_ADMINS must be a comma-separated list of email addresses" in result.stderr


def test_server_errors_are_mailed_to_admins_with_debug_off(settings, mailoutbox):
    settings.ADMINS = [("Drift", "drift@example.se")]
    handlers = logging.getLogger("django").handlers
    assert [type(h) for h in handlers] == [AdminEmailHandler]
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Boom", None, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", False)
        handlers[0].handle(record)
    assert [m.to for m in mailoutbox] == [["drift@example.se"]]
    assert "Boom" in mailoutbox[0].subject
