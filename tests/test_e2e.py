"""End-to-end tier: generate each kind × tool pair and run its own toolchain for real.

Generate (tasks included, so applications are locked at copy time) → git init → install
with the project's tool → its tests → its pre-commit hooks → mypy → build → twine check →
install the wheel in a fresh venv and use it. Applications also prove the lock is honoured.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from tests.support.projects import generate
from tests.support.questionnaire import kind_tool_pairs
from tests.support.rendering import pyproject
from tests.support.requirements import unhashed
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import KEEL_BIN, run, tool_env

pytestmark = pytest.mark.e2e

# Python per pair: spread over the versions installed here so each is run end to end, and
# shifted per kind so each tool meets a different Python as a library and as an application.
PYTHONS = ("3.11", "3.12", "3.13")
PYTHON = {
    pair: PYTHONS[(i + i // len(PYTHONS)) % len(PYTHONS)]
    for i, pair in enumerate(kind_tool_pairs())
}


def test_every_pair_has_a_python() -> None:
    assert set(PYTHON) == set(kind_tool_pairs())


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_generated_project_is_green_end_to_end(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    kind: str,
    tool: str,
) -> None:
    project = generate(copie, template_dir, sandbox_workarounds, kind, tool, PYTHON[kind, tool])
    if project.is_application and tool == "setuptools":
        # pip checks hashes only of what it installs (the development lock); the runtime
        # lock, which an image installs from, must be as complete, requirement by requirement.
        for lock in project.lock_files:
            assert unhashed(lock) == [], lock.name

    project.install()
    tests = project.run_tool("pytest", "-q")
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout
    assert " failed" not in tests.stdout
    project.pre_commit()
    project.run_tool("mypy")
    # Nothing the hooks or tests did may change tracked files or leave untracked ones.
    status = project.sh("git", "status", "--porcelain").stdout
    assert status == "", status

    sdist, wheel = project.build()
    run([KEEL_BIN / "twine", "check", "--strict", sdist, wheel], project.path)

    # The wheel works on its own, in a fresh environment.
    fresh = tmp_path / "fresh"
    run([project.python, "-m", "venv", fresh], tmp_path)
    run([fresh / "bin" / "python", "-m", "pip", "install", "-q", wheel], tmp_path)
    meta = pyproject(project.path)["project"]
    imported = run(
        [
            fresh / "bin" / "python",
            "-c",
            "import keel_sample as p; print(p.greet('X'), p.__version__)",
        ],
        tmp_path,
    )
    assert imported.stdout.strip() == f"Hello, X! {meta['version']}"
    if project.is_application:
        env = tool_env({"KEEL_SAMPLE_API_TOKEN": "token"})
        script = run([fresh / "bin" / "keel-sample", "--name", "Ada"], tmp_path, env=env)
        assert script.stdout == "Hello, Ada!\n"
        health = run([fresh / "bin" / "keel-sample", "healthcheck"], tmp_path, env=env)
        assert health.stdout == "healthy\n"
        missing = run([fresh / "bin" / "keel-sample"], tmp_path, env=tool_env(), check=False)
        assert missing.returncode == 2
        assert missing.stderr == "Configuration error: set KEEL_SAMPLE_API_TOKEN.\n"


APPLICATION_TOOLS = [tool for kind, tool in kind_tool_pairs() if kind == "application"]


@pytest.mark.parametrize("tool", APPLICATION_TOOLS)
def test_locked_install_refuses_a_stale_or_tampered_lock(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    tool: str,
) -> None:
    project = generate(
        copie, template_dir, sandbox_workarounds, "application", tool, PYTHON["application", tool]
    )
    pristine = {
        p: p.read_text(encoding="utf-8")
        for p in [*project.lock_files, project.path / "pyproject.toml"]
    }

    # A dependency added to pyproject.toml without relocking fails the locked install.
    text = pristine[project.path / "pyproject.toml"]
    (project.path / "pyproject.toml").write_text(
        text.replace('"pydantic-settings>=2.6",', '"pydantic-settings>=2.6",\n  "tomli-w>=1.0",'),
        encoding="utf-8",
    )
    if project.facts["check_lock"]:  # else the check relocks; the install runs `pip check`
        assert not project.lock_is_current()
    stale = project.install(check=False)
    assert stale.returncode != 0, "a stale lock was accepted"
    for path, content in pristine.items():
        path.write_text(content, encoding="utf-8")
    shutil.rmtree(project.path / ".venv", ignore_errors=True)

    # A lock whose hashes were tampered with fails the locked install.
    lock = project.lock_files[-1]
    tampered, count = re.subn(
        r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, lock.read_text(encoding="utf-8")
    )
    assert count > 0
    lock.write_text(tampered, encoding="utf-8")
    bad = project.install(check=False)
    assert bad.returncode != 0, "a tampered lock was accepted"
