"""Workarounds for machines whose network is narrower than an ordinary CI's.

Everything here changes a *throwaway copy* of a generated project or the test harness's
own setup, never what the template emits. Each workaround switches itself on only when a
probe shows it is needed, so in an ordinary CI (real PyPI, Docker Hub, GitHub) none applies.
Reached in tests only through the `sandbox_workarounds` fixture.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.toolchain import run, tool_env

PYPI_JSON_PROBE = "https://pypi.org/pypi/pip/25.0/json"
PYPI_SIMPLE = "https://pypi.org/simple/"
SANDBOX_SOURCE = "keel-sandbox-pypi"


def pypi_json_api_works(timeout: float = 10) -> bool:
    """Poetry reads PyPI's per-version JSON API; some proxies serve only the simple index."""
    try:
        with urllib.request.urlopen(PYPI_JSON_PROBE, timeout=timeout) as response:
            return "info" in json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, ValueError, OSError):
        return False


@dataclass(frozen=True)
class SandboxWorkarounds:
    """Which workarounds this machine needs, and how to apply them."""

    poetry_simple_index: str | None
    """Set when poetry's implicit PyPI source fails here: the simple index to use instead."""

    @classmethod
    def detect(cls) -> SandboxWorkarounds:
        """Probe the network once per test session."""
        index = os.environ.get("KEEL_POETRY_SIMPLE_INDEX")
        if index is None and not pypi_json_api_works():
            index = PYPI_SIMPLE
        return cls(poetry_simple_index=index or None)

    def prepare_poetry(self, project: Path) -> bool:
        """Give poetry an explicit simple-index source in this copy of the project.

        Why: behind a proxy that serves PyPI's simple index as HTML only, poetry's implicit
        PyPI source fails with JSONDecodeError in `poetry lock` / `poetry install`. An
        explicit primary source makes poetry use the simple index. Returns whether the
        project was changed (then its lock file must be made afresh, in the harness).
        """
        if self.poetry_simple_index is None:
            return False
        run(
            [
                "poetry",
                "source",
                "add",
                "--priority=primary",
                SANDBOX_SOURCE,
                self.poetry_simple_index,
            ],
            project,
            env=tool_env(),
        )
        return True
