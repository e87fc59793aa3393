"""Update step: after an update, say where it overlapped with the user's changes.

Copier marks each overlap inline (`<<<<<<< before updating` ... `>>>>>>> after updating`) and
records the file as unmerged in git, but prints nothing about it; with `--conflict rej` it
leaves `*.rej` files instead. This lists both, says how to finish, and never fails: an
overlap is a normal outcome of an update, for the user to resolve.
"""

from __future__ import annotations

import subprocess


def git_lines(*args: str) -> list[str]:
    result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return [line for line in result.stdout.splitlines() if line]


def main(argv: list[str]) -> int:
    lock_command = argv[0] if argv else ""
    unmerged = sorted(set(git_lines("diff", "--name-only", "--relative", "--diff-filter=U")))
    rejected = git_lines("ls-files", "--others", "--exclude-standard", "--", "*.rej")
    if not unmerged and not rejected:
        return 0
    lines = ["Keel: the update overlaps with your changes; resolve before committing:"]
    lines += [f"  {name}" for name in unmerged]
    if unmerged:
        lines.append(
            "In each file keep what you want between `<<<<<<< before updating` and"
            "\n`>>>>>>> after updating`, delete the markers, then `git add` the file"
            "\n(the check-merge-conflict hook refuses a commit with markers left)."
        )
    if rejected:
        lines += [f"  {name}" for name in rejected]
        lines.append("Apply each rejected hunk (*.rej) by hand, then delete the .rej file.")
    if lock_command and "pyproject.toml" in unmerged:
        lines.append(f"Then refresh the lock: {lock_command}")
    print("\n".join(lines))
    return 0
