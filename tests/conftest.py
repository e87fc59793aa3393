"""Fixtures shared by every tier of Keel's tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from plumbum import local

from tests.support.oci import OCIBuilder, load_builder, require_provisioned
from tests.support.questionnaire import ROOT
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import KEEL_BIN

# What a template snapshot needs: Copier's config, the tree it renders, and what the config
# points at (extensions, includes, tasks). Tests render from a snapshot outside git so each
# render is a plain copy, not a clone of Keel's repository.
TEMPLATE_PARTS = ("copier.yml", "template", "extensions", "includes", "tasks", "tools")


def snapshot_template(destination: Path) -> Path:
    """Copy the template's parts into `destination` and return it."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in TEMPLATE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / part)
    return destination


@pytest.fixture(scope="session", autouse=True)
def keel_tools_first_on_path() -> Iterator[None]:
    """Copier's tasks and the generated projects find Keel's pinned uv/poetry first.

    Copy-time tasks inherit this process's environment; a stray shim earlier on PATH (pyenv
    puts one for every tool it has seen) must not stand in for the locked tool. When the
    suite itself was started through such a shim, the shim's PYENV_VERSION must not follow
    it either: it would pin every `python3.X` a generated project asks for to one version.
    """
    settings = {
        "PATH": os.pathsep.join([str(KEEL_BIN), os.environ.get("PATH", "")]),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    # Copier runs tasks with plumbum's copy of the environment, taken at import time.
    with pytest.MonkeyPatch.context() as patch, local.env(**settings):
        for name, value in settings.items():
            patch.setenv(name, value)
        patch.delenv("PYENV_VERSION", raising=False)
        if "PYENV_VERSION" in local.env:
            del local.env["PYENV_VERSION"]
        yield


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the working tree's template, taken once per session (per worker)."""
    return snapshot_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def sandbox_workarounds() -> SandboxWorkarounds:
    """The ONE place environment workarounds enter the tests (see tests/support/sandbox.py)."""
    return SandboxWorkarounds.detect()


@pytest.fixture(scope="session")
def oci_builder() -> OCIBuilder:
    """The OCI builder scripts/provision.py set up (tests/support/oci.py drives it).

    The tests assume a provisioned machine, as they assume git: where the script has not
    run, this fails under CI (`CI` set) and skips elsewhere, naming the command to run.
    """
    builder = load_builder()
    if isinstance(builder, str):
        require_provisioned(builder)
    return builder
