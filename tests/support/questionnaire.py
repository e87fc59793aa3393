"""The tests' view of copier.yml: answer helpers over the one model, keel/questionnaire.py.

Tests take the answer matrix from the model, never from a hand-copied dict, so a new choice
in copier.yml is tested the moment it is added.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from keel.questionnaire import ROOT, examples, load

__all__ = [
    "BASE_ANSWERS",
    "ROOT",
    "answers",
    "asked",
    "choice_questions",
    "choices",
    "config",
    "kind_tool_pairs",
    "matrix_id",
    "questions",
    "render_matrix",
]

# Every answer a test passes starts from these (keel/answers.yml `base`).
BASE_ANSWERS: dict[str, str] = {k: str(v) for k, v in examples().base.items()}

# The two answers every scenario names; the matrix varies the others one at a time.
PIVOTS = ("project_kind", "package_manager")


def config() -> Mapping[str, Any]:
    """The whole of copier.yml."""
    return load().config


def questions() -> dict[str, Mapping[str, Any]]:
    """Every question as written in copier.yml (computed values included)."""
    return {name: q.spec for name, q in load().questions.items()}


def asked() -> dict[str, Mapping[str, Any]]:
    """Only the questions a user is asked (a computed value has `when: false`)."""
    return {name: q.spec for name, q in load().asked.items()}


def choices(question: str) -> list[Any]:
    """The values a choice question accepts, in copier.yml's order (a bool: both)."""
    q = load().questions[question]
    return q.values() if q.type == "bool" else [str(v) for v in q.values()]


def choice_questions() -> list[str]:
    """Names of the asked questions with a closed set of answers (choices or yes/no)."""
    return [name for name, q in load().asked.items() if q.closed]


def answers(**overrides: str | bool) -> dict[str, str | bool]:
    """BASE_ANSWERS plus overrides, refusing any key copier.yml does not ask.

    Copier silently ignores unknown keys, so a misspelt key would make a test test nothing.
    """
    merged: dict[str, str | bool] = {**BASE_ANSWERS, **overrides}
    unknown = sorted(set(merged) - set(load().asked))
    assert not unknown, f"not questions in copier.yml: {unknown}"
    return merged


def kind_tool_pairs() -> list[tuple[str, str]]:
    """Every project_kind × package_manager pair."""
    return list(itertools.product(*(choices(pivot) for pivot in PIVOTS)))


def render_matrix() -> Iterator[dict[str, Any]]:
    """Every kind × tool pair, each with every choice of every other choice question."""
    others = [q for q in choice_questions() if q not in PIVOTS]
    seen: set[tuple[tuple[str, Any], ...]] = set()
    for pair in kind_tool_pairs():
        base = dict(zip(PIVOTS, pair, strict=True))
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
    extra = [f"{k}={v}" for k, v in variant.items() if k not in PIVOTS]
    return "-".join([variant["project_kind"], variant["package_manager"], *extra])
