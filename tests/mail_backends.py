"""Email backends for tests that run a real worker process (set by DJANGO_EMAIL_BACKEND)."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class Stuck(BaseEmailBackend):
    """A mail server that takes the message and never answers: writes `started` into
    LOFTE_TEST_MAIL_DIR, then waits for a minute (the test kills the worker meanwhile)."""

    def send_messages(self, email_messages):
        Path(os.environ["LOFTE_TEST_MAIL_DIR"], "started").write_text("started")
        time.sleep(60)
        return 0


class ToFolder(BaseEmailBackend):
    """Writes each message, subject first, into LOFTE_TEST_MAIL_DIR."""

    def send_messages(self, email_messages):
        folder = Path(os.environ["LOFTE_TEST_MAIL_DIR"])
        for number, message in enumerate(email_messages):
            path = folder / f"sent-{time.monotonic_ns()}-{number}.txt"
            path.write_text(f"{message.subject}\n{','.join(message.to)}\n{message.body}")
        return len(email_messages)
