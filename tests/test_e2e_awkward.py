"""End to end with the most awkward name Keel accepts: the project it gives still works.

The fast tier lint-checks each accepted awkward class (tests/test_validation.py); this runs
one such project's own toolchain, so "accepted" provably means "installs, tests, builds".
One tool is enough: the names reach every tool through the same shared files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from extensions.validation import NAME_LIMIT
from tests.support.projects import generate
from tests.support.rendering import pyproject
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import KEEL_BIN, run, tool_env

pytestmark = pytest.mark.e2e

# A transliterated human name, and a distribution name at the length limit with a dot
# (a dot must be quoted as the console script's TOML key).
PROJECT_NAME = "Café Straße — Ünïcode Tools"
DISTRIBUTION = ("cafe-strasse." + "tools" * NAME_LIMIT)[:NAME_LIMIT]
PACKAGE = DISTRIBUTION.replace("-", "_").replace(".", "_")


def test_an_awkward_accepted_name_gives_a_working_application(
    copie: Copie, template_dir: Path, sandbox_workarounds: SandboxWorkarounds, tmp_path: Path
) -> None:
    assert len(DISTRIBUTION) == NAME_LIMIT
    project = generate(
        copie,
        template_dir,
        sandbox_workarounds,
        "application",
        "uv",
        "3.13",
        project_name=PROJECT_NAME,
        distribution_name=DISTRIBUTION,
    )
    assert project.answers["import_name"] == PACKAGE

    project.install()
    tests = project.run_tool("pytest", "-q")
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout
    assert " failed" not in tests.stdout
    project.run_tool("ruff", "check")
    project.run_tool("ruff", "format", "--check")
    project.run_tool("mypy")

    sdist, wheel = project.build()
    assert wheel.name.startswith(PACKAGE + "-")
    run([KEEL_BIN / "twine", "check", "--strict", sdist, wheel], project.path)

    # The console script carries the dotted name, and runs from a fresh environment.
    fresh = tmp_path / "fresh"
    run([project.python, "-m", "venv", fresh], tmp_path)
    run([fresh / "bin" / "python", "-m", "pip", "install", "-q", wheel], tmp_path)
    assert pyproject(project.path)["project"]["scripts"] == {DISTRIBUTION: f"{PACKAGE}.cli:main"}
    env = tool_env({f"{PACKAGE.upper()}_API_TOKEN": "token"})
    script = run([fresh / "bin" / DISTRIBUTION, "--name", "Zoë"], tmp_path, env=env)
    assert script.stdout == "Hello, Zoë!\n"
