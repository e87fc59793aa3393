"""The Python versions Keel supports, and the ones a project built from it supports.

copier.yml's `python_version` choices must equal SUPPORTED; a test holds them together.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.ext import Extension

SUPPORTED: tuple[str, ...] = ("3.11", "3.12", "3.13", "3.14")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def pythons_from(minimum: str) -> list[str]:
    """Every supported version from `minimum` up: a library's test matrix."""
    return [v for v in SUPPORTED if _key(v) >= _key(minimum)]


def next_minor(version: str) -> str:
    """3.13 -> 3.14: the exclusive upper bound of an application's one Python."""
    major, minor = _key(version)[:2]
    return f"{major}.{minor + 1}"


class PythonsExtension(Extension):
    """Filters `pythons_from` and `next_minor`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["pythons_from"] = pythons_from
        environment.filters["next_minor"] = next_minor
