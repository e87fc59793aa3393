"""The per-tool table (tools/tools.toml), as every test reads it.

Tests take a tool's commands, files and backend from here, through the same
extensions/derived.py the template renders with, so no test restates a tool's facts: a new
row in the table is tested the moment it is added.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from typing import Any

from extensions import derived

# The answers that fill a command's `{field}`s in the tests' sample project.
SAMPLE_FIELDS = {"distribution_name": "keel-sample", "import_name": "keel_sample"}


def names() -> list[str]:
    """Every package manager Keel knows, in the table's order."""
    return list(derived.table())


def facts(tool: str, python_version: str = "3.13", **fields: str) -> dict[str, Any]:
    """Row `tool` of the table with its commands filled in, as a generated project has them."""
    answers: Mapping[str, str] = {**SAMPLE_FIELDS, "python_version": python_version, **fields}
    return derived.manager_facts(tool, answers)


def install_lines(tool: str, *, locked: bool, python_version: str = "3.13") -> list[str]:
    """The README's development install: locked for an application, plain for a library."""
    row = facts(tool, python_version)
    return list(row["install_locked"] if locked else row["install"])


def all_lock_files() -> set[str]:
    """Every lock file any tool writes (a switch of tool retires the old tool's)."""
    return {name for row in derived.table().values() for name in row["lock_files"]}


def command_heads(tool: str) -> set[tuple[str, ...]]:
    """The first two words of every command line `tool`'s projects run (install, lock, build,
    run), for telling one tool's commands from another's."""
    row = facts(tool)
    lines = [*row["install"], *row["install_locked"], *row["lock"], *row["build"]]
    lines += [row["run"], row["run_pre_commit"], *row["check_lock"], *row["lowest"]]
    return {tuple(line.split()[:2]) for line in lines}


def foreign_heads(tool: str) -> set[tuple[str, ...]]:
    """Other tools' command heads that `tool`'s projects never run."""
    others = set().union(*(command_heads(other) for other in names() if other != tool))
    return others - command_heads(tool)


@functools.cache
def expectations(tool: str) -> dict[str, Any]:
    """tools/<tool>/expect.toml: what the tests expect of the tool's own stanzas."""
    with (derived.TABLE.parent / tool / "expect.toml").open("rb") as handle:
        return tomllib.load(handle)
