"""Running a generated project's own tools: interpreters, environments, subprocesses."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

KEEL_BIN = Path(sys.executable).parent


@functools.cache
def python_for(version: str) -> Path | None:
    """An interpreter of `version` (e.g. "3.12"), or None when the machine has none.

    Looks on PATH, then in pyenv's versions (how this project's machines provide them).
    """
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(
        (str(p) for p in pyenv_root.glob(f"versions/{version}.*/bin/python{version}")),
        reverse=True,
    )
    for candidate in candidates:
        if not candidate:
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return Path(candidate)
    return None


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a generated project's tools run in.

    Keel's own environment (with uv, poetry, twine) comes first on PATH; no virtualenv of
    the test runner leaks in; uv never downloads an interpreter; poetry keeps the project's
    environment in .venv (as the generated poetry.toml also says).
    """
    leaks = {"VIRTUAL_ENV", "PYTHONPATH", "PYENV_VERSION"}
    env = {k: v for k, v in os.environ.items() if k not in leaks}
    env["PATH"] = os.pathsep.join([str(KEEL_BIN), env.get("PATH", "")])
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    env["POETRY_NO_INTERACTION"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "Keel Tester"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tester@example.com"
    env.update(extra or {})
    return env


class CommandFailed(AssertionError):
    """A command a test expected to succeed failed; the message carries its output."""


def run(
    args: Sequence[str | Path],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing output; with check=True a failure shows the whole output."""
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=dict(env) if env is not None else tool_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise CommandFailed(
            f"`{' '.join(map(str, args))}` exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result
