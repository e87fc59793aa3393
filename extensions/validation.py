"""Jinja tests behind copier.yml's validators.

Each test answers one yes/no question a validator needs and Jinja cannot answer by itself
(is this a keyword, a standard-library module, a PEP 508 name...). The sentences shown to
the user stay in copier.yml, next to the question they belong to.

Every pattern is matched with `fullmatch`: `re.match` with `$` also accepts a trailing
newline, which would then reach pyproject.toml or a metadata header.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import keyword
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from copier.errors import UserMessageError
from jinja2 import Environment
from jinja2.ext import Extension

# PEP 508 "identifier": letters/digits, with . _ - only between them.
_PEP508_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)
# Deliberately simple: one @, no spaces, a dot in the domain, nothing odd at either end.
_EMAIL = re.compile(
    r"[^@\s\"'<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_YEAR = re.compile(r"[0-9]{4}")
# A copyright line names a year of the computer era, and not one after next year (a copy
# made on 31 December in one time zone may already be next year's elsewhere).
FIRST_YEAR = 1970

# Longest distribution and import name Keel accepts. The generated code keeps to its own
# line length (88) for names up to 58 characters (measured: at 60 an application's imports
# no longer fit on a line); the rest is room for Keel's templates to grow.
# tests/test_validation.py renders a project at this length and lint-checks it.
NAME_LIMIT = 55
# Longest project name: a human title, not a paragraph (it also starts the description).
PROJECT_NAME_LIMIT = 100
# PyPI refuses a Summary (the description) longer than this.
SUMMARY_LIMIT = 512

# Characters no answer may carry: C0 and C1 controls and DEL (category Cc; line breaks have
# their own, earlier sentence), lone surrogates (Cs, which cannot be written as UTF-8), and
# the bidirectional embedding, override and isolate controls that make text read
# differently from how it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Characters that are punctuation in an email address list (RFC 5322 "specials", less the
# dot, which a display name may carry unquoted). uv_build writes "name <email>" into the
# Author-email field without quoting the name, so a name holding one reads back as other
# names or addresses ("Doe, John" as two); poetry-core splits the name at "<" and ">".
# Measured by building each backend's wheel (tests/test_e2e_awkward.py keeps it so).
_ADDRESS_PUNCTUATION = frozenset(',"\\()<>[]:;@')

# Values that mean yes or no to a bool question when given as data (`--data`, a data file).
# Copier itself turns any other text into True ("maybe" means yes), so Keel refuses it.
_YES_NO = frozenset({"true", "false", "yes", "no", "y", "n", "on", "off", "1", "0"})


def _load_stdlib_modules() -> dict[str, frozenset[str]]:
    """Each supported Python's standard-library modules, from stdlib_modules.json.

    The file lives next to this one and is regenerated from the interpreters themselves by
    scripts/stdlib_modules.py; a test checks it against every interpreter on the machine.
    """
    data = json.loads(Path(__file__).with_name("stdlib_modules.json").read_text("utf-8"))
    return {version: frozenset(names) for version, names in data.items()}


STDLIB_MODULES = _load_stdlib_modules()
# CPython's own regression-test package ships with the interpreter but is left out of
# sys.stdlib_module_names; a project package called `test` would still shadow it. The
# union: a library supports every version from its minimum up, and the import name is
# asked before the Python version.
_SHADOWED = frozenset().union(*STDLIB_MODULES.values()) | {"test"}


def _load_collisions() -> ModuleType:
    """collisions.py, by path (Copier loads extensions by path; extensions/ is no package)."""
    spec = importlib.util.spec_from_file_location(
        "keel_collisions", Path(__file__).with_name("collisions.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COLLISIONS = _load_collisions()
# The running program is always the module `__main__` (sys.modules has it before anything
# is imported), so a package of that name can never be imported.
MAIN_MODULE = "__main__"


def is_pep508_name(value: object) -> bool:
    """True for a valid distribution name such as "my-project" or "my.project2"."""
    return isinstance(value, str) and bool(_PEP508_NAME.fullmatch(value))


def is_identifier(value: object) -> bool:
    """True for an ASCII Python identifier that can name a top-level package."""
    return isinstance(value, str) and value.isascii() and value.isidentifier()


def is_python_keyword(value: object) -> bool:
    """True for a hard keyword (`class`, `import`...), which no module can be named."""
    return isinstance(value, str) and keyword.iskeyword(value)


def is_stdlib_module(value: object) -> bool:
    """True when a top-level package of that name would shadow a standard-library module
    on any Python Keel supports."""
    return isinstance(value, str) and value in _SHADOWED


def is_main_module(value: object) -> bool:
    """True for `__main__`, the name Python gives the running program."""
    return value == MAIN_MODULE


def is_layout_name(value: object) -> bool:
    """True for the name of a folder of the generated project that holds Python code
    (`tests`): pytest imports its modules under that name, so the package would clash."""
    return isinstance(value, str) and value in _COLLISIONS.layout_names()


def taken_distribution(value: object) -> str:
    """What already has this distribution name (PEP 503 normalised): "pytest (a development
    tool of Keel's projects)"; empty when nothing has."""
    taker = _COLLISIONS.distribution_taker(value)
    return f"{taker.name} ({taker.role})" if taker else ""


def taken_module(value: object) -> str:
    """Whose top-level module this import name is: "pydantic (a dependency of
    pydantic-settings)"; empty when no distribution of the project's installs it."""
    taker = _COLLISIONS.module_taker(value)
    return f"{taker.name} ({taker.role})" if taker else ""


def is_taken_distribution(value: object) -> bool:
    """True when a project of this name could not be locked or installed next to what it
    installs or runs (see collisions.py)."""
    return bool(taken_distribution(value))


def is_taken_module(value: object) -> bool:
    """True when a package of this name would shadow a module of the project's environment."""
    return bool(taken_module(value))


def is_import_name(value: object) -> bool:
    """True for an import name every validator accepts: the questionnaire offers a derived
    import name as the default only when this holds (Copier checks defaults before asking)."""
    return (
        is_identifier(value)
        and not is_python_keyword(value)
        and not is_stdlib_module(value)
        and not is_main_module(value)
        and not is_layout_name(value)
        and not is_taken_module(value)
        and len(str(value)) <= NAME_LIMIT
    )


def is_distribution_name(value: object) -> bool:
    """True for a distribution name the validator accepts (see is_import_name)."""
    return (
        is_pep508_name(value) and not is_taken_distribution(value) and len(str(value)) <= NAME_LIMIT
    )


def is_email(value: object) -> bool:
    """True for a plausible single email address."""
    return isinstance(value, str) and bool(_EMAIL.fullmatch(value))


def is_https_url(value: object) -> bool:
    """True for an https:// URL with a host and no whitespace."""
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme == "https" and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed "[" in the host
        return False


def has_credentials(value: object) -> bool:
    """True when a URL carries a user name or password (`https://user:token@host/...`)."""
    if not isinstance(value, str):
        return False
    try:
        return "@" in urlsplit(value).netloc
    except ValueError:
        return False


def has_backslash(value: object) -> bool:
    """True when the text holds a backslash: browsers read one in a URL as `/`, so
    `https://evil.example\\@github.com/x` leads to evil.example, not github.com."""
    return isinstance(value, str) and "\\" in value


def is_single_line(value: object) -> bool:
    """True when the text has no line break of any kind (core metadata fields are one line)."""
    return (
        isinstance(value, str) and len(value.splitlines()) <= 1 and not value.endswith(("\n", "\r"))
    )


def has_control_characters(value: object) -> bool:
    """True when the text holds a character no answer may carry (see _BIDI_CONTROLS)."""
    return isinstance(value, str) and any(
        unicodedata.category(ch) in {"Cc", "Cs"} or ch in _BIDI_CONTROLS for ch in value
    )


def address_punctuation(value: object) -> str:
    """The first character of an author name that is punctuation in an address list
    (see _ADDRESS_PUNCTUATION); empty when there is none."""
    if not isinstance(value, str):
        return ""
    return next((ch for ch in value if ch in _ADDRESS_PUNCTUATION), "")


def has_address_punctuation(value: object) -> bool:
    """True when an author name holds a character uv_build's Author-email would misplace."""
    return bool(address_punctuation(value))


def has_encoded_word(value: object) -> bool:
    """True when the text holds "=?", which opens an RFC 2047 encoded word: an email parser
    decodes "=?utf-8?q?x?=" to "x", so a name holding one would read back changed."""
    return isinstance(value, str) and "=?" in value


def has_edge_space(value: object) -> bool:
    """True when the text starts or ends with a space, which a metadata header drops."""
    return isinstance(value, str) and value != value.strip(" ")


def has_double_space(value: object) -> bool:
    """True for two spaces in a row, which an address header folds into one."""
    return isinstance(value, str) and "  " in value


def is_author_name(value: object) -> bool:
    """True for an author name every validator accepts (git's user.name is offered as the
    default only then: Copier checks a default before asking)."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and is_single_line(value)
        and not has_control_characters(value)
        and not has_address_punctuation(value)
        and not has_encoded_word(value)
        and not has_edge_space(value)
        and not has_double_space(value)
    )


def has_letter_or_digit(value: object) -> bool:
    """True when the text has a letter or digit in any script ("日本語" has; "!!!" has not)."""
    return isinstance(value, str) and any(ch.isalnum() for ch in value)


def last_copyright_year() -> int:
    """The latest year a copyright line may name: next year."""
    return datetime.datetime.now(tz=datetime.UTC).year + 1


def is_copyright_year(value: object) -> bool:
    """True for a year in four ASCII digits from FIRST_YEAR to next year.

    Not str.isdigit(): that also accepts other scripts' digits ("٢٠٢٦"), which no licence
    tool reads as a year.
    """
    return (
        isinstance(value, str)
        and bool(_YEAR.fullmatch(value))
        and FIRST_YEAR <= int(value) <= last_copyright_year()
    )


def is_yes_or_no(value: object) -> bool:
    """True for a value that plainly means yes or no (a bool, 0/1, "true", "no", "on"...)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value in {0, 1}
    return isinstance(value, str) and value.strip().lower() in _YES_NO


def given_answer(conf: Mapping[str, object], question: str) -> object:
    """The answer to `question` exactly as given (`--data`, a data file, the API's
    user_defaults), before Copier casts it to the question's type; None if none was given.

    A validator sees only the cast value, and the cast hides what went wrong: Copier reads
    any text as yes for a bool, and YAML has already read an unquoted 3.10 as 3.1.
    """
    for source in ("data", "user_defaults"):
        answers = conf.get(source) or {}
        if isinstance(answers, Mapping) and answers.get(question) is not None:
            return answers[question]
    return None


def lost_trailing_zero(value: object) -> bool:
    """True for a number YAML read from a version with a trailing zero (3.10 -> 3.1)."""
    return isinstance(value, float) and len(repr(value).partition(".")[2]) == 1


def refuse(message: str) -> None:
    """Stop the questionnaire with `message`, for a problem Copier finds before any
    validator runs (it prints a UserMessageError as one line, without a traceback)."""
    raise UserMessageError(message)


class ValidationExtension(Extension):
    """Registers the Jinja tests used by copier.yml's validators, and their limits."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.tests["pep508_name"] = is_pep508_name
        environment.tests["identifier"] = is_identifier
        environment.tests["python_keyword"] = is_python_keyword
        environment.tests["stdlib_module"] = is_stdlib_module
        environment.tests["import_name"] = is_import_name
        environment.tests["main_module"] = is_main_module
        environment.tests["layout_name"] = is_layout_name
        environment.tests["taken_distribution"] = is_taken_distribution
        environment.tests["taken_module"] = is_taken_module
        environment.filters["taken_distribution"] = taken_distribution
        environment.filters["taken_module"] = taken_module
        environment.tests["distribution_name"] = is_distribution_name
        environment.tests["email"] = is_email
        environment.tests["https_url"] = is_https_url
        environment.tests["with_credentials"] = has_credentials
        environment.tests["with_backslash"] = has_backslash
        environment.tests["single_line"] = is_single_line
        environment.tests["with_control_characters"] = has_control_characters
        environment.tests["with_letter_or_digit"] = has_letter_or_digit
        environment.tests["with_address_punctuation"] = has_address_punctuation
        environment.filters["address_punctuation"] = address_punctuation
        environment.tests["with_encoded_word"] = has_encoded_word
        environment.tests["with_edge_space"] = has_edge_space
        environment.tests["with_double_space"] = has_double_space
        environment.tests["author_name"] = is_author_name
        environment.tests["plausible_year"] = is_copyright_year
        environment.tests["yes_or_no"] = is_yes_or_no
        environment.globals["name_limit"] = NAME_LIMIT
        environment.globals["project_name_limit"] = PROJECT_NAME_LIMIT
        environment.globals["summary_limit"] = SUMMARY_LIMIT
        environment.globals["first_copyright_year"] = FIRST_YEAR
        environment.globals["given_answer"] = given_answer
        environment.globals["refuse"] = refuse
        environment.tests["lost_trailing_zero"] = lost_trailing_zero
