"""Copier task: create or refresh an application's lock file with the project's own tool.

Run by Copier with the interpreter that runs Copier, in the generated project. A missing
tool or a failed resolution must not throw away the freshly generated project, so this
never fails the copy: it says, in one line, which command the user still has to run.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys


def main(argv: list[str]) -> int:
    """Run the lock command given as the single argument, or explain how to run it later."""
    if len(argv) != 1 or not argv[0].strip():
        print("usage: lock.py '<lock command>'", file=sys.stderr)
        return 2
    command = argv[0]
    tool = shlex.split(command)[0]
    if shutil.which(tool) is None:
        print(f"Keel: {tool} is not installed, so no lock file was made; run: {command}")
        return 0
    result = subprocess.run(command, shell=True, check=False)
    if result.returncode != 0:
        print(f"Keel: the lock file could not be made (exit {result.returncode}); run: {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
