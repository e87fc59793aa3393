"""Derive the distribution and import names from the human project name.

Copier's Jinja has no regular expressions of its own that we want to depend on, and the
rules (PEP 503 normalisation, Python identifiers) are worth unit-testing in one place.
"""

from __future__ import annotations

import re

from jinja2 import Environment
from jinja2.ext import Extension

_NON_NAME_RUN = re.compile(r"[^a-z0-9]+")
_PEP503_RUN = re.compile(r"[-_.]+")


def distribution_name(project_name: str) -> str:
    """Turn "My Project!" into "my-project": lower case, one dash between words (PEP 503)."""
    return _NON_NAME_RUN.sub("-", project_name.lower()).strip("-")


def pep503_normalize(name: str) -> str:
    """Normalise an existing distribution name exactly as PEP 503 does."""
    return _PEP503_RUN.sub("-", name).lower()


def import_name(distribution: str) -> str:
    """Turn a distribution name into the matching import name ("my-project" -> "my_project")."""
    return _PEP503_RUN.sub("_", distribution).lower()


class NamesExtension(Extension):
    """Filters `distribution_name`, `pep503_normalize` and `import_name`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["distribution_name"] = distribution_name
        environment.filters["pep503_normalize"] = pep503_normalize
        environment.filters["import_name"] = import_name
