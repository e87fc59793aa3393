"""Derive the distribution and import names from the human project name.

Copier's Jinja has no regular expressions of its own that we want to depend on, and the
rules (PEP 503 normalisation, Python identifiers) are worth unit-testing in one place.
"""

from __future__ import annotations

import re
import unicodedata

from jinja2 import Environment
from jinja2.ext import Extension

_NON_NAME_RUN = re.compile(r"[^a-z0-9]+")
_PEP503_RUN = re.compile(r"[-_.]+")

# Latin letters that Unicode does not decompose into a base letter plus marks, but whose
# ASCII spelling is not in doubt. Anything else without an ASCII spelling (other scripts,
# symbols) is dropped rather than guessed at.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


def ascii_letters(text: str) -> str:
    """Spell text in ASCII where the spelling is well defined ("Café Straße" -> "Cafe Strasse").

    NFKD splits "é" into "e" plus a combining accent, which is then dropped, and turns
    compatibility forms (full-width letters, ligatures such as "ﬁ") into plain ones. What
    has no ASCII spelling is left as it is, for the caller to drop.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def distribution_name(project_name: str) -> str:
    """Turn "My Café!" into "my-cafe": ASCII, lower case, one dash between words (PEP 503).

    Empty when the name has no letter or digit with an ASCII spelling (e.g. "日本語"); the
    questionnaire then asks for a distribution name instead of deriving one.
    """
    return _NON_NAME_RUN.sub("-", ascii_letters(project_name).lower()).strip("-")


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
