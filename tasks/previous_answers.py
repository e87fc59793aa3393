"""Update steps: the answers as they were before this update, and what follows from them.

Run by tasks/update.py, in the project, on every update:

record        (before stage) copy the answers file, as the answer migrations left it, into
              the repository's git directory: never in the work tree, so never committed.
check         (after stage, updates with --defaults) fail when an answer changed that the
              user did not pass with --data. Copier drops a previous answer that the new
              template version rejects (a removed choice, a stricter validator) and, with
              --defaults, takes the question's default instead, without a word.
retire_locks  (after stage) after a switch of package manager, delete the previous tool's
              lock files: they pin an environment the project no longer uses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = "keel/answers-before-update.yml"


def snapshot_path() -> Path:
    """Where `record` keeps the answers: inside the git directory, so git status is clean."""
    where = subprocess.run(
        ["git", "rev-parse", "--git-path", SNAPSHOT],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(where)


def load(path: Path) -> dict[str, Any]:
    # Imported here, not at the top: `record` needs no YAML, and the import is a large part
    # of the interpreter's start on every update.
    import yaml  # Copier's own dependency, so present where this runs

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SystemExit(f"Keel: {path} is not a mapping of answers.")
    return data


def questions(answers: dict[str, Any]) -> dict[str, Any]:
    """The user's answers only: Copier's own bookkeeping keys start with `_`."""
    return {k: v for k, v in answers.items() if not str(k).startswith("_")}


def record(answers_file: str) -> int:
    target = snapshot_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(answers_file, target)
    return 0


def check(answers_file: str, explicit_json: str, snapshot: Path) -> int:
    if not snapshot.exists():
        print("Keel: no record of the previous answers; skipping the answers check.")
        return 0
    before = questions(load(snapshot))
    after = questions(load(Path(answers_file)))
    explicit = set(json.loads(explicit_json))
    changed = {
        name: (old, after[name])
        for name, old in before.items()
        if name in after and after[name] != old and name not in explicit
    }
    if not changed:
        return 0
    lines = [f"  {name}: {old!r} -> {new!r}" for name, (old, new) in changed.items()]
    data = " ".join(f"--data {name}=<value>" for name in changed)
    print(
        "Keel: this update changed answers you did not ask it to change:\n"
        + "\n".join(lines)
        + "\nThe new template version no longer accepts the old answers (a removed choice"
        "\nor a stricter validator), so Copier took the defaults instead. Undo the update"
        "\nin the project directory, then update again giving each answer yourself:"
        "\n  git restore --source=HEAD --staged --worktree . && git clean -fd ."
        f"\n  copier update --trust --defaults {data}",
        file=sys.stderr,
    )
    return 1


def retire_locks(package_manager: str, lock_files_json: str, snapshot: Path) -> int:
    if not snapshot.exists():
        return 0
    previous = load(snapshot).get("package_manager")
    if previous == package_manager:
        return 0
    lock_files: dict[str, list[str]] = json.loads(lock_files_json)
    keep = set(lock_files.get(package_manager, []))
    for name in lock_files.get(str(previous), []):
        path = Path(name)
        if name not in keep and path.exists():
            path.unlink()
            print(f"Keel: removed {name}: the project now uses {package_manager}, not {previous}.")
    return 0
