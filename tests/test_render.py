"""Fast tier: render every combination and assert on the parsed structure of the output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from validate_pyproject import api as validate_api

from extensions.pythons import SUPPORTED, pythons_from
from tests.support import tools
from tests.support.questionnaire import (
    choices,
    kind_tool_pairs,
    matrix_id,
    questions,
    render_matrix,
)
from tests.support.rendering import load_yaml, pyproject, render, tree

MATRIX = list(render_matrix())


def ruff(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *map(str, args)], capture_output=True, text=True, check=False
    )


def assert_lint_clean(project: Path) -> None:
    """The project as generated passes its own ruff config: no finding, nothing to reformat."""
    check = ruff("check", "--no-cache", project)
    assert check.returncode == 0, check.stdout
    fmt = ruff("format", "--check", "--no-cache", project)
    assert fmt.returncode == 0, fmt.stdout


@pytest.mark.parametrize("variant", MATRIX, ids=[matrix_id(v) for v in MATRIX])
def test_every_combination_renders_a_valid_project(
    tmp_path: Path, template_dir: Path, variant: dict[str, Any]
) -> None:
    project = render(tmp_path / "p", template_dir, **variant)
    kind, tool = variant["project_kind"], variant["package_manager"]
    is_app = kind == "application"
    data = pyproject(project)
    meta = data["project"]

    # Valid pyproject for every tool, with the backend that tool builds with.
    validate_api.Validator()(data)
    assert data["build-system"]["build-backend"] == tools.facts(tool)["build_backend"]

    # Python support: a library from its minimum up, an application on exactly one version.
    python = variant.get("python_version", "3.11" if kind == "library" else "3.13")
    versions = pythons_from(python) if kind == "library" else [python]
    expected_requires = f">={python}" if kind == "library" else f">={python},<"
    assert meta["requires-python"].startswith(expected_requires)
    listed = [c.rsplit(" :: ", 1)[1] for c in meta["classifiers"] if re.search(r":: 3\.\d+$", c)]
    assert listed == versions

    # Lower bounds only, for libraries and applications alike: pins live in the lock.
    for spec in meta["dependencies"] + data["dependency-groups"]["dev"]:
        requirement = Requirement(spec)
        assert all(s.operator == ">=" for s in requirement.specifier), spec

    # Licence metadata (PEP 639) and the proprietary guard.
    proprietary = variant.get("license") == "Proprietary"
    assert ("Private :: Do Not Upload" in meta["classifiers"]) is proprietary
    assert (project / "LICENSE").exists() is not proprietary
    if proprietary:
        assert meta["license"] == "LicenseRef-Proprietary"
        assert "license-files" not in meta
    else:
        assert meta["license"] == variant.get("license", "MIT")
        assert meta["license-files"] == ["LICENSE"]

    # Files by kind and tool.
    package = project / "src" / "keel_sample"
    assert (package / "py.typed").exists() is not is_app
    for app_file in ("cli.py", "__main__.py", "settings.py"):
        assert (package / app_file).exists() is is_app
    assert (project / ".env.example").exists() is is_app
    for other in tools.names():
        for config_file in tools.facts(other)["config_files"]:
            assert (project / config_file).exists() is (other == tool)
    assert ("scripts" in meta) is is_app
    if is_app:
        assert meta["scripts"] == {"keel-sample": "keel_sample.cli:main"}

    # Lock policy: libraries ignore the lock file, applications must not.
    ignored = (project / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert all((name in ignored) is not is_app for name in tools.facts(tool)["lock_files"])

    # Hooks run the project's own tools.
    hooks = load_yaml(project / ".pre-commit-config.yaml")
    system_hooks = [h for r in hooks["repos"] for h in r["hooks"] if h.get("language") == "system"]
    assert {h["id"] for h in system_hooks} == {"ruff-check", "ruff-format", "mypy"}
    assert all(h["entry"].startswith(tools.facts(tool)["hook_run"] + " ") for h in system_hooks)

    # The answers file records exactly what was asked (a question skipped by its `when`,
    # such as `docker` for a library, is not recorded).
    recorded = load_yaml(project / ".copier-answers.yml")
    for key, value in variant.items():
        if key in recorded:
            assert recorded[key] == value
        else:
            assert "when" in questions()[key], key

    # No Jinja left behind, and the project is lint-clean and formatted as generated.
    for path, content in tree(project).items():
        assert b"{{" not in content.replace(b"${{", b""), path  # GitHub's `${{ }}` may stay
        assert b"{%" not in content, path
    assert_lint_clean(project)


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_rendering_is_deterministic(
    tmp_path: Path, template_dir: Path, kind: str, tool: str
) -> None:
    first = render(tmp_path / "a", template_dir, project_kind=kind, package_manager=tool)
    second = render(tmp_path / "b", template_dir, project_kind=kind, package_manager=tool)
    assert tree(first) == tree(second)


def test_python_choices_match_the_extension() -> None:
    assert tuple(choices("python_version")) == SUPPORTED


TRICKY = 'Say "hi": it\'s a \\ back-slash # not a comment — ünïcödé, 日本語'


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_free_text_reaches_every_file_exactly(
    tmp_path: Path, template_dir: Path, kind: str, tool: str
) -> None:
    # Quotes, backslashes and colons are refused in an author name (the Author-email
    # metadata cannot carry them); TRICKY brings them to the same files.
    author = "Zoë O'Brien & Co. #1 — lead"
    project = render(
        tmp_path / "p",
        template_dir,
        project_kind=kind,
        package_manager=tool,
        description=TRICKY,
        author_name=author,
    )
    meta = pyproject(project)["project"]
    assert meta["description"] == TRICKY
    assert meta["authors"] == [{"name": author, "email": "tester@example.com"}]
    recorded = load_yaml(project / ".copier-answers.yml")
    assert recorded["description"] == TRICKY
    assert recorded["author_name"] == author
    assert TRICKY in (project / "README.md").read_text(encoding="utf-8")
    assert_lint_clean(project)


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_long_names_stay_lint_clean(
    tmp_path: Path, template_dir: Path, kind: str, tool: str
) -> None:
    long_name = "Observability Instrumentation Toolkit For Async Clients"
    project = render(
        tmp_path / "p",
        template_dir,
        project_kind=kind,
        package_manager=tool,
        project_name=long_name,
    )
    package = "observability_instrumentation_toolkit_for_async_clients"
    assert (project / "src" / package / "__init__.py").exists()
    assert_lint_clean(project)


@pytest.mark.parametrize("name", ["my.app", "my_app", "My-App"])
def test_every_valid_distribution_name_is_one_toml_key(
    tmp_path: Path, template_dir: Path, name: str
) -> None:
    """A name PEP 508 accepts names the console script as written: `my.app` is one key,
    not the table `my` holding `app`."""
    project = render(
        tmp_path / "p", template_dir, project_kind="application", distribution_name=name
    )
    import_name = load_yaml(project / ".copier-answers.yml")["import_name"]
    assert pyproject(project)["project"]["scripts"] == {name: f"{import_name}.cli:main"}
    assert_lint_clean(project)


def test_conflict_hook_refuses_markers_but_not_heading_underlines(
    tmp_path: Path, template_dir: Path
) -> None:
    """The generated check-merge-conflict hook, run by pre-commit: a reStructuredText or
    Markdown heading underlined with `=======` passes, an update's markers do not."""
    project = render(tmp_path / "p", template_dir)
    (project / "docs").mkdir()
    heading = project / "docs" / "index.rst"
    heading.write_text("Title\n=======\n\nText.\n", encoding="utf-8")
    marked = project / "docs" / "notes.md"
    marked.write_text(
        "<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n",
        encoding="utf-8",
    )
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "check-merge-conflict", "--files"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    clean = subprocess.run(
        [*pre_commit, "docs/index.rst"], cwd=project, capture_output=True, text=True, check=False
    )
    assert clean.returncode == 0, clean.stdout
    dirty = subprocess.run(
        [*pre_commit, "docs/notes.md"], cwd=project, capture_output=True, text=True, check=False
    )
    assert dirty.returncode == 1, dirty.stdout
    assert "docs/notes.md:1:<<<<<<< before updating" in dirty.stdout
    assert "docs/notes.md:5:>>>>>>> after updating" in dirty.stdout
