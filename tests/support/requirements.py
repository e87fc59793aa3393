"""Reading a pip requirements lock (`requirements.lock`, `requirements-dev.lock`) as pip does.

A setuptools application installs with `pip install --require-hashes`, so its lock promises
that every requirement is pinned to one version and carries the hashes of its files. A
grep for `--hash` proves nothing about each requirement; this reads the file the way pip
does (comments dropped, backslash continuations joined, a requirement's own options after
it) and checks every requirement on its own.

Written here rather than imported: pip's parser is internal to pip, and the few rules a
lock made by `uv pip compile` needs fit in a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

# pip's rule: a comment starts at a `#` that begins the line or follows whitespace, so the
# `#` of a URL fragment (`...#egg=x`) is not one.
COMMENT = re.compile(r"(^|\s+)#.*$")
SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


class LockFormatError(ValueError):
    """A line that is not a requirement with its own options."""


@dataclass(frozen=True)
class LockedRequirement:
    """One requirement of a lock, with the hashes given to it."""

    line: int
    requirement: Requirement
    hashes: tuple[str, ...]

    @property
    def pinned(self) -> bool:
        """Exactly one version: a single `==` (no wildcard) or `===`."""
        specifiers = list(self.requirement.specifier)
        if len(specifiers) != 1 or self.requirement.url:
            return False
        spec = specifiers[0]
        return spec.operator == "===" or (spec.operator == "==" and "*" not in spec.version)


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line, comments removed, blanks skipped.

    A line ending in a backslash continues on the next one, except that a comment line
    ends the logical line it interrupts (as in pip).
    """
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        is_comment = COMMENT.match(raw) is not None
        if raw.endswith("\\") and not is_comment:
            if not parts:
                start = number
            parts.append(raw[:-1])
            continue
        line = COMMENT.sub("", raw)
        if parts:
            joined = COMMENT.sub("", " ".join([*parts, line]))
            first, parts = start, []
        else:
            joined, first = line, number
        if joined.strip():
            yield first, joined.strip()


def parse_lock(path: Path) -> list[LockedRequirement]:
    """Every requirement of a lock file; a line of anything else raises LockFormatError."""
    found = []
    for number, line in logical_lines(path.read_text(encoding="utf-8")):
        words = line.split()
        first_option = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
        text, options = " ".join(words[:first_option]), words[first_option:]
        where = f"{path.name}:{number}"
        if not text:
            raise LockFormatError(f"{where}: `{line}` is not a requirement")
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise LockFormatError(f"{where}: {error}") from None
        hashes = []
        while options:
            option = options.pop(0)
            if option == "--hash" and options:
                hashes.append(options.pop(0))
            elif option.startswith("--hash="):
                hashes.append(option.removeprefix("--hash="))
            else:
                raise LockFormatError(f"{where}: `{option}` is not a requirement's --hash")
        found.append(LockedRequirement(number, requirement, tuple(hashes)))
    return found


def unhashed(path: Path) -> list[str]:
    """What keeps `path` from being a lock pip installs with `--require-hashes`; [] = none.

    Every requirement must be pinned and carry at least one sha256 hash, and every hash
    must be well formed; a lock with no requirement at all is not a lock either.
    """
    try:
        locked = parse_lock(path)
    except LockFormatError as error:
        return [str(error)]
    if not locked:
        return [f"{path.name}: no requirements"]
    problems = []
    for item in locked:
        where = f"{path.name}:{item.line}: {item.requirement.name}"
        if not item.pinned:
            problems.append(f"{where} is not pinned to one version")
        if not any(SHA256.fullmatch(h) for h in item.hashes):
            problems.append(f"{where} has no --hash=sha256:")
        problems += [f"{where}: malformed hash {h}" for h in item.hashes if ":" not in h]
    return problems
