"""What the freshly generated project holds, for messages that report what really happened.

The after-copy message is rendered after the copy's tasks ran: it can say whether the lock
task made the lock instead of telling every user what to do if it did not.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension


def is_existing_file(path: object) -> bool:
    """True when `path` names a file that exists."""
    return isinstance(path, (str, Path)) and Path(path).is_file()


class ProjectFilesExtension(Extension):
    """Jinja test `existing_file`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.tests["existing_file"] = is_existing_file
