"""copier.yml, read once: the questions, their choices and defaults.

Tests take the answer matrix from here, never from a hand-copied dict, so a new choice in
copier.yml is tested the moment it is added.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COPIER_YML = ROOT / "copier.yml"

# Every answer a test passes starts from these: stable, valid, machine-independent.
BASE_ANSWERS: dict[str, str] = {
    "project_name": "Keel Sample",
    "description": "A sample project rendered by Keel's tests.",
    "author_name": "Keel Tester",
    "author_email": "tester@example.com",
    "repository_org": "keel-org",
    "copyright_year": "2026",
}


@functools.cache
def config() -> dict[str, Any]:
    """The whole of copier.yml."""
    data = yaml.safe_load(COPIER_YML.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def questions() -> dict[str, dict[str, Any]]:
    """Questions and computed values: every key that does not start with `_`."""
    return {k: v for k, v in config().items() if not k.startswith("_")}


def asked() -> dict[str, dict[str, Any]]:
    """Only the questions a user is asked (computed values have `when: false`)."""
    return {k: v for k, v in questions().items() if v.get("when", True) is not False}


def choices(question: str) -> list[Any]:
    """The values a choice question accepts, in copier.yml's order (a bool: both)."""
    spec = questions()[question]
    if spec.get("type") == "bool":
        return [True, False]
    raw = spec["choices"]
    values = raw.values() if isinstance(raw, Mapping) else raw
    return [str(v) for v in values]


def choice_questions() -> list[str]:
    """Names of the asked questions with a closed set of answers (choices or yes/no)."""
    return [
        name for name, spec in asked().items() if "choices" in spec or spec.get("type") == "bool"
    ]


def answers(**overrides: str | bool) -> dict[str, str | bool]:
    """BASE_ANSWERS plus overrides, refusing any key copier.yml does not ask.

    Copier silently ignores unknown keys, so a misspelt key would make a test test nothing.
    """
    merged: dict[str, str | bool] = {**BASE_ANSWERS, **overrides}
    unknown = sorted(set(merged) - set(asked()))
    assert not unknown, f"not questions in copier.yml: {unknown}"
    return merged


def kind_tool_pairs() -> list[tuple[str, str]]:
    """Every project_kind × package_manager pair."""
    return list(itertools.product(choices("project_kind"), choices("package_manager")))


def render_matrix() -> Iterator[dict[str, Any]]:
    """Every kind × tool pair, each with every choice of every other choice question."""
    others = [q for q in choice_questions() if q not in {"project_kind", "package_manager"}]
    seen: set[tuple[tuple[str, Any], ...]] = set()
    for kind, tool in kind_tool_pairs():
        base = {"project_kind": kind, "package_manager": tool}
        variants = [dict(base)] + [
            {**base, question: value} for question in others for value in choices(question)
        ]
        for variant in variants:
            key = tuple(sorted(variant.items()))
            if key not in seen:
                seen.add(key)
                yield variant


def matrix_id(variant: Mapping[str, Any]) -> str:
    """A readable pytest id such as `application-uv-python_version=3.12`."""
    extra = [f"{k}={v}" for k, v in variant.items() if k not in {"project_kind", "package_manager"}]
    return "-".join([variant["project_kind"], variant["package_manager"], *extra])
