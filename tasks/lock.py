"""Copier task: create or refresh an application's lock file with the project's own tool.

Run by Copier with the interpreter that runs Copier, in the generated project. The lock
commands come from tools/tools.toml through extensions/derived.py (filled from validated
answers only), as a JSON list of command lines; each runs without a shell. A missing tool
or a failed resolution must not throw away the freshly generated project, so this never
fails the copy: it says, in one line, which command the user still has to run.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys


def main(argv: list[str]) -> int:
    """Run the lock command lines given as one JSON list, or explain how to run them later."""
    try:
        lines = json.loads(argv[0]) if len(argv) == 1 else None
    except ValueError:
        lines = None
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) for x in lines):
        print("usage: lock.py '<JSON list of lock command lines>'", file=sys.stderr)
        return 2
    command = " && ".join(lines)
    # The project's tool must not see the environment Copier runs in (Keel's own, when run
    # as `uv run copier ...`): it would lock against that interpreter instead.
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    for line in lines:
        args = shlex.split(line)
        if shutil.which(args[0], path=env.get("PATH")) is None:
            print(f"Keel: {args[0]} is not installed, so no lock file was made; run: {command}")
            return 0
        result = subprocess.run(args, check=False, env=env)
        if result.returncode != 0:
            print(
                f"Keel: the lock file could not be made (exit {result.returncode}); run: {command}"
            )
            return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
