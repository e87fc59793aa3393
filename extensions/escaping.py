"""Filters that turn any user text into a literal of the target file's language.

Whatever the user typed (quotes, backslashes, `#`, `: `, non-ASCII letters) must come out
of the rendered file unchanged, so answers never reach TOML or YAML unescaped.
"""

from __future__ import annotations

import json
import re

from jinja2 import Environment
from jinja2.ext import Extension

_TOML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(value: object) -> str:
    """A TOML basic string: `"..."` with TOML's escapes; other control characters as \\uXXXX."""
    out = []
    for ch in str(value):
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(value: object) -> str:
    """A TOML key that reads back as `value`: bare where TOML allows (letters, digits, `-`,
    `_`), quoted otherwise — a bare `my.app` would be the dotted key `my` -> `app`."""
    text = str(value)
    return text if _BARE_KEY.fullmatch(text) else toml_string(text)


def _yaml_printable(ch: str) -> bool:
    """YAML's c-printable set: what may stand unescaped in a YAML file."""
    code = ord(ch)
    return (
        ch in "\t\n\r"
        or 0x20 <= code <= 0x7E
        or code == 0x85
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def yaml_string(value: object) -> str:
    """A YAML double-quoted scalar: JSON's string syntax (a subset of YAML's), with every
    character YAML may not carry raw (DEL, C1 controls...) escaped as \\uXXXX."""
    encoded = json.dumps(str(value), ensure_ascii=False)
    return "".join(ch if _yaml_printable(ch) else f"\\u{ord(ch):04x}" for ch in encoded)


class EscapingExtension(Extension):
    """Filters `toml_str`, `toml_key` and `yaml_str`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["toml_str"] = toml_string
        environment.filters["toml_key"] = toml_key
        environment.filters["yaml_str"] = yaml_string
