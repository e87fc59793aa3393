"""Regenerate extensions/dependency_names.json: what Keel's projects install, and its modules.

The distribution-name validator refuses a dependency of a dependency too (a library named
`pluggy` cannot lock: pytest needs the real one), and the import-name validator refuses any
top-level module the project's environment holds (`yaml`, `_pytest`, `dotenv`...). Neither
can be read from the template without resolving it, so this script resolves, for every
kind and package manager, what the template renders (extensions/collisions.py reads the
direct requirements the same way), with uv for every platform and every supported Python,
then installs each distribution found (for this platform, without dependencies) into a
scratch folder and lists the top-level modules its RECORD names:

    uv run python scripts/dependency_names.py            # rewrite the file
    uv run python scripts/dependency_names.py --check    # exit 1 if it would change

Needs PyPI. Versions move, so a new release can add a dependency; tests/test_validation.py
re-resolves in its end-to-end tier and fails when the file is behind.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extensions.collisions import (  # noqa: E402
    DERIVED_FILE,
    direct,
    normalize,
    rendered_pyprojects,
    requirement_lists,
)
from extensions.pythons import SUPPORTED  # noqa: E402
from tests.support.toolchain import python_for  # noqa: E402

# `name==version ; marker  # via a, b` as `uv pip compile --annotation-style line` writes it.
_PINNED = re.compile(r"(?P<name>[\w.-]+)==(?P<version>\S+)[^#]*(?:#\s*via\s+(?P<via>.*))?")
# mypyc's runtime helper modules are named after a hash of their content: no project can
# take such a name, and it would change with every release.
_MYPYC_HELPER = re.compile(r"[0-9a-f]{20}__mypyc")


def resolve(requirements: list[str], python: Path) -> dict[str, tuple[str, str, list[str]]]:
    """normalised name -> (name, version, the distributions that need it), for every
    platform and every Python from the oldest supported one."""
    result = subprocess.run(
        [
            "uv",
            "pip",
            "compile",
            "-",
            "--universal",
            f"--python-version={SUPPORTED[0]}",
            f"--python={python}",
            "--annotation-style=line",
            "--no-header",
            "--quiet",
        ],
        input="\n".join(requirements) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    found = {}
    for line in result.stdout.splitlines():
        match = _PINNED.fullmatch(line.strip())
        if match is None:
            continue
        via = [part.strip() for part in (match["via"] or "").split(",") if part.strip()]
        found[normalize(match["name"])] = (match["name"], match["version"], via)
    return found


def top_level_modules(pins: dict[str, str], python: Path) -> dict[str, list[str]]:
    """normalised name -> the importable top-level names its wheel installs (from RECORD)."""
    with tempfile.TemporaryDirectory(prefix="keel-dependency-names-") as scratch:
        target = Path(scratch)
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                f"--python={python}",
                f"--target={target}",
                *(f"{name}=={version}" for name, version in pins.items()),
            ],
            check=True,
        )
        found: dict[str, list[str]] = {}
        for record in target.glob("*.dist-info/RECORD"):
            metadata = (record.parent / "METADATA").read_text(encoding="utf-8")
            name = next(
                line.split(":", 1)[1].strip()
                for line in metadata.splitlines()
                if line.startswith("Name:")
            )
            names = set()
            with record.open(encoding="utf-8", newline="") as handle:
                for row in csv.reader(handle):
                    first = row[0].split("/", 1)[0]
                    module = first.split(".", 1)[0]
                    if (
                        first.endswith((".dist-info", ".data", ".pth"))
                        or first.startswith("..")
                        or not module.isidentifier()
                        or module == "__pycache__"
                        or first == "bin"  # --target's folder of console scripts
                        or _MYPYC_HELPER.fullmatch(module)
                    ):
                        continue
                    names.add(module)
            found[normalize(name)] = sorted(names)
        return found


def generate() -> dict[str, Any]:
    """The file's content, made from the template as it is now."""
    python = python_for(SUPPORTED[0])
    if python is None:
        msg = f"Python {SUPPORTED[0]} is needed to resolve for the oldest supported Python"
        raise SystemExit(msg)
    resolved: dict[str, tuple[str, str, list[str]]] = {}
    for pyproject in rendered_pyprojects().values():
        for key, (name, version, via) in resolve(
            [r for listed in requirement_lists(pyproject).values() for r in listed], python
        ).items():
            if key in resolved:
                known = resolved[key][2]
                via = known + [parent for parent in via if parent not in known]
            resolved[key] = (name, version, via)
    roots = direct()
    # The tools the commands run are installed elsewhere, but their modules still count
    # (an application's environment may hold pip; uv's and poetry's packages import).
    pins = {name: version for name, version, _ in resolved.values()}
    for key, taker in roots.items():
        if key not in resolved:
            listed = resolve([taker.name], python)[key]
            pins[listed[0]] = listed[1]
            resolved[key] = (listed[0], listed[1], [])
    modules = top_level_modules(pins, python)
    return {
        "roots": sorted(roots),
        "distributions": {
            key: {
                "name": name,
                "needed_by": sorted(via),
                "modules": modules[key],
            }
            for key, (name, _, via) in sorted(resolved.items())
        },
    }


def serialise(data: dict[str, Any]) -> str:
    """Indented and sorted: a new dependency shows as a readable diff."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args()
    text = serialise(generate())
    current = DERIVED_FILE.read_text(encoding="utf-8") if DERIVED_FILE.exists() else ""
    if args.check:
        print("unchanged" if text == current else f"{DERIVED_FILE.name} is out of date")
        return 0 if text == current else 1
    DERIVED_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
