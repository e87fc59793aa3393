"""`copier update`'s rules as Keel's tools read them: which files the user owns, and which
files an update left conflicted.

One home for both, so the update tier's tests and `keel-fleet` cannot disagree with each
other or with Copier: ownership is rendered from copier.yml by the one model of it
(keel/questionnaire.py) and matched with pathspec, as Copier matches its path patterns.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import pathspec

from keel import questionnaire

# Copier's inline conflict markers (`--conflict inline`, its default) and their labels.
CONFLICT_MARKERS: Final = re.compile(r"^(<<<<<<<|>>>>>>>) (before|after) updating", re.MULTILINE)
OWNING_SETTINGS: Final = ("_exclude", "_skip_if_exists")


def owned_patterns(template: Path) -> dict[str, list[str]]:
    """copier.yml's files the user owns, by setting, as Copier reads them during an update.

    `_exclude` entries that apply only on update (the rest are never rendered at all), and
    every `_skip_if_exists` entry. Rendered by the one model of copier.yml, so the generated
    reference, the update tier and the fleet report cannot read it differently.
    """
    keel = questionnaire.load(template)
    on_copy = set(keel.patterns("_exclude", "copy"))
    return {
        "_exclude": [p for p in keel.patterns("_exclude", "update") if p not in on_copy],
        "_skip_if_exists": keel.patterns("_skip_if_exists", "update"),
    }


def matching(patterns: Iterable[str], paths: Iterable[str]) -> list[str]:
    """The paths any of these Copier path patterns selects (gitignore rules, as Copier's)."""
    spec = pathspec.PathSpec.from_lines("gitignore", list(patterns))
    return sorted(path for path in paths if spec.match_file(path))


def user_owned(template: Path, paths: Iterable[str]) -> list[str]:
    """Which of `paths` (relative to a generated project) the template at `template` leaves
    to the user on update; every other file it renders is the template's."""
    owned = owned_patterns(template)
    return matching([p for found in owned.values() for p in found], paths)


def _git_lines(project: Path, *args: str) -> list[str]:
    result = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True)
    return [line for line in result.stdout.split("\0" if "-z" in args else "\n") if line]


def conflicted_files(project: Path) -> list[str]:
    """Files an update left unresolved: unmerged in git, holding conflict markers, or a
    `*.rej` (Copier's `--conflict rej`), among git's non-ignored files."""
    listed = _git_lines(project, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    unmerged = _git_lines(project, "diff", "--name-only", "--diff-filter=U", "-z")
    found = set(unmerged)
    for name in set(listed):
        path = project / name
        marked = path.is_file() and CONFLICT_MARKERS.search(path.read_text("utf-8", "replace"))
        if name.endswith(".rej") or marked:
            found.add(name)
    return sorted(found)
