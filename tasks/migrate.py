"""Copier migration building blocks for a template version that renames or moves things.

Run from a version-specific `_migrations` entry in the `before` stage, with the interpreter
that runs Copier, in the project (docs/how-to/updating.md shows the entries):

rename-question OLD NEW            the answer to OLD becomes the answer to NEW
rename-choice QUESTION OLD NEW     an answer OLD becomes NEW (a renamed choice value, or a
                                   removed one mapped to what replaces it)
move-file OLD NEW                  a file the user owns moves, history and edits included

Answers are edited in the answers file (`--answers-file`, default .copier-answers.yml)
before Copier reads them for the new version. Without these, Copier gives a renamed question
its default and drops an answer that is no longer a choice. Each operation does nothing when
there is nothing to do, so running it twice is harmless.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml  # Copier's own dependency, so present in the interpreter that runs this


def read_answers(path: Path) -> tuple[list[str], dict[str, Any]]:
    """The leading comment lines (Copier's "NEVER EDIT" header) and the answers."""
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")][:1]
    data = yaml.safe_load(text) or {}
    return header, data


def write_answers(path: Path, header: list[str], data: dict[str, Any]) -> None:
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text("".join(f"{line}\n" for line in header) + body, encoding="utf-8")


def rename_question(answers_file: Path, old: str, new: str) -> str:
    header, data = read_answers(answers_file)
    if old not in data:
        return f"no answer to {old}; nothing to rename"
    if new in data:
        return f"{new} is already answered; {old} left as it is"
    renamed = {(new if key == old else key): value for key, value in data.items()}
    write_answers(answers_file, header, renamed)
    return f"the answer to {old} is now the answer to {new}"


def rename_choice(answers_file: Path, question: str, old: str, new: str) -> str:
    header, data = read_answers(answers_file)
    if data.get(question) != old:
        return f"{question} is not {old!r}; nothing to rename"
    data[question] = new
    write_answers(answers_file, header, data)
    return f"{question}: {old!r} is now {new!r}"


def move_file(old: Path, new: Path) -> str:
    if not old.exists():
        return f"no {old}; nothing to move"
    if new.exists():
        return f"{new} exists already; {old} left where it is"
    new.parent.mkdir(parents=True, exist_ok=True)
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "--", str(old)],
        capture_output=True,
        check=False,
    )
    if tracked.returncode == 0:
        # Through the index: Copier diffs the index against its render of the old version,
        # so a move on disk alone would read as "the user deleted OLD and added NEW".
        subprocess.run(["git", "mv", "--", str(old), str(new)], check=True)
    else:
        old.rename(new)
    return f"moved {old} to {new}"


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="migrate.py", description=__doc__.split("\n")[0])
    main.add_argument("--answers-file", type=Path, default=Path(".copier-answers.yml"))
    commands = main.add_subparsers(dest="command", required=True)
    question = commands.add_parser("rename-question")
    question.add_argument("old")
    question.add_argument("new")
    choice = commands.add_parser("rename-choice")
    choice.add_argument("question")
    choice.add_argument("old")
    choice.add_argument("new")
    move = commands.add_parser("move-file")
    move.add_argument("old", type=Path)
    move.add_argument("new", type=Path)
    return main


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.command == "rename-question":
        outcome = rename_question(args.answers_file, args.old, args.new)
    elif args.command == "rename-choice":
        outcome = rename_choice(args.answers_file, args.question, args.old, args.new)
    else:
        outcome = move_file(args.old, args.new)
    print(f"Keel migration: {outcome}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
