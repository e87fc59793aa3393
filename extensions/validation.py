"""Jinja tests behind copier.yml's validators.

Each test answers one yes/no question a validator needs and Jinja cannot answer by itself
(is this a keyword, a standard-library module, a PEP 508 name...). The sentences shown to
the user stay in copier.yml, next to the question they belong to.
"""

from __future__ import annotations

import keyword
import re
import sys
from urllib.parse import urlsplit

from jinja2 import Environment
from jinja2.ext import Extension

# PEP 508 "identifier": letters/digits, with . _ - only between them.
_PEP508_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
# Deliberately simple: one @, no spaces, a dot in the domain, nothing odd at either end.
_EMAIL = re.compile(
    r"^[^@\s\"'<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def is_pep508_name(value: object) -> bool:
    """True for a valid distribution name such as "my-project" or "my.project2"."""
    return isinstance(value, str) and bool(_PEP508_NAME.match(value))


def is_identifier(value: object) -> bool:
    """True for an ASCII Python identifier that can name a top-level package."""
    return isinstance(value, str) and value.isascii() and value.isidentifier()


def is_python_keyword(value: object) -> bool:
    """True for a hard keyword (`class`, `import`...), which no module can be named."""
    return isinstance(value, str) and keyword.iskeyword(value)


# CPython's own regression-test package ships with the interpreter but is left out of
# sys.stdlib_module_names; a project package called `test` would still shadow it.
_SHADOWED = sys.stdlib_module_names | {"test"}


def is_stdlib_module(value: object) -> bool:
    """True when a top-level package of that name would shadow a standard-library module."""
    return isinstance(value, str) and value in _SHADOWED


def is_email(value: object) -> bool:
    """True for a plausible single email address."""
    return isinstance(value, str) and bool(_EMAIL.match(value))


def is_https_url(value: object) -> bool:
    """True for an https:// URL with a host and no whitespace."""
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname)


def is_single_line(value: object) -> bool:
    """True when the text has no line break of any kind (core metadata fields are one line)."""
    return (
        isinstance(value, str) and len(value.splitlines()) <= 1 and not value.endswith(("\n", "\r"))
    )


class ValidationExtension(Extension):
    """Registers the Jinja tests used by copier.yml's validators."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.tests["pep508_name"] = is_pep508_name
        environment.tests["identifier"] = is_identifier
        environment.tests["python_keyword"] = is_python_keyword
        environment.tests["stdlib_module"] = is_stdlib_module
        environment.tests["email"] = is_email
        environment.tests["https_url"] = is_https_url
        environment.tests["single_line"] = is_single_line
