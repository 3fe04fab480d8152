"""The load test runs end to end with a few users for a few seconds, so that it does not rot."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_ports(count: int) -> list[int]:
    """Ports the system has just handed out as free: no fixed port, so that two runs of the
    suite on one machine do not send their users to each other's servers."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def test_loadtest_smoke_checks_the_database():
    ports = ",".join(str(port) for port in free_ports(2))
    result = subprocess.run(  # noqa: S603 (our own module; the ports are numbers)
        [sys.executable, "-m", "loadtest.run", "--smoke", "--ports", ports],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "database check: every report holds its last acknowledged text" in result.stdout
    assert "'5xx'" not in result.stdout
