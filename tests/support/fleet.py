"""A throwaway fleet: a tagged template history and six repositories generated from it.

The history (tests/support/history.py): v1.0.0 is the working tree, v1.1.0 changes what a
release typically changes (`evolve`), then an unreleased commit and v1.2.0 change one line
each. The repositories are generated from it without copy-time tasks (no locks: a fleet
report is about Copier, not about the tools), in different kinds and tools, at different
commits, some with hand edits an update will conflict with and one with edits it merges.
tests/test_fleet.py asserts what `keel-fleet` says about each; scripts/benchmark.py times it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.history import TemplateHistory, copy_version, evolve, git, replace_once

# What an update to v1.2.0 changes after v1.1.0 (evolve): one line each, so the hand edits
# below know exactly what they overlap with.
UNRELEASED_README = ("every push.\n", "every push and pull request.\n")
V1_2_HOOK_NAME = ("name: refuse large files\n", "name: refuse files over 500 kB\n")
UNRELEASED = "unreleased"
NEWEST = "v1.2.0"


def release_unreleased(root: Path) -> None:
    replace_once(root / "template" / "README.md.jinja", *UNRELEASED_README)


def release_1_2(root: Path) -> None:
    replace_once(root / "template" / ".pre-commit-config.yaml.jinja", *V1_2_HOOK_NAME)


# --- the hand edits ----------------------------------------------------------------------


def write_where_keel_writes(project: Path) -> None:
    """The team documents its test run exactly where v1.1.0 adds a sentence: a conflict."""
    replace_once(
        project / "README.md",
        "## Test, lint, type check\n\n",
        "## Test, lint, type check\n\nRun all three before every push.\n\n",
    )


def rename_the_hook_keel_renames(project: Path) -> None:
    """The team renames the hook v1.2.0 renames: a conflict."""
    replace_once(project / ".pre-commit-config.yaml", V1_2_HOOK_NAME[0], "name: no big files\n")


def edit_apart_from_keel(project: Path) -> None:
    """Template-owned files edited where no release touches them (the update merges them),
    and files the user owns (never drift: an update leaves them alone)."""
    with (project / ".gitignore").open("a", encoding="utf-8") as handle:
        handle.write("/scratch/\n")
    replace_once(
        project / "pyproject.toml",
        'files = ["src", "tests"]\n',
        'files = ["src", "tests"]\nwarn_unreachable = true\n',
    )
    with (project / "src" / "keel_sample" / "core.py").open("a", encoding="utf-8") as handle:
        handle.write('\n\ndef farewell(name: str) -> str:\n    return f"Goodbye, {name}!"\n')
    with (project / "CHANGELOG.md").open("a", encoding="utf-8") as handle:
        handle.write("- Say goodbye.\n")


def edit_the_image(project: Path) -> None:
    """Up to date, but with a hand edit to a template-owned file; the user-owned CLI and a
    file of the team's own do not count."""
    with (project / "Dockerfile").open("a", encoding="utf-8") as handle:
        handle.write('LABEL org.opencontainers.image.vendor="Acme"\n')
    with (project / "src" / "keel_sample" / "cli.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# The console team's own command goes here.\n")
    (project / "NOTES.md").write_text("Our notes.\n", encoding="utf-8")


@dataclass(frozen=True)
class Member:
    """One repository of the fleet: the commit it is generated at, its answers, its edit."""

    ref: str
    kind: str
    tool: str
    python: str
    edit: Callable[[Path], None] | None = None


FLEET = {
    "billing": Member("v1.0.0", "application", "uv", "3.11", write_where_keel_writes),
    "ledger": Member("v1.1.0", "library", "poetry", "3.11", rename_the_hook_keel_renames),
    "reports": Member("v1.0.0", "library", "setuptools", "3.11", edit_apart_from_keel),
    "gateway": Member(UNRELEASED, "library", "uv", "3.11"),
    "console": Member(NEWEST, "application", "poetry", "3.13", edit_the_image),
    "intake": Member(NEWEST, "application", "setuptools", "3.12"),
}


class Fleet:
    """The throwaway template history and the repositories generated from it, lazily."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.history = TemplateHistory.start(root / "keel")
        self.history.release("v1.1.0", evolve)
        release_unreleased(self.history.path)
        git(self.history.path, "commit", "-q", "-am", "Unreleased")
        self.unreleased = git(self.history.path, "rev-parse", "HEAD").strip()
        self.history.release(NEWEST, release_1_2)
        self._built: dict[str, Path] = {}

    def ref(self, member: Member) -> str:
        return self.unreleased if member.ref == UNRELEASED else member.ref

    def recorded(self, name: str) -> str:
        """The `_commit` Copier records for a member: `git describe` of its commit."""
        return git(
            self.history.path, "describe", "--tags", "--always", self.ref(FLEET[name])
        ).strip()

    def __getitem__(self, name: str) -> Path:
        if name not in self._built:
            member = FLEET[name]
            path = copy_version(
                self.history,
                self.root / name,
                self.ref(member),
                tasks=False,
                project_kind=member.kind,
                package_manager=member.tool,
                python_version=member.python,
            )
            git(path, "init", "-q", "-b", "main")
            git(path, "add", "-A")
            git(path, "commit", "-q", "-m", "Start from Keel")
            if member.edit is not None:
                member.edit(path)
                git(path, "add", "-A")
                git(path, "commit", "-q", "-m", "The team's edits")
            self._built[name] = path
        return self._built[name]

    def listing(self) -> Path:
        """Every repository generated, and a file naming them (one a line, relative to it)."""
        names = [str(self[name].relative_to(self.root)) for name in FLEET]
        path = self.root / "fleet.txt"
        path.write_text("# Acme's services\n" + "\n".join([*names, ""]), encoding="utf-8")
        return path
