"""End to end with the most awkward names Keel accepts: the project it gives still works.

The fast tier lint-checks each accepted awkward class (tests/test_validation.py); this runs
one such project's own toolchain, so "accepted" provably means "installs, tests, builds".
One tool is enough: the names reach every tool through the same shared files.
"""

from __future__ import annotations

import re
import zipfile
from email.headerregistry import AddressHeader, HeaderRegistry
from pathlib import Path
from typing import cast

import pytest
from packaging.metadata import parse_email
from pytest_copie.plugin import Copie

from extensions.validation import NAME_LIMIT
from tests.support.projects import generate
from tests.support.questionnaire import BASE_ANSWERS, choices
from tests.support.rendering import pyproject, render
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import KEEL_BIN, python_for, run, tool_env

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


# --- author names: every backend's METADATA reads them back as typed ------------------------

# Accepted names that hold the characters an address header treats specially but the
# validator keeps (dots, an apostrophe, non-ASCII, the rest of RFC 5322's atom characters).
# The refused ones (keel/answers.yml) were found the same way: uv_build writes the name
# unquoted, poetry-core splits it at "<", and every backend loses edge and doubled spaces.
AUTHOR_NAMES = [
    "J. R. R. Tolkien",
    "Zoë O'Brien-Çelik",
    "日本 太郎 & Co. #1 ~ {x} | ! $ % * + / ? ^ _ ` = '",
]
# The standard library's header registry reads a "To" header as an address list (RFC 5322),
# which is what Author-email is.
_HEADERS = HeaderRegistry()


def authors_in(wheel: Path) -> list[tuple[str, str]]:
    """(name, email) of each author as the wheel's METADATA says, read as an index does:
    Author-email as an address list, and Author for a backend that writes the name there
    (poetry-core writes `Author: name` and a bare `Author-email: email`)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        raw, _ = parse_email(archive.read(name))
    header = cast(AddressHeader, _HEADERS("To", raw["author_email"]))
    addresses = [(a.display_name, a.addr_spec) for a in header.addresses]
    if len(addresses) == 1 and not addresses[0][0] and "author" in raw:
        return [(raw["author"], addresses[0][1])]
    return addresses


@pytest.mark.parametrize("tool", choices("package_manager"))
def test_author_names_read_back_from_every_backends_wheel(
    tmp_path: Path, template_dir: Path, tool: str
) -> None:
    python = python_for("3.12")
    if python is None:
        pytest.fail("Python 3.12 is required for this tier")
    for number, author in enumerate(AUTHOR_NAMES):
        project = render(
            tmp_path / f"p{number}", template_dir, package_manager=tool, author_name=author
        )
        # `uv build` runs the project's own backend (uv_build, poetry-core, setuptools).
        run([KEEL_BIN / "uv", "build", "--wheel", f"--python={python}"], project, env=tool_env())
        wheel = next((project / "dist").glob("*.whl"))
        assert authors_in(wheel) == [(author, BASE_ANSWERS["author_email"])], (tool, author)


# --- names: an accepted name near what a project installs works; the derived list is current --


def test_a_name_installers_do_not_need_gives_a_working_project(
    copie: Copie, template_dir: Path, sandbox_workarounds: SandboxWorkarounds
) -> None:
    """`wheel` is often said to be reserved, but no tool Keel's projects run installs it, so
    it is accepted: a setuptools library (whose backend once needed `wheel`, and whose venv
    on 3.11 holds setuptools) named `wheel` installs, tests and builds."""
    project = generate(
        copie,
        template_dir,
        sandbox_workarounds,
        "library",
        "setuptools",
        "3.11",
        project_name="Wheel",
    )
    assert (project.answers["distribution_name"], project.answers["import_name"]) == (
        "wheel",
        "wheel",
    )
    project.install()
    tests = project.run_tool("pytest", "-q")
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout
    sdist, wheel = project.build()
    assert wheel.name.startswith("wheel-0.1.0-")
    run([KEEL_BIN / "twine", "check", "--strict", sdist, wheel], project.path)
