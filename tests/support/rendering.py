"""Rendering the template, and reading what it rendered."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier
import yaml
from pytest_copie.plugin import Copie, Result

from tests.support.questionnaire import answers


def copy_template(
    destination: Path,
    template_dir: Path,
    data: Mapping[str, str | bool],
    *,
    vcs_ref: str | None = None,
    tasks: bool = False,
) -> Path:
    """`copier copy` through Copier's API with BASE_ANSWERS + `data`; errors propagate.

    Copier's own API rather than pytest-copie, because only it can skip tasks (the fast tier
    makes no locks) and pick a version of a template's git history (`vcs_ref`).
    """
    copier.run_copy(
        str(template_dir),
        destination,
        data=answers(**data),
        vcs_ref=vcs_ref,
        defaults=True,
        unsafe=True,
        quiet=True,
        skip_tasks=not tasks,
    )
    return destination


def render(destination: Path, template_dir: Path, **overrides: str | bool) -> Path:
    """Render the working tree's template without tasks: the fast tier's one way in."""
    return copy_template(destination, template_dir, overrides)


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
