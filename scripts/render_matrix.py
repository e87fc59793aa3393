"""Render the fast tier's whole answer matrix into a folder, or compare two such folders.

A refactor of the template must not change what users get by accident. Before the change,
render the matrix with the old tree; after it, render again and compare:

    uv run python scripts/render_matrix.py render /tmp/before        # on the old commit
    uv run python scripts/render_matrix.py render /tmp/after         # on the new one
    uv run python scripts/render_matrix.py compare /tmp/before /tmp/after

`compare` prints a unified diff of every file that differs (and the files only one side
has) and exits 1 when anything does. The matrix is the fast tier's (read from copier.yml),
plus one render with awkward free text, so escaping changes show too. No tasks run, so
the output depends on the template alone.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import snapshot_template  # noqa: E402
from tests.support.questionnaire import matrix_id, render_matrix  # noqa: E402
from tests.support.rendering import copy_template, tree  # noqa: E402

# Free text that exercises every escaper (TOML, YAML, Dockerfile, Markdown).
AWKWARD = {
    "project_name": 'Ünïcode "Quoted" Tools',
    "description": "Quotes \" ' and a backslash \\ and # and : colons — ok",
    # Quotes and backslashes are refused in an author name (uv_build's Author-email cannot
    # carry them); the two answers above exercise the escapers with those.
    "author_name": "O'Brien & Zoë #1 — Ltd.",
}


def scenarios() -> dict[str, dict[str, str | bool]]:
    """Every fast-tier variant by its pytest id, plus the awkward-text ones."""
    found: dict[str, dict[str, str | bool]] = {
        matrix_id(variant): dict(variant) for variant in render_matrix()
    }
    for kind in ("library", "application"):
        for tool in ("uv", "poetry", "setuptools"):
            found[f"awkward-{kind}-{tool}"] = {
                **AWKWARD,
                "project_kind": kind,
                "package_manager": tool,
            }
    return found


def render_all(destination: Path) -> int:
    """Render each scenario into destination/<id>/; returns how many."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        template = snapshot_template(Path(scratch) / "template")
        for name, data in scenarios().items():
            project = copy_template(destination / name, template, data)
            # The snapshot's temporary path is the one line that differs on every run.
            answers = project / ".copier-answers.yml"
            answers.write_text(
                answers.read_text(encoding="utf-8").replace(str(template), "<template>"),
                encoding="utf-8",
            )
    return len(scenarios())


def compare(before: Path, after: Path) -> int:
    """Print what differs between two rendered matrices; 1 when anything does."""
    differences = 0
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    for name in names:
        old = tree(before / name) if (before / name).is_dir() else {}
        new = tree(after / name) if (after / name).is_dir() else {}
        for path in sorted(set(old) | set(new)):
            if old.get(path) == new.get(path):
                continue
            differences += 1
            lines_old = old.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
            lines_new = new.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
            sys.stdout.writelines(
                difflib.unified_diff(
                    lines_old, lines_new, f"before/{name}/{path}", f"after/{name}/{path}"
                )
            )
    print(f"{differences} file(s) differ across {len(names)} render(s)")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render_parser = commands.add_parser("render", help="render the matrix into a folder")
    render_parser.add_argument("destination", type=Path)
    compare_parser = commands.add_parser("compare", help="diff two rendered matrices")
    compare_parser.add_argument("before", type=Path)
    compare_parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "render":
        count = render_all(args.destination)
        print(f"rendered {count} scenario(s) into {args.destination}")
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
