"""Update tier: updates that go wrong say so, and cannot be committed by accident.

An update stopped halfway, a package directory renamed by hand, files the team deleted that
an update brings back: each is tried through a real `copier update` of a generated project.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks import guard
from tests.support.history import TemplateHistory, copy_version, evolve, git, update
from tests.support.toolchain import KEEL_BIN, tool_env

pytestmark = pytest.mark.update


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> TemplateHistory:
    history = TemplateHistory.start(tmp_path_factory.mktemp("history"))
    history.release("v1.1.0", evolve)
    return history


def generated(history: TemplateHistory, destination: Path, **answers: str) -> Path:
    """A project at v1.0.0, committed, without copy-time tasks (no lock needed here)."""
    project = copy_version(history, destination, "v1.0.0", tasks=False, **answers)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Start from Keel")
    return project


def pre_commit_hook(project: Path, hook: str) -> subprocess.CompletedProcess[str]:
    """One hook of the generated pre-commit config, on what is staged, as a commit runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook],
        cwd=project,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_update_stopped_halfway_cannot_be_committed(
    history: TemplateHistory, tmp_path: Path
) -> None:
    project = generated(history, tmp_path / "p")
    marker = project / guard.MARKER
    update_process = subprocess.Popen(
        [KEEL_BIN / "copier", "update", "--trust", "--defaults", "--vcs-ref", "v1.1.0"],
        cwd=project,
        env=tool_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and update_process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert marker.exists(), "the update never marked the tree (or finished before it could)"
    update_process.send_signal(signal.SIGTERM)
    update_process.wait(timeout=60)

    # Whatever the update had done by then, the mark is there and says how to go back.
    assert marker.exists()
    assert "git restore --staged --worktree . && git clean -fd" in marker.read_text("utf-8")
    git(project, "add", "-A")
    refused = pre_commit_hook(project, "keel-update-finished")
    assert refused.returncode == 1, refused.stdout
    assert "a copier update stopped halfway" in refused.stdout
    # The documented recovery brings back the last commit exactly.
    subprocess.run(
        ["bash", "-c", "git restore --staged --worktree . && git clean -fdq"],
        cwd=project,
        check=True,
    )
    assert git(project, "status", "--porcelain") == ""
    assert not marker.exists()


def test_a_finished_update_leaves_no_mark(history: TemplateHistory, tmp_path: Path) -> None:
    project = generated(history, tmp_path / "p")
    update(project, "v1.1.0")
    assert not (project / guard.MARKER).exists()
    git(project, "add", "-A")
    assert pre_commit_hook(project, "keel-update-finished").returncode == 0


def test_a_renamed_package_is_refused_with_the_command_that_works(
    history: TemplateHistory, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    project = generated(history, tmp_path / "p")
    git(project, "mv", "src/keel_sample", "src/billing")
    git(project, "commit", "-q", "-am", "Rename the package")
    head = git(project, "rev-parse", "HEAD")

    with pytest.raises(Exception):  # noqa: B017,PT011 - Copier's task failure, any type
        update(project, "v1.1.0")
    out = capfd.readouterr().out
    assert "src/keel_sample, the package the answers name, is gone and src/billing is here" in out
    assert "--data import_name=billing" in out
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head

    # The command it names works, and brings back no orphan package.
    update(project, "v1.1.0", import_name="billing")
    assert not (project / "src" / "keel_sample").exists()
    assert (project / "src" / "billing" / "__init__.py").exists()


def test_files_the_team_deleted_and_the_update_recreates_are_named(
    history: TemplateHistory, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    project = generated(history, tmp_path / "p", project_kind="application")
    deleted = ["src/keel_sample/settings.py", "tests/test_settings.py", ".env.example"]
    git(project, "rm", "-q", *deleted)
    git(project, "commit", "-q", "-m", "No settings module here")

    update(project, "v1.1.0")
    out = capfd.readouterr().out
    assert "Keel: this update recreated files you had deleted:" in out
    for path in deleted:
        assert f"  {path}\n" in out
    assert "--exclude" in out
