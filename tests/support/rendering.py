"""Rendering the template, and reading what it rendered."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import copier
import yaml
from pytest_copie.plugin import Copie, Result

from tests.support.questionnaire import answers


def render(destination: Path, template_dir: Path, **overrides: str) -> Path:
    """Render BASE_ANSWERS + overrides without running tasks (the fast tier makes no locks).

    Copier's own API rather than pytest-copie here, because only it can skip tasks; errors
    propagate, so a failed render can never pass silently.
    """
    copier.run_copy(
        str(template_dir),
        destination,
        data=answers(**overrides),
        defaults=True,
        unsafe=True,
        quiet=True,
        skip_tasks=True,
    )
    return destination


def render_with_copie(copie: Copie, template_dir: Path, **overrides: str) -> Result:
    """Render through pytest-copie, tasks included; the caller asserts on the result."""
    return copie.copy(extra_answers=answers(**overrides), template_dir=template_dir)


def pyproject(project: Path) -> dict[str, Any]:
    """The generated pyproject.toml, parsed."""
    with (project / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def load_yaml(path: Path) -> Any:  # noqa: ANN401 - YAML documents are untyped
    """A generated YAML file, parsed."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def tree(project: Path) -> dict[str, bytes]:
    """Every file under `project` by relative path, for byte-for-byte comparisons."""
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }
