"""Update steps that keep an update from going wrong in silence.

Run by tasks/update.py, in the project, on every update:

begin            (before stage) refuse an update that would recreate a package the user
                 renamed, then leave MARKER in the work tree: until `finish` removes it, the
                 project is halfway through an update, and the generated pre-commit hook and
                 template-update workflow refuse to commit it.
finish           (after stage, last) remove MARKER.
report_recreated (after stage) name the files the update created that the user had
                 deleted before (they were in the project's history, not at HEAD).

An update stopped halfway (a SIGTERM, a closed terminal) leaves files half rendered, the
answers file already at the new version and no relock; committing that loses the user's
work. docs/how-to/updating.md says how to recover.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

MARKER = ".keel-update-in-progress"

MARKER_TEXT = """\
A `copier update` from Keel started here and has not finished: the work tree may hold
half-applied template changes. Do not commit it. To go back to your last commit:

    git restore --staged --worktree . && git clean -fd

then run the update again. This file is removed when an update finishes.
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False).stdout


def packages() -> set[str]:
    """The import packages under src/ (folders holding an __init__.py)."""
    return {p.parent.name for p in Path("src").glob("*/__init__.py")}


def begin(recorded_import_name: str | None, given_import_name: str | None) -> int:
    """Refuse an update that would resurrect a renamed package; else mark the tree."""
    name = given_import_name or recorded_import_name
    found = packages()
    if name and found and name not in found and not (Path("src") / name).exists():
        others = ", ".join(f"src/{p}" for p in sorted(found))
        hint = sorted(found)[0]
        print(
            f"Keel: src/{name}, the package the answers name, is gone and {others} is here: "
            f"renamed by hand, an update would recreate src/{name} beside it. Run the update "
            f"with the new name: copier update ... --data import_name={hint}"
        )
        return 1
    Path(MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return 0


def finish() -> int:
    """The update is complete: nothing half done is left to commit."""
    Path(MARKER).unlink(missing_ok=True)
    return 0


def report_recreated() -> int:
    """Say which files the update brought back after the user deleted them."""
    at_head = set(git("ls-tree", "-r", "--name-only", "HEAD").splitlines())
    created = git("ls-files", "--others", "--exclude-standard").splitlines()
    recreated = [
        path
        for path in created
        if path not in at_head
        and path != MARKER
        and git("log", "--format=%H", "-1", "HEAD", "--", path).strip()
    ]
    if recreated:
        lines = ["Keel: this update recreated files you had deleted:"]
        lines += [f"  {path}" for path in recreated]
        lines.append(
            "Delete them again before committing if you do not want them, and pass"
            " `--exclude <path>` to later updates to keep them out (docs: Update a project)."
        )
        print("\n".join(lines))
    return 0
