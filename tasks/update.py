"""Copier migration: every step Keel takes on each `copier update`, in one process per stage.

Run by `_migrations` with the interpreter that runs Copier, in the project. One interpreter
per stage rather than one per step: each start of Python (and of PyYAML) is paid again on
every update, and the steps share what they read.

before   after the version-specific migrations: refuse to recreate a package the user renamed,
         mark the tree as mid-update (guard.begin), and remember the answers as they left them
         (previous_answers.record).
after    in this order, stopping at the first failure:
         1. with --check, fail when an answer changed that the user did not pass with
            --data (previous_answers.check);
         2. merge again by structure what Copier's line merge marked in the files Keel owns
            (pyproject.toml, workflows, hooks): sets stay sets, the higher version wins
            (merge.py; nothing to import when nothing is unmerged);
         3. after a switch of package manager, delete the previous tool's lock files
            (previous_answers.retire_locks);
         4. with --relock, relock against the merged pyproject.toml, keeping existing pins
            (lock.py; a no-op when nothing changed);
         5. name the files it recreated that the user had deleted (guard.report_recreated);
         6. say where the update overlapped with the user's changes (conflicts.py);
         7. remove the mid-update mark (guard.finish).

The steps live in their own modules beside this one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy reads tasks/ from Keel's root, as a namespace package
    from tasks import conflicts, guard, lock, merge, previous_answers
else:  # run as a script, Python puts this file's folder first on the import path
    import conflicts
    import guard
    import lock
    import merge
    import previous_answers


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="update.py", description=__doc__.split("\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--answers-file", required=True)
    stages = main.add_subparsers(dest="stage", required=True)
    before = stages.add_parser("before", parents=[common])
    before.add_argument(
        "--given", default="{}", help="the answers passed with --data, as a JSON mapping"
    )
    after = stages.add_parser("after", parents=[common])
    after.add_argument("--package-manager", required=True)
    after.add_argument(
        "--lock-files-by-tool", required=True, help="every tool's lock files, as a JSON mapping"
    )
    # Each optional step is named either way, so copier.yml says which ones run.
    check = after.add_mutually_exclusive_group(required=True)
    check.add_argument(
        "--check",
        metavar="GIVEN_JSON",
        help="the names passed with --data, as a JSON list (updates with --defaults)",
    )
    check.add_argument("--no-check", dest="check", action="store_const", const=None)
    relock = after.add_mutually_exclusive_group(required=True)
    relock.add_argument(
        "--relock",
        metavar="LINES_JSON",
        help="the lock command lines, as a JSON list (projects that commit a lock)",
    )
    relock.add_argument("--no-relock", dest="relock", action="store_const", const=None)
    return main


def after(args: argparse.Namespace) -> int:
    snapshot = previous_answers.snapshot_path()
    if args.check is not None:
        failed = previous_answers.check(args.answers_file, args.check, snapshot)
        if failed:
            return failed
    merge.main([])
    previous_answers.retire_locks(args.package_manager, args.lock_files_by_tool, snapshot)
    lock_command = ""
    if args.relock is not None:
        failed = lock.main([args.relock])
        if failed:
            return failed
        lock_command = " && ".join(json.loads(args.relock))
    guard.report_recreated()
    conflicts.main([lock_command] if lock_command else [])
    return guard.finish()


def main(argv: list[str]) -> int:
    # Each line out as soon as it is printed, so Keel's messages and those of the lock
    # tool (a subprocess writing straight to the terminal) keep their order.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args = parser().parse_args(argv)
    if args.stage == "before":
        given = json.loads(args.given)
        failed = guard.begin(recorded_import_name(args.answers_file), given.get("import_name"))
        return failed or previous_answers.record(args.answers_file)
    return after(args)


def recorded_import_name(answers_file: str) -> str | None:
    """`import_name` from the answers file, read without YAML (a plain `key: value` line
    Copier writes; the import is a large part of the interpreter's start)."""
    try:
        lines = Path(answers_file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key == "import_name":
            return value.strip().strip("'\"") or None
    return None


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
