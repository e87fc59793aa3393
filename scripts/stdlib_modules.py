"""Regenerate extensions/stdlib_modules.json: each supported Python's standard-library modules.

The import-name validator refuses a name that would shadow a standard-library module on
any Python a project may run on, not only on the Python that happens to run Copier. So the
lists come from the interpreters themselves (`sys.stdlib_module_names`), one per version in
extensions/pythons.py, found as the tests find them (tests/support/toolchain.python_for):

    uv run python scripts/stdlib_modules.py            # rewrite the versions found here
    uv run python scripts/stdlib_modules.py --check    # exit 1 if a found one differs

A version with no interpreter on this machine keeps the list already in the file (it was
generated where that version exists); one that is neither found nor in the file fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extensions.pythons import SUPPORTED  # noqa: E402
from tests.support.toolchain import python_for  # noqa: E402

DATA = ROOT / "extensions" / "stdlib_modules.json"
_PROBE = "import json, sys; print(json.dumps(sorted(sys.stdlib_module_names)))"


def modules_of(interpreter: Path) -> list[str]:
    """The interpreter's own list of standard-library top-level modules, sorted."""
    result = subprocess.run(
        [str(interpreter), "-I", "-c", _PROBE], capture_output=True, text=True, check=True
    )
    names = json.loads(result.stdout)
    assert isinstance(names, list)
    return [str(name) for name in names]


def stored() -> dict[str, list[str]]:
    """The lists as committed."""
    if not DATA.exists():
        return {}
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def serialise(data: dict[str, list[str]]) -> str:
    """One name per line, versions in order: a new Python shows as a readable diff."""
    ordered = {version: sorted(data[version]) for version in SUPPORTED}
    return json.dumps(ordered, indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args()

    data = stored()
    differs = False
    for version in SUPPORTED:
        interpreter = python_for(version)
        if interpreter is None:
            if version not in data:
                print(f"{version}: no interpreter here and no stored list", file=sys.stderr)
                return 1
            print(f"{version}: no interpreter here; keeping the stored list")
            continue
        found = modules_of(interpreter)
        status = "unchanged" if data.get(version) == found else "differs"
        differs |= status == "differs"
        print(f"{version}: {len(found)} modules from {interpreter} ({status})")
        data[version] = found
    if args.check:
        return 1 if differs else 0
    DATA.write_text(serialise(data), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
