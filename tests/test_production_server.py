"""`gunicorn lofte.wsgi` with debug off serves the app whole: pages, hashed and compressed
static files through WhiteNoise, and /healthz over plain HTTP."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import subprocess_database_url, wait_for_other_sessions_to_end

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, **headers):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback http)
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """A production-like server: debug off, HTTPS expected behind a proxy, collected files."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_CONN_MAX_AGE": "0",
        "GUNICORN_ACCESS_LOG": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own server)
        [str(BIN / "gunicorn"), "lofte.wsgi", f"--bind=127.0.0.1:{port}", "--workers=1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            fetch(f"{base}/healthz")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("gunicorn did not start: " + server.communicate()[0][-3000:])
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)
    wait_for_other_sessions_to_end()


def test_gunicorn_serves_a_styled_page_and_healthz_over_plain_http(gunicorn):
    status, _, body = fetch(f"{gunicorn}/healthz")
    assert (status, body) == (200, b"ok")  # not redirected to HTTPS

    status, headers, _ = fetch(f"{gunicorn}/accounts/login/")
    assert status == 301 and headers["Location"].startswith("https://127.0.0.1")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]

    status, _, body = fetch(f"{gunicorn}/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    page = body.decode()
    assert "Logga in" in page
    stylesheet = re.search(
        r'<link rel="stylesheet" href="(/static/css/site\.[0-9a-f]{12}\.css)"', page
    )
    assert stylesheet, "the page links no hashed stylesheet"

    https = {"X-Forwarded-Proto": "https"}
    status, headers, css = fetch(f"{gunicorn}{stylesheet[1]}", **https)
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    assert css == (ROOT / "static" / "css" / "site.css").read_bytes()
    # WhiteNoise's answers carry the security headers too, as do redirects and pages.
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    status, headers, _ = fetch(f"{gunicorn}{stylesheet[1]}", **https, **{"Accept-Encoding": "gzip"})
    assert (status, headers.get("Content-Encoding")) == (200, "gzip")
