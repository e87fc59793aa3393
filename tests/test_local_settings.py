"""Local settings files never leave the machine: not in git, not in an sdist or a wheel.

A `.env` holds real credentials during development. Each tool's build backend is asked to
build the generated project with canary settings files lying where people leave them (the
project root, the package, a subpackage), and nothing of them may ship; git must ignore
every one of them but the committed example.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support import tools
from tests.support.rendering import render
from tests.support.toolchain import KEEL_BIN, run, tool_env

pytestmark = pytest.mark.e2e

CANARY = "KEEL_CANARY_3f8a=do-not-ship"
# Where settings files end up, relative to the project; the package is keel_sample.
PLACES = [
    ".env",
    ".env.local",
    ".env.production",
    "src/keel_sample/.env",
    "src/keel_sample/.env.local",
    "src/keel_sample/settings/.env.test",
]


def shipped(distribution: Path) -> dict[str, bytes]:
    """Every member of an sdist or a wheel, by name, with its content."""
    if distribution.suffix == ".whl":
        with zipfile.ZipFile(distribution) as wheel:
            return {name: wheel.read(name) for name in wheel.namelist()}
    with tarfile.open(distribution) as sdist:
        return {
            member.name: extracted.read()
            for member in sdist.getmembers()
            if (extracted := sdist.extractfile(member)) is not None
        }


@pytest.mark.parametrize("tool", tools.names())
def test_settings_files_are_ignored_and_never_built_in(
    tmp_path: Path, template_dir: Path, tool: str
) -> None:
    project = render(tmp_path / "p", template_dir, project_kind="application", package_manager=tool)
    for place in PLACES:
        (project / place).parent.mkdir(parents=True, exist_ok=True)
        (project / place).write_text(f"{CANARY}\n", encoding="utf-8")
    run(["git", "init", "-q"], project)

    ignored = run(["git", "check-ignore", *PLACES, ".env.example"], project, check=False)
    assert ignored.stdout.split() == PLACES, "git must ignore every settings file but the example"

    # `uv build` runs the project's own PEP 517 backend (uv_build, poetry-core, setuptools),
    # the one its tool's build command runs.
    env = tool_env()
    run([KEEL_BIN / "uv", "build", "--out-dir", "dist"], project, env=env)
    distributions = [*(project / "dist").glob("*.tar.gz"), *(project / "dist").glob("*.whl")]
    assert len(distributions) == 2, distributions
    for distribution in distributions:
        members = shipped(distribution)
        assert any(name.endswith("keel_sample/__init__.py") for name in members)
        leaked = [name for name, content in members.items() if CANARY.encode() in content]
        assert leaked == [], f"{distribution.name} ships {leaked}"
        assert not [name for name in members if Path(name).name.startswith(".env")]
