"""tasks/lock.py: the copy-time lock task never loses a generated project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.questionnaire import ROOT

TASK = ROOT / "tasks" / "lock.py"


def run_task(command: str, cwd: Path, path: str) -> subprocess.CompletedProcess[str]:
    """The task as copier.yml calls it: one JSON list of command lines."""
    lines = [line.strip() for line in command.split("&&")]
    return subprocess.run(
        [sys.executable, TASK, json.dumps(lines)],
        cwd=cwd,
        env={"PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_tool_prints_the_one_command_to_run(tmp_path: Path) -> None:
    result = run_task("keel-no-such-tool lock", tmp_path, path=str(tmp_path))
    assert result.returncode == 0
    assert result.stdout == (
        "Keel: keel-no-such-tool is not installed, so no lock file was made;"
        " run: keel-no-such-tool lock\n"
    )


def test_failed_lock_says_so_and_keeps_the_project(tmp_path: Path) -> None:
    result = run_task("false", tmp_path, path="/usr/bin:/bin")
    assert result.returncode == 0
    assert result.stdout == "Keel: the lock file could not be made (exit 1); run: false\n"


def test_successful_lock_runs_in_the_project(tmp_path: Path) -> None:
    result = run_task("touch made.lock", tmp_path, path="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "made.lock").exists()
    assert result.stdout == ""


def test_lines_run_in_order_without_a_shell(tmp_path: Path) -> None:
    """`;` in a line is an argument, not a second command: no line ever reaches a shell."""
    result = run_task(
        "touch first.lock && touch second.lock;touch third", tmp_path, "/usr/bin:/bin"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "first.lock",
        "second.lock;touch",
        "third",
    ]


def test_malformed_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, TASK, "uv lock"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "usage" in result.stderr
