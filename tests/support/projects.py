"""A generated project driven with its own tool: install, test, lint, build.

One class knows, per tool, the commands the generated README tells a user to run; every
tier (end-to-end, update, container) calls these instead of spelling commands again.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

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
    def lock_files(self) -> list[Path]:
        names = {
            "uv": ["uv.lock"],
            "poetry": ["poetry.lock"],
            "setuptools": ["requirements.lock", "requirements-dev.lock"],
        }[self.tool]
        return [self.path / name for name in names]

    def sh(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command in the project with the harness's tool environment."""
        return run(args, self.path, env=self.env, check=check)

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
        if self.tool == "poetry":
            self.poetry_env()
        self.sh("bash", "-c", self.lock_command())

    def lock_is_current(self) -> bool:
        """Whether the committed lock matches pyproject.toml, by the tool's own check."""
        if self.tool == "uv":
            return self.sh("uv", "lock", "--check", check=False).returncode == 0
        if self.tool == "poetry":
            return self.sh("poetry", "check", "--lock", check=False).returncode == 0
        before = {p: p.read_text(encoding="utf-8") for p in self.lock_files}
        self.lock()
        return all(p.read_text(encoding="utf-8") == text for p, text in before.items())

    def poetry_env(self) -> None:
        self.sh("poetry", "env", "use", self.python)

    def install(self, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Install exactly as the generated README says (locked for applications)."""
        if self.tool == "uv":
            locked = ["--locked"] if self.is_application else []
            return self.sh("uv", "sync", *locked, check=check)
        if self.tool == "poetry":
            self.poetry_env()
            if self.is_application:
                checked = self.sh("poetry", "check", "--lock", check=check)
                if checked.returncode != 0:
                    return checked
                return self.sh("poetry", "sync", check=check)
            return self.sh("poetry", "install", check=check)
        if not self.venv_bin.exists():
            self.sh(self.python, "-m", "venv", ".venv")
            self.sh(self.venv_bin / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
        pip: list[str | Path] = [self.venv_bin / "python", "-m", "pip", "install", "-q"]
        if not self.is_application:
            return self.sh(*pip, "--group", "dev", "-e", ".", check=check)
        steps: list[list[str | Path]] = [
            [*pip, "--require-hashes", "-r", "requirements-dev.lock"],
            [*pip, "--no-deps", "-e", "."],
            [self.venv_bin / "python", "-m", "pip", "check"],
        ]
        result = None
        for step in steps:
            result = self.sh(*step, check=check)
            if result.returncode != 0:
                return result
        assert result is not None
        return result

    # --- the project's own checks ----------------------------------------------------

    def run_tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a development tool from the project's environment (`uv run`, ...)."""
        if self.tool == "uv":
            return self.sh("uv", "run", "--no-sync", *args, check=check)
        if self.tool == "poetry":
            return self.sh("poetry", "run", *args, check=check)
        return self.sh(self.venv_bin / args[0], *args[1:], check=check)

    def pre_commit(self) -> subprocess.CompletedProcess[str]:
        """All hooks on all files; the project's venv on PATH for setuptools' hooks."""
        env = dict(self.env)
        if self.tool == "setuptools":
            env["PATH"] = f"{self.venv_bin}:{env['PATH']}"
            env["VIRTUAL_ENV"] = str(self.venv_bin.parent)
        self.sh("git", "add", "-A")
        return run(
            [self.venv_bin / "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
            self.path,
            env=env,
        )

    def build(self) -> list[Path]:
        """sdist and wheel with the project's own tool; returns the two files."""
        shutil.rmtree(self.path / "dist", ignore_errors=True)
        if self.tool == "uv":
            self.sh("uv", "build")
        elif self.tool == "poetry":
            self.sh("poetry", "build")
        else:
            self.sh(self.venv_bin / "python", "-m", "pip", "install", "-q", "build")
            self.sh(self.venv_bin / "python", "-m", "build")
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
