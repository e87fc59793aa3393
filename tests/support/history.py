"""Throwaway git histories of the template, so `copier update` has versions to move between.

A history starts as a snapshot of the working tree's template, tagged v1.0.0; a test then
releases newer versions with the changes it needs. Every edit goes through `replace_once`,
which fails when its anchor is gone: a template change elsewhere must break a test loudly,
never turn it into one that tests nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import yaml

from tests.conftest import snapshot_template
from tests.support.questionnaire import asked
from tests.support.rendering import copy_template
from tests.support.toolchain import run, tool_env


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `path`; fail if there is not exactly one."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"expected {old!r} once in {path}, found {text.count(old)}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def sub_once(path: Path, pattern: str, replacement: str) -> None:
    """`replace_once` for a regular expression (multiline mode)."""
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, f"expected /{pattern}/ once in {path}, found {count}"
    path.write_text(new, encoding="utf-8")


def git(repo: Path, *args: str) -> str:
    return run(["git", *args], repo, env=tool_env()).stdout


@dataclass(frozen=True)
class TemplateHistory:
    """A git repository holding the template, one tag per released version."""

    path: Path

    @classmethod
    def start(cls, destination: Path, tag: str = "v1.0.0") -> TemplateHistory:
        """Snapshot the working tree's template and release it as `tag`."""
        snapshot_template(destination)
        git(destination, "init", "-q", "-b", "main")
        history = cls(destination)
        history.release(tag, lambda _root: None)
        return history

    def release(self, tag: str, change: Callable[[Path], None]) -> None:
        """Apply `change` to the template's files, commit and tag the result."""
        change(self.path)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", f"Release {tag}")
        git(self.path, "tag", tag)

    def config(self) -> dict[str, Any]:
        data = yaml.safe_load((self.path / "copier.yml").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def write_config(self, data: dict[str, Any]) -> None:
        """Rewrite copier.yml from data (comments go; only throwaway versions do this)."""
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
        (self.path / "copier.yml").write_text(text, encoding="utf-8")

    def add_migration(self, migration: dict[str, Any]) -> None:
        """Put a version-specific migration first, where copier.yml says they belong."""
        data = self.config()
        data["_migrations"] = [migration, *data.get("_migrations", [])]
        self.write_config(data)


def evolve(root: Path) -> None:
    """Keel v1.1.0 of the throwaway history: what a template release typically touches.

    Template-owned files (pyproject tool config, README's template sections, .gitignore,
    pre-commit config) change and must reach projects; files the user owns (the example
    module and its test, the changelog) change too and must not.
    """
    template = root / "template"
    replace_once(template / "pyproject.toml.jinja", '  "B",\n  "E",\n', '  "B",\n  "C4",\n  "E",\n')
    replace_once(
        template / "README.md.jinja",
        "## Test, lint, type check\n\n",
        "## Test, lint, type check\n\nCI runs the same three commands on every push.\n\n",
    )
    replace_once(template / ".gitignore.jinja", "*.py[cod]\n", "*.py[cod]\n*.so\n")
    replace_once(
        template / ".pre-commit-config.yaml.jinja",
        "      - id: check-merge-conflict\n",
        "      - id: check-added-large-files\n"
        "        name: refuse large files\n"
        "        entry: check-added-large-files\n"
        "        language: python\n"
        "        additional_dependencies: [pre-commit-hooks==6.0.0]\n"
        "      - id: check-merge-conflict\n",
    )
    package = template / "src" / "{{import_name}}"
    replace_once(package / "core.py", "replace this example", "REPLACE THIS EXAMPLE")
    replace_once(template / "CHANGELOG.md.jinja", "### Added", "### Added in Keel v1.1")
    with (template / "tests" / "test_core.py.jinja").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef test_added_by_keel_v1_1() -> None:\n    assert True\n")


def copy_version(
    history: TemplateHistory, destination: Path, ref: str, *, tasks: bool, **overrides: str
) -> Path:
    """Generate a project from version `ref` of the history, as `copier copy` would."""
    return copy_template(destination, history.path, overrides, vcs_ref=ref, tasks=tasks)


def update(project: Path, ref: str, **data: str) -> None:
    """`copier update --trust --defaults --vcs-ref REF [--data K=V ...]`, through the API."""
    unknown = sorted(set(data) - set(asked()))
    assert not unknown, f"not questions in copier.yml: {unknown}"
    copier.run_update(
        str(project),
        data=data,
        vcs_ref=ref,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
    )
