"""The copy-time lock is made even when Copier runs inside another project's environment.

README's first command is `uv run copier copy ...` from Keel's checkout: Copier, and so the
lock task, then run with Keel's virtual environment active (VIRTUAL_ENV, its bin first on
PATH), whose Python is not the application's. The lock must still be made with the
application's Python wherever the machine has it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import tools
from tests.support.toolchain import KEEL_BIN, python_for, run, tool_env

pytestmark = pytest.mark.e2e

FOREIGN = "3.11"  # the active environment's Python
APPLICATION = "3.12"  # the application's


@pytest.mark.parametrize("tool", tools.names())
def test_lock_is_made_from_inside_a_foreign_active_environment(
    tmp_path: Path, template_dir: Path, tool: str
) -> None:
    foreign, wanted = python_for(FOREIGN), python_for(APPLICATION)
    assert foreign is not None
    assert wanted is not None
    venv = tmp_path / "foreign-venv"
    run([foreign, "-m", "venv", venv], tmp_path)
    # The machine has the application's Python under its usual name, as a user's would.
    pythons = tmp_path / "pythons"
    pythons.mkdir()
    (pythons / f"python{APPLICATION}").symlink_to(wanted)
    base = tool_env()
    env = {
        **base,
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}:{KEEL_BIN}:{pythons}:{base['PATH']}",
    }
    result = subprocess.run(
        [
            KEEL_BIN / "copier", "copy", "--trust", "--defaults",
            "--data", "project_name=Keel Sample",
            "--data", "project_kind=application",
            "--data", f"package_manager={tool}",
            "--data", f"python_version={APPLICATION}",
            template_dir, "out",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lock_files = tools.facts(tool, APPLICATION)["lock_files"]
    made = [name for name in lock_files if (tmp_path / "out" / name).is_file()]
    assert made == lock_files, result.stdout + result.stderr
    assert "was made with" in result.stderr
