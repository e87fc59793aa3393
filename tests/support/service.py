"""A generated web service (app_interface http) seen from outside: free ports, probes.

The end-to-end and container tiers and scripts/benchmark.py start services and wait for
them through these, always on the loopback, on a port picked when the test runs.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def get(url: str, *, timeout: float = 5, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """GET `url`: its status and its JSON body (an error status is returned, not raised)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_until_answers(
    url: str, alive: Callable[[], bool] | subprocess.Popen[Any], seconds: float = 60
) -> Any:  # noqa: ANN401 - a JSON body
    """Poll `url` until it answers 200 and return its JSON body; fail as soon as the
    server is gone (a process that exited, or `alive()` false) or when time runs out."""
    if isinstance(alive, subprocess.Popen):
        process = alive
        alive = lambda: process.poll() is None  # noqa: E731
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            msg = f"the server stopped before {url} answered"
            raise AssertionError(msg)
        with contextlib.suppress(OSError, ValueError):
            status, body = get(url, timeout=2)
            if status == 200:
                return body
        time.sleep(0.2)
    msg = f"{url} did not answer within {seconds:.0f} s"
    raise AssertionError(msg)
