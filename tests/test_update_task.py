"""tasks/update.py: Keel's steps on every `copier update`, run the way copier.yml runs them.

The update tier (tests/test_update.py) shows the steps through real updates; these tests
pin what only a direct run can: the order, that a failed answers check stops the steps after
it, and that every optional step must be named either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.questionnaire import ROOT
from tests.support.toolchain import run, tool_env

TASK = ROOT / "tasks" / "update.py"
ANSWERS = "# NEVER EDIT\n_commit: v1.0.0\npackage_manager: {tool}\nlicense: MIT\n"
LOCK_FILES = {"uv": ["uv.lock"], "setuptools": ["requirements.lock", "requirements-dev.lock"]}


def update_task(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The task as copier.yml calls it, with only the system's tools on PATH."""
    return subprocess.run(
        [sys.executable, TASK, *args],
        cwd=project,
        env={**tool_env(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def after(
    project: Path,
    tool: str,
    *,
    check: list[str] | None = None,
    relock: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return update_task(
        project,
        "after",
        "--answers-file=.copier-answers.yml",
        f"--package-manager={tool}",
        f"--lock-files-by-tool={json.dumps(LOCK_FILES)}",
        "--no-check" if check is None else f"--check={json.dumps(check)}",
        "--no-relock" if relock is None else f"--relock={json.dumps(relock)}",
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A committed project whose answers say setuptools, with setuptools' lock files."""
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text(ANSWERS.format(tool="setuptools"), encoding="utf-8")
    for name in LOCK_FILES["setuptools"]:
        (tmp_path / name).write_text("pinned==1.0\n", encoding="utf-8")
    run(["git", "init", "-q", "-b", "main"], tmp_path)
    run(["git", "add", "-A"], tmp_path)
    run(["git", "commit", "-q", "-m", "Generated"], tmp_path)
    return tmp_path


def switch_to(project: Path, tool: str) -> None:
    """What Copier's merge does to the answers file when the user picks another tool."""
    (project / ".copier-answers.yml").write_text(ANSWERS.format(tool=tool), encoding="utf-8")


def test_before_records_the_answers_in_the_git_directory(project: Path) -> None:
    result = update_task(project, "before", "--answers-file=.copier-answers.yml")
    assert result.returncode == 0, result.stderr
    recorded = project / ".git" / "keel" / "answers-before-update.yml"
    assert recorded.read_text(encoding="utf-8") == ANSWERS.format(tool="setuptools")
    # Only the mid-update mark is new in the work tree; `after` removes it.
    assert run(["git", "status", "--porcelain"], project).stdout == "?? .keel-update-in-progress\n"


def test_after_runs_every_step_in_order(project: Path) -> None:
    update_task(project, "before", "--answers-file=.copier-answers.yml")
    switch_to(project, "uv")
    (project / "notes.md.rej").write_text("a hunk\n", encoding="utf-8")

    result = after(project, "uv", check=["package_manager"], relock=["touch uv.lock"])

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in project.glob("*.lock")) == ["uv.lock"]
    assert result.stdout.splitlines() == [
        "Keel: removed requirements.lock: the project now uses uv, not setuptools.",
        "Keel: removed requirements-dev.lock: the project now uses uv, not setuptools.",
        "Keel: the update overlaps with your changes; resolve before committing:",
        "  notes.md.rej",
        "Apply each rejected hunk (*.rej) by hand, then delete the .rej file.",
    ]


def test_a_changed_answer_nobody_gave_stops_the_steps_after_the_check(project: Path) -> None:
    update_task(project, "before", "--answers-file=.copier-answers.yml")
    switch_to(project, "uv")

    result = after(project, "uv", check=[], relock=["touch uv.lock"])

    assert result.returncode == 1
    assert "package_manager: 'setuptools' -> 'uv'" in result.stderr
    assert sorted(p.name for p in project.glob("*.lock")) == sorted(LOCK_FILES["setuptools"])


def test_without_check_and_relock_nothing_changes_on_a_no_op_update(project: Path) -> None:
    update_task(project, "before", "--answers-file=.copier-answers.yml")
    result = after(project, "setuptools")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert run(["git", "status", "--porcelain"], project).stdout == ""


@pytest.mark.parametrize(
    "missing", ["--no-check", "--no-relock"], ids=["check unnamed", "relock unnamed"]
)
def test_an_unnamed_optional_step_is_a_usage_error(project: Path, missing: str) -> None:
    args = [
        "after",
        "--answers-file=.copier-answers.yml",
        "--package-manager=uv",
        f"--lock-files-by-tool={json.dumps(LOCK_FILES)}",
        "--no-check",
        "--no-relock",
    ]
    args.remove(missing)
    result = update_task(project, *args)
    assert result.returncode == 2
    assert "one of the arguments" in result.stderr
