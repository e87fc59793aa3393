"""Names a generated project cannot take: those of what it installs or runs, and its layout.

A project that shares its distribution name with one of its own dependencies cannot be
locked (uv: "depends on itself at an incompatible version"; a dependency of a dependency,
such as pytest's pluggy, is "shadowed by your project"), and one named after the installer
replaces it (pip uninstalls itself). A package that shares its import name with a module
of its environment shadows it. So the validators ask this module, which reads the names
from the template itself rather than from a copy:

- direct requirements: template/pyproject.toml.jinja rendered for every kind and package
  manager (its runtime dependencies, its dev group, tools/tools.toml's `build_requires`
  and `dev_requires`), read live on every run, so a new dependency is refused at once;
- the programs tools/tools.toml's commands run (`uv`, `poetry`, `python -m pip`...);
- what those pull in, and the top-level modules every one of them installs: resolved and
  installed by scripts/dependency_names.py into dependency_names.json next to this file
  (a test checks that the file was made from today's direct requirements).

Self-contained on purpose: validation.py loads it by path, as Copier loads extensions, and
tests/ and scripts/ import it as `extensions.collisions`.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import shlex
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import jinja2
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
DERIVED_FILE = Path(__file__).with_name("dependency_names.json")
_PEP503_RUN = re.compile(r"[-_.]+")

# Answers the template is rendered with to read its dependency lists. Only the kind and
# the package manager change what a project depends on; the rest just has to be valid.
_PROBE_ANSWERS: dict[str, str] = {
    "project_name": "Keel Probe",
    "distribution_name": "keel-probe",
    "import_name": "keel_probe",
    "description": "Reads the template's dependency lists.",
    "author_name": "Keel",
    "author_email": "keel@example.com",
    "repository_url": "https://example.com/keel/probe",
    "license": "MIT",
    "copyright_year": "2026",
    "docker": "false",
}
_KINDS = ("library", "application")
_PLURALS = {"library": "libraries", "application": "applications"}


def normalize(name: str) -> str:
    """PEP 503: `Py_Test`, `py.test` and `pytest`... compare equal only when normalised."""
    return _PEP503_RUN.sub("-", name).lower()


class Taker(NamedTuple):
    """A distribution a project's name can collide with, and why the project has it."""

    name: str
    role: str


def _load(name: str) -> ModuleType:
    """A sibling extension file, by path (extensions/ is not a package for Copier)."""
    spec = importlib.util.spec_from_file_location(f"keel_{name}", ROOT / "extensions" / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rendered_pyprojects() -> dict[tuple[str, str], dict[str, Any]]:
    """template/pyproject.toml.jinja as Copier renders it, per (kind, package manager)."""
    derived = _load("derived.py")
    escaping = _load("escaping.py")
    pythons = _load("pythons.py")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["toml_str"] = escaping.toml_string
    environment.filters["toml_key"] = escaping.toml_key
    template = environment.get_template("template/pyproject.toml.jinja")
    out = {}
    for kind in _KINDS:
        for tool in derived.table():
            answers = {
                **_PROBE_ANSWERS,
                "project_kind": kind,
                "package_manager": tool,
                "python_version": pythons.SUPPORTED[0],
            }
            context = {**answers, **derived.derive(answers)}
            out[kind, tool] = tomllib.loads(template.render(context))
    return out


def requirement_lists(pyproject: dict[str, Any]) -> dict[str, list[str]]:
    """A rendered pyproject's requirements by role: what the project builds with, installs
    and develops with (a role is phrased with the projects that have it, see _whose)."""
    return {
        "the build backend of {whose}": pyproject["build-system"]["requires"],
        "a dependency of {whose}": pyproject["project"]["dependencies"],
        "a development tool of {whose}": pyproject["dependency-groups"]["dev"],
    }


def _programs(command: str) -> list[str]:
    """The program a command line runs: `uv` in `uv lock`, `pip` in `python -m pip ...`."""
    words = shlex.split(command)
    if not words or words[0] in {".", "source"}:
        return []  # activating an environment runs nothing installable
    if words[0].startswith("python") and len(words) > 2 and words[1] == "-m":
        return [words[2]]
    return [words[0]]


def _whose(combos: set[tuple[str, str]], every: set[tuple[str, str]]) -> str:
    """ "Keel's projects", "Keel's applications", "Keel's setuptools projects"...: which
    generated projects have a requirement, from the (kind, tool) pairs that have it."""
    kinds = sorted({kind for kind, _ in combos}, key=_KINDS.index)
    tools = sorted({tool for _, tool in combos})
    every_tool = {tool for _, tool in every}
    noun = "projects" if len(kinds) == len(_KINDS) else _PLURALS[kinds[0]]
    qualifier = "" if set(tools) == every_tool else " and ".join(tools) + " "
    return f"Keel's {qualifier}{noun}"


@functools.cache
def direct() -> dict[str, Taker]:
    """Every name a project depends on or runs directly, normalised -> who and why.

    Read from what the template renders for every kind and package manager (a `copier
    update` may switch either); a name with several roles keeps the first found below.
    """
    derived = _load("derived.py")
    roles: dict[str, dict[str, tuple[str, set[tuple[str, str]]]]] = {}

    def add(requirement: str, role: str, combo: tuple[str, str]) -> None:
        name = Requirement(requirement).name
        entry = roles.setdefault(normalize(name), {})
        entry.setdefault(role, (name, set()))[1].add(combo)

    pyprojects = rendered_pyprojects()
    for combo, pyproject in pyprojects.items():
        for role, requirements in requirement_lists(pyproject).items():
            for requirement in requirements:
                add(requirement, role, combo)
    for combo in pyprojects:
        row = derived.table()[combo[1]]
        for key in ("environment", "lock", "install", "install_locked", "build", "lowest"):
            for command in row[key]:
                for program in _programs(command):
                    if program not in _stdlib():  # `python -m venv` is part of Python
                        add(program, "a tool {whose} run", combo)
    every = set(pyprojects)
    found = {}
    for key, by_role in roles.items():
        role, (name, combos) = next(iter(by_role.items()))
        found[key] = Taker(name, role.format(whose=_whose(combos, every)))
    return found


@functools.cache
def _stdlib() -> frozenset[str]:
    data = json.loads(ROOT.joinpath("extensions", "stdlib_modules.json").read_text("utf-8"))
    return frozenset().union(*map(frozenset, data.values()))


@functools.cache
def derived_file() -> dict[str, Any]:
    """dependency_names.json: `roots` (the direct names it was made from) and
    `distributions` (normalised name -> `name`, `needed_by`, `modules`)."""
    data = json.loads(DERIVED_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@functools.cache
def takers() -> dict[str, Taker]:
    """Every distribution name a project cannot take: direct ones, then what they need."""
    found = dict(direct())
    for key, entry in derived_file()["distributions"].items():
        if key not in found:
            found[key] = Taker(entry["name"], f"a dependency of {entry['needed_by'][0]}")
    return found


@functools.cache
def modules() -> dict[str, Taker]:
    """Every top-level module those distributions install -> the distribution's taker."""
    found: dict[str, Taker] = {}
    names = takers()
    for key, entry in derived_file()["distributions"].items():
        for module in entry["modules"]:
            found.setdefault(module, names[key])
    return found


def layout_names() -> frozenset[str]:
    """Folders of the generated project that hold Python code next to src/ (`tests`):
    pytest imports their modules under the folder's name, so a package of that name
    collides with them."""
    template = ROOT / "template"
    return frozenset(
        folder.name
        for folder in template.iterdir()
        if folder.is_dir()
        and folder.name != "src"
        and folder.name.isidentifier()
        and any(folder.glob("*.py*"))
    )


def distribution_taker(name: object) -> Taker | None:
    """Who already has this distribution name (PEP 503 normalised), if anyone."""
    if not isinstance(name, str):
        return None
    return takers().get(normalize(name))


def module_taker(name: object) -> Taker | None:
    """Whose top-level module this import name is, if anyone's."""
    if not isinstance(name, str):
        return None
    return modules().get(name)
