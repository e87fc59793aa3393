"""A generated project driven with its own tool: install, test, lint, build.

The commands are the table's (tools/tools.toml, read through tests/support/tools.py): the
lines the generated README shows, run as written in one shell, in order. Every tier
(end-to-end, update, container) calls these instead of spelling commands again.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_copie.plugin import Copie

from tests.support import tools
from tests.support.rendering import load_yaml, render_with_copie
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import python_for, run, tool_env


@dataclass
class GeneratedProject:
    """A project on disk, read from its answers file."""

    path: Path
    workarounds: SandboxWorkarounds
    env: dict[str, str] = field(default_factory=tool_env)

    def __post_init__(self) -> None:
        # uv picks this interpreter for every command, as `.python-version` asks.
        self.env["UV_PYTHON"] = str(self.python)
        # The README says "you need Python X.Y" and then runs `python`: a user's `python` is
        # that interpreter. Test logic, not a workaround: it picks which Python is `python`.
        python_bin = Path(tempfile.mkdtemp(prefix="keel-python-"))
        (python_bin / "python").symlink_to(self.python)
        self.env["PATH"] = f"{python_bin}:{self.env['PATH']}"

    @property
    def answers(self) -> dict[str, str]:
        data = load_yaml(self.path / ".copier-answers.yml")
        assert isinstance(data, dict)
        return data

    @property
    def tool(self) -> str:
        return self.answers["package_manager"]

    @property
    def is_application(self) -> bool:
        return self.answers["project_kind"] == "application"

    @property
    def python(self) -> Path:
        version = self.answers["python_version"]
        interpreter = python_for(version)
        assert interpreter is not None, f"no Python {version} on this machine"
        return interpreter

    @property
    def venv_bin(self) -> Path:
        return self.path / ".venv" / "bin"

    @property
    def facts(self) -> dict[str, Any]:
        """The project's tool's row of tools/tools.toml, filled with its answers."""
        answers = self.answers
        return tools.facts(
            self.tool,
            answers["python_version"],
            distribution_name=answers["distribution_name"],
            import_name=answers["import_name"],
        )

    @property
    def lock_files(self) -> list[Path]:
        return [self.path / name for name in self.facts["lock_files"]]

    def sh(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command in the project with the harness's tool environment."""
        return run(args, self.path, env=self.env, check=check)

    def shell(self, *lines: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run command lines as a user types them, in one shell that stops at the first
        failure; after an install that activates an environment, in that environment."""
        activate = self.facts["activate"]
        prelude = [activate] if activate and self.venv_bin.exists() else []
        script = "\n".join(["set -euo pipefail", *prelude, *lines])
        return self.sh("bash", "-c", script, check=check)

    # --- git -------------------------------------------------------------------------

    def git_init(self) -> None:
        self.sh("git", "init", "-q", "-b", "main")
        self.commit("Start from Keel")

    def commit(self, message: str) -> None:
        self.sh("git", "add", "-A")
        self.sh("git", "commit", "-q", "--allow-empty", "-m", message)

    # --- environment and lock --------------------------------------------------------

    def settle(self) -> GeneratedProject:
        """After `copier copy` with tasks: check the lock policy, then commit, as a user would.

        Where this machine needs a workaround (see sandbox.py) the copy-time lock task could
        not lock, and the harness locks instead.
        """
        changed = self.adapt_to_sandbox()
        if self.is_application:
            if changed:
                self.lock()
            assert all(p.exists() for p in self.lock_files), "the copy task made no lock"
            assert self.lock_is_current()
        else:
            assert not any(p.exists() for p in self.lock_files)
        self.git_init()
        return self

    def adapt_to_sandbox(self) -> bool:
        """Apply this machine's workarounds to this copy (see tests/support/sandbox.py)."""
        if self.tool == "poetry":
            return self.workarounds.prepare_poetry(self.path)
        return False

    def lock_command(self) -> str:
        """The lock command the generated README gives (so the README is what is tested)."""
        readme = (self.path / "README.md").read_text(encoding="utf-8")
        section = readme.split("## Dependencies and the lock file", 1)[1]
        block = section.split("```console\n", 1)[1].split("```", 1)[0]
        return " ".join(block.split())

    def lock(self) -> None:
        """(Re)make the lock with the project's own tool, as its README says."""
        self.choose_interpreter()
        self.shell(self.lock_command())

    def lock_is_current(self) -> bool:
        """Whether the committed lock matches pyproject.toml, by the tool's own check, or
        else by relocking and comparing."""
        if self.facts["check_lock"]:
            return self.shell(*self.facts["check_lock"], check=False).returncode == 0
        before = {p: p.read_text(encoding="utf-8") for p in self.lock_files}
        self.lock()
        return all(p.read_text(encoding="utf-8") == text for p, text in before.items())

    def choose_interpreter(self) -> None:
        """Point a tool that keeps its own environment at the project's Python (poetry: `env
        use`), where a user's machine would have found it by itself."""
        if self.tool == "poetry":
            self.sh("poetry", "env", "use", self.python)

    def install(self, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Install exactly as the generated README says (locked for applications)."""
        self.choose_interpreter()
        lines = self.facts["install_locked" if self.is_application else "install"]
        return self.shell(*lines, check=check)

    # --- the project's own checks ----------------------------------------------------

    def run_tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a development tool from the project's environment, as the README does."""
        return self.shell(" ".join([self.facts["run"], *args]), check=check)

    def pre_commit(self) -> subprocess.CompletedProcess[str]:
        """All hooks on all files, as the README runs them."""
        self.sh("git", "add", "-A")
        return self.shell(f"{self.facts['run_pre_commit']} run --all-files --show-diff-on-failure")

    def build(self) -> list[Path]:
        """sdist and wheel with the project's own tool; returns the two files."""
        shutil.rmtree(self.path / "dist", ignore_errors=True)
        self.shell(*self.facts["build"])
        sdists = sorted((self.path / "dist").glob("*.tar.gz"))
        wheels = sorted((self.path / "dist").glob("*.whl"))
        assert len(sdists) == len(wheels) == 1, sdists + wheels
        return [sdists[0], wheels[0]]


def generate(
    copie: Copie,
    template_dir: Path,
    workarounds: SandboxWorkarounds,
    kind: str,
    tool: str,
    python: str,
    **answers: str,
) -> GeneratedProject:
    """Generate with tasks, commit, and lock where this machine needs the harness to."""
    if python_for(python) is None:
        pytest.fail(f"Python {python} is required for this tier")
    result = render_with_copie(
        copie,
        template_dir,
        project_kind=kind,
        package_manager=tool,
        python_version=python,
        **answers,
    )
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0
    assert result.project_dir is not None
    return GeneratedProject(result.project_dir, workarounds).settle()
