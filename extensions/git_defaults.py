"""Defaults taken from the machine: the user's git identity and the current year.

Only defaults come from here; answers are stored, so `copier update` never re-reads them.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess

from jinja2 import Environment
from jinja2.ext import Extension


def git_config(key: str, fallback: str) -> str:
    """`git config --get KEY`, or `fallback` when git or the setting is missing."""
    git = shutil.which("git")
    if git is None:
        return fallback
    try:
        result = subprocess.run(
            [git, "config", "--get", key], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return fallback
    value = result.stdout.strip()
    return value if result.returncode == 0 and value else fallback


def current_year() -> str:
    """This year, for the copyright line."""
    return str(datetime.datetime.now(tz=datetime.UTC).year)


class GitDefaultsExtension(Extension):
    """Globals `git_config(key, fallback)` and `current_year()`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["git_config"] = git_config
        environment.globals["current_year"] = current_year
