"""Values Keel derives from the validated answers, in the one place no data file can reach.

Copier treats a `when: false` question as an answer like any other: `--data`,
`--data-file`, an organisation preset or a hand-edited answers file can set it, and a
derived value such as the lock command would then run whatever a preset says. So nothing
derived is a question. This ContextHook computes every derived value from the answers
each time Copier renders (file contents, paths, tasks, the after-copy message), and
refuses — with one sentence, before anything is written — an answer source that names one.

Per-tool facts come from tools/tools.toml (the one table; see its header). Commands in it
are filled from validated answers only.

Self-contained on purpose: Copier's loader imports this file by path, and tasks/,
scripts/ and tests/ import it the same way or as `extensions.derived`.
"""

from __future__ import annotations

import functools
import importlib.util
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import Environment, nodes

TABLE = Path(__file__).resolve().parents[1] / "tools" / "tools.toml"

# Fields a command of the table may name. All are validated answers of copier.yml.
COMMAND_FIELDS = ("python_version", "distribution_name", "import_name")


def supported_pythons() -> list[str]:
    """extensions/pythons.py's SUPPORTED, loaded by path (the one list of Pythons)."""
    spec = importlib.util.spec_from_file_location(
        "keel_pythons", TABLE.parents[1] / "extensions" / "pythons.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SUPPORTED)


# Every derived name and what it holds (the questions reference lists these).
DERIVED: dict[str, str] = {
    "is_application": "the project is an application",
    "is_library": "the project is a library",
    "commits_lock": "the project commits its lock files (applications do; lock-policy decision)",
    "has_dockerfile": "an application that ships a container image",
    "is_http": "an application that is a web service (app_interface http)",
    "derived_dev_requires": "development requirements of the tool (its build front end) and "
    "of the shape (a web service's test client), sorted",
    "has_compose": "a web service that ships a container image, so it gets compose.yaml",
    "is_proprietary": "the licence is Proprietary",
    "publishes_to_pypi": "a library with an open licence, so it gets the PyPI publish workflow",
    "python_versions": "the Pythons CI tests: from the oldest up for a library, the one for an "
    "application",
    "requires_python": "pyproject's requires-python",
    "manager": "the chosen package manager's row of tools/tools.toml, commands filled in",
    "lock_files_by_tool": "every tool's lock files (a switch of tool retires the old ones)",
    "lock_file": "the runtime lock file",
    "dev_lock_file": "the development lock file (the same file except for setuptools)",
    "lock_command": "the lock command as one line",
    "run_prefix": "the prefix that runs a development tool from the project's environment",
    "run_pre_commit": "pre-commit, run from the project's environment",
    "run_app": "the application's console script, run from the project's environment",
    "placeholders": "the answers still at a stand-in default of Keel's (my-org...)",
}

# Answers still at a stand-in default of copier.yml: the project works, but its metadata,
# URLs and image labels say something untrue until they change.
PLACEHOLDERS = {
    "author_name": "Your Name",
    "author_email": "you@example.com",
    "repository_org": "my-org",
}

# One `use_<tool>` predicate per row of the table, e.g. `use_poetry`.
_DERIVED_MARK = object()


@functools.cache
def table() -> dict[str, dict[str, Any]]:
    """tools/tools.toml: package manager -> its facts."""
    with TABLE.open("rb") as handle:
        return tomllib.load(handle)


def derived_names() -> frozenset[str]:
    """Every name this module sets, `use_<tool>` predicates included."""
    return frozenset(DERIVED) | {f"use_{name}" for name in table()}


def _fill(value: Any, fields: Mapping[str, str]) -> Any:  # noqa: ANN401 - TOML values
    """Fill `{field}` placeholders of a command (or a list of them) from validated answers."""
    if isinstance(value, str):
        return value.format_map(fields)
    if isinstance(value, list):
        return [_fill(item, fields) for item in value]
    return value


def manager_facts(name: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The table's row for package manager `name`, with its commands filled in."""
    row = table().get(name)
    if row is None:
        msg = f'Keel has no package manager "{name}"; choose one of: {", ".join(table())}.'
        raise UserMessageError(msg)
    fields = {key: str(answers[key]) for key in COMMAND_FIELDS if key in answers}
    facts = {"name": name}
    for key, value in row.items():
        try:
            facts[key] = _fill(value, fields)
        except KeyError:
            continue  # an answer it needs is not given yet (the questionnaire is running)
    return facts


def _pythons_from(minimum: str) -> list[str]:
    key = [int(part) for part in minimum.split(".")]
    return [v for v in _supported() if [int(part) for part in v.split(".")] >= key]


@functools.cache
def _supported() -> tuple[str, ...]:
    return tuple(supported_pythons())


def derive(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every derived value whose answers are known (the questionnaire asks one at a time)."""
    out: dict[str, Any] = {}
    kind = answers.get("project_kind")
    if kind is not None:
        out["is_application"] = kind == "application"
        out["is_library"] = kind == "library"
        # Lock policy: applications commit a lock, libraries never do.
        out["commits_lock"] = kind == "application"
        out["has_dockerfile"] = kind == "application" and bool(answers.get("docker", False))
        # Absent for a library, and for applications made before the question existed.
        out["is_http"] = kind == "application" and answers.get("app_interface", "cli") == "http"
        out["has_compose"] = out["has_dockerfile"] and out["is_http"]
    if "license" in answers:
        out["is_proprietary"] = answers["license"] == "Proprietary"
        if kind is not None:
            out["publishes_to_pypi"] = kind == "library" and answers["license"] != "Proprietary"
    version = answers.get("python_version")
    if version is not None and kind is not None:
        version = str(version)
        major, minor = (int(part) for part in version.split(".")[:2])
        if kind == "library":
            out["python_versions"] = _pythons_from(version)
            out["requires_python"] = f">={version}"
        else:
            out["python_versions"] = [version]
            out["requires_python"] = f">={version},<{major}.{minor + 1}"
    out["placeholders"] = [
        name for name, value in PLACEHOLDERS.items() if answers.get(name) == value
    ]
    tool = answers.get("package_manager")
    if tool is not None:
        facts = manager_facts(str(tool), answers)
        out["manager"] = facts
        # httpx2: what FastAPI's test client sends requests with.
        shape = ["httpx2>=2.0"] if out.get("is_http") else []
        out["derived_dev_requires"] = sorted([*facts.get("dev_requires", []), *shape])
        for name in table():
            out[f"use_{name}"] = name == tool
        out["lock_files_by_tool"] = {name: row["lock_files"] for name, row in table().items()}
        out["lock_file"] = facts["lock_files"][0]
        out["dev_lock_file"] = facts["lock_files"][-1]
        for key, derived in (
            ("lock", "lock_command"),
            ("run", "run_prefix"),
            ("run_pre_commit", "run_pre_commit"),
            ("run_app", "run_app"),
        ):
            if key in facts:
                value = facts[key]
                out[derived] = " && ".join(value) if isinstance(value, list) else value
    return out


def refuse_given(context: Mapping[str, Any]) -> None:
    """One sentence, and nothing written, when an answer source names a derived value."""
    given = sorted(derived_names() & set(context))
    if not given:
        return
    # One sentence for every route: on update Copier replays the answers file as data, so
    # the route cannot be told apart reliably.
    msg = (
        f'"{given[0]}" is derived by Keel from your answers and cannot be given: '
        "remove it from --data, the data file or the answers file."
    )
    raise UserMessageError(msg)


def recorded_answers(context: Mapping[str, Any]) -> dict[str, Any]:
    """The answers file already in the destination ({} for a new project).

    During `copier update` Copier asks its questions while the file still holds the answers
    of the last render; nothing has been written yet.
    """
    conf = context.get("_copier_conf")
    if not isinstance(conf, Mapping) or not conf.get("dst_path") or not conf.get("answers_file"):
        return {}
    path = Path(conf["dst_path"]) / conf["answers_file"]
    try:
        stat = path.stat()
    except OSError:
        return {}
    return dict(_answers_file(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _answers_file(path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    """An answers file, parsed once per version of it (the hook runs on every render)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def refuse_interface_switch(context: Mapping[str, Any]) -> None:
    """One sentence, and nothing written, when an existing application would change shape.

    The files the shapes differ in (cli.py, settings.py, .env.example, their tests) are the
    user's: an update creates them when missing and never rewrites them (`_skip_if_exists`),
    so a switch would leave a cli's modules under an http project's Dockerfile and
    dependencies. A library that becomes an application has none of them, so it may choose.

    Not while Copier asks its questions: it re-validates the last answers then and drops,
    without a word, any whose check raises. An update's first stage that is not a question
    is its `before` migrations, which run before anything is written; their context has
    no answers yet, so what `--data` gives (else what is recorded) stands in for them.
    """
    if str(context.get("_copier_phase", "")) == "prompt":
        return
    before = recorded_answers(context)
    if before.get("project_kind") != "application":
        return
    conf = context.get("_copier_conf")
    data = conf.get("data") if isinstance(conf, Mapping) else None
    given: Mapping[str, Any] = data if isinstance(data, Mapping) else {}

    def now(name: str, default: str) -> str:
        return str(context.get(name, given.get(name, before.get(name, default))))

    old = str(before.get("app_interface", "cli"))
    new = now("app_interface", "cli")
    if now("project_kind", "application") == "application" and old != new:
        msg = (
            f'This application\'s app_interface is "{old}" and an update cannot change it to '
            f'"{new}", because the files the two differ in (cli.py, settings.py, .env.example '
            "and their tests) are yours and never rewritten: generate a new project with "
            f"app_interface={new} and move your code into it."
        )
        raise UserMessageError(msg)


def compile_each_source_once(environment: Environment) -> None:
    """Make `environment` compile each template string once, however often it renders it.

    Copier compiles a string anew every time it renders one: the answers file's name once per
    rendered file, each question's type, default and validator at each step, and all of it
    again in each of the three renders of an update (the old version, the project, the new
    version). A no-op update of a Keel library compiled 854 times, 405 of them distinct
    within their environment: a large share of what it cost beyond a trivial template's.
    A compilation depends only on the string and on the environment's configuration, which
    is fixed once its extensions have loaded, so its code is kept and reused; every render
    still runs it with that render's context. Errors are not kept: a bad string fails again.
    Here because this extension loads into every environment Keel renders with.
    """
    compile_uncached: Callable[..., Any] = environment.compile
    compiled: dict[tuple[str, str | None, str | None, bool, bool], Any] = {}

    def compile_once(
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:  # noqa: ANN401 - as Jinja's: code, or the Python source when raw
        if not isinstance(source, str):
            return compile_uncached(source, name, filename, raw, defer_init)
        key = (source, name, filename, raw, defer_init)
        if key not in compiled:
            compiled[key] = compile_uncached(source, name, filename, raw, defer_init)
        return compiled[key]

    environment.compile = compile_once  # type: ignore[method-assign]


class DerivedValues(ContextHook):
    """Puts every derived value into each render's context, after refusing given ones."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        compile_each_source_once(environment)

    def hook(self, context: dict[str, Any]) -> None:
        if context.get("_keel_derived") is _DERIVED_MARK:
            return  # an included template: its context is the one already derived
        refuse_given(context)
        refuse_interface_switch(context)
        context.update(derive(context))
        context["_keel_derived"] = _DERIVED_MARK
