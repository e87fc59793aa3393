"""Update tier: `copier update` keeps the user's work, brings the template's, and says when
it cannot.

Each test builds a throwaway git history of the template (tests/support/history.py): v1.0.0
is the working tree, later versions change what a release typically changes. Projects are
generated from a tag, edited the way users edit them, committed, and updated through
Copier's API exactly as `copier update --trust --defaults` would.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import copier
import copier._main
import pytest

from keel.updating import OWNING_SETTINGS, conflicted_files, matching, owned_patterns
from tests.support import tools
from tests.support.history import (
    TemplateHistory,
    copy_version,
    evolve,
    git,
    replace_once,
    update,
)
from tests.support.projects import GeneratedProject
from tests.support.questionnaire import ROOT, answers, asked, choices, kind_tool_pairs
from tests.support.rendering import load_yaml, pyproject, tree
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import KEEL_BIN, python_for, run, tool_env

pytestmark = pytest.mark.update

# The update tier is about Copier, not interpreters (the end-to-end tier spreads those), so
# every project here runs on one Python.
PYTHON = "3.11"
ALL_LOCK_FILES = tools.all_lock_files()


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> TemplateHistory:
    """The working tree as v1.0.0, and a v1.1.0 that changes what the user also edits."""
    if python_for(PYTHON) is None:
        pytest.fail(f"Python {PYTHON} is required for the update tier")
    history = TemplateHistory.start(tmp_path_factory.mktemp("history"))
    history.release("v1.1.0", evolve)
    return history


def generate(
    history: TemplateHistory,
    destination: Path,
    workarounds: SandboxWorkarounds,
    ref: str,
    **given: str,
) -> GeneratedProject:
    """Generate version `ref` with tasks (applications lock), check the lock policy, commit."""
    path = copy_version(history, destination, ref, tasks=True, python_version=PYTHON, **given)
    return GeneratedProject(path, workarounds).settle()


# --- what users do after generating ------------------------------------------------------

DEPENDENCY = "tomli-w>=1.0"
# The last line of an application's generated `dependencies`; users append below it.
APP_DEPENDENCIES_END = '  "pydantic-settings>=2.6",\n'
USER_MODULE = '''"""Settings as TOML: code the user wrote after generating the project."""

import tomli_w


def dump(settings: dict[str, object]) -> str:
    return tomli_w.dumps(settings)
'''
USER_TEST = """from keel_sample.dump import dump


def test_dump_writes_toml() -> None:
    assert dump({"name": "Ada"}) == 'name = "Ada"\\n'
"""
USER_README = "## Usage\n\n```python\nfrom keel_sample.dump import dump\n```\n\n"
USER_OWNED = (
    "CHANGELOG.md",
    "src/keel_sample/__init__.py",
    "src/keel_sample/core.py",
    "src/keel_sample/dump.py",
    "tests/test_core.py",
    "tests/test_dump.py",
)


def declare_dependency(pyproject_toml: Path) -> None:
    """Append a runtime dependency, with a lower bound only as the template asks."""
    if "dependencies = []\n" in pyproject_toml.read_text(encoding="utf-8"):
        replace_once(
            pyproject_toml, "dependencies = []\n", f'dependencies = [\n  "{DEPENDENCY}",\n]\n'
        )
    else:
        replace_once(
            pyproject_toml, APP_DEPENDENCIES_END, f'{APP_DEPENDENCIES_END}  "{DEPENDENCY}",\n'
        )


def add_dependency(project: GeneratedProject) -> None:
    """Declare a dependency and, for an application, relock with the project's tool."""
    declare_dependency(project.path / "pyproject.toml")
    if project.is_application:
        project.lock()


def add_code(project: GeneratedProject) -> None:
    """A module using the new dependency, and its test."""
    (project.path / "src" / "keel_sample" / "dump.py").write_text(USER_MODULE, encoding="utf-8")
    (project.path / "tests" / "test_dump.py").write_text(USER_TEST, encoding="utf-8")


def add_readme_section(project: GeneratedProject) -> None:
    """Write about the project where the README says the user's part ends."""
    marker = "<!-- Above this comment"
    replace_once(project.path / "README.md", marker, f"{USER_README}{marker}")


def edit_like_a_user(project: GeneratedProject) -> dict[str, bytes]:
    """Realistic edits to files both the user and v1.1.0 change; returns the user-owned files.

    None of these overlaps with v1.1.0's changes, so the update must merge them cleanly.
    """
    add_dependency(project)
    add_code(project)
    replace_once(
        project.path / "pyproject.toml",
        'files = ["src", "tests"]\n',
        'files = ["src", "tests"]\nwarn_unreachable = true\n',
    )
    add_readme_section(project)
    with (project.path / ".gitignore").open("a", encoding="utf-8") as handle:
        handle.write("/scratch/\n")
    with (project.path / "src" / "keel_sample" / "core.py").open("a", encoding="utf-8") as handle:
        handle.write('\n\ndef farewell(name: str) -> str:\n    return f"Goodbye, {name}!"\n')
    replace_once(
        project.path / "CHANGELOG.md",
        "- Project generated from the Keel template.\n",
        "- Project generated from the Keel template.\n- Settings can be written as TOML.\n",
    )
    project.commit("User work")
    return {name: (project.path / name).read_bytes() for name in USER_OWNED}


def status(project: GeneratedProject) -> str:
    return project.sh("git", "status", "--porcelain").stdout


def assert_green(project: GeneratedProject) -> None:
    """The project installs with its own tool, as its README says, and its tests pass."""
    shutil.rmtree(project.path / ".venv", ignore_errors=True)
    project.install()
    result = project.run_tool("pytest", "-v")
    assert "tests/test_dump.py::test_dump_writes_toml PASSED" in result.stdout, result.stdout
    assert " failed" not in result.stdout, result.stdout
    assert " error" not in result.stdout, result.stdout


def dependencies(project: GeneratedProject) -> list[str]:
    return list(pyproject(project.path)["project"]["dependencies"])


# --- every kind × tool: a realistic update ----------------------------------------------


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_update_keeps_user_work_and_brings_the_template_s(
    history: TemplateHistory,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    kind: str,
    tool: str,
) -> None:
    project = generate(
        history,
        tmp_path / "project",
        sandbox_workarounds,
        "v1.0.0",
        project_kind=kind,
        package_manager=tool,
    )
    locks = {p.name: p.read_text(encoding="utf-8") for p in project.lock_files if p.exists()}
    owned = edit_like_a_user(project)
    relocked = {p.name: p.read_text(encoding="utf-8") for p in project.lock_files if p.exists()}
    assert (relocked != locks) is project.is_application, "adding a dependency relocks apps"
    capfd.readouterr()

    update(project.path, "v1.1.0")

    # No overlap, so no conflict anywhere, and Keel says nothing about conflicts.
    assert conflicted_files(project.path) == []
    assert "overlaps with your changes" not in capfd.readouterr().out
    assert project.answers["_commit"] == "v1.1.0"
    # Template-owned files bring v1.1.0's changes and keep the user's edits.
    data = pyproject(project.path)
    assert "C4" in data["tool"]["ruff"]["lint"]["select"]
    assert data["tool"]["mypy"]["warn_unreachable"] is True
    assert DEPENDENCY in dependencies(project)
    readme = (project.path / "README.md").read_text(encoding="utf-8")
    assert USER_README in readme
    assert "CI runs the same three commands" in readme
    gitignore = (project.path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/scratch/", "*.so"} <= set(gitignore)
    hooks = load_yaml(project.path / ".pre-commit-config.yaml")
    ids = {hook["id"] for repo in hooks["repos"] for hook in repo["hooks"]}
    assert "check-added-large-files" in ids
    # Files the user owns are exactly as the user left them, though v1.1.0 changed them too.
    assert {name: (project.path / name).read_bytes() for name in owned} == owned
    # The lock still pins what the user locked (an update relocks only to follow pyproject).
    for path in project.lock_files:
        assert path.exists() is project.is_application
    if project.is_application:
        assert project.lock_is_current()
        assert {p.name: p.read_text(encoding="utf-8") for p in project.lock_files} == relocked

    assert_green(project)

    # Updating again to the same version changes nothing.
    project.commit("Update to Keel v1.1.0")
    update(project.path, "v1.1.0")
    assert status(project) == ""


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_updating_an_untouched_project_equals_a_fresh_render(
    history: TemplateHistory, tmp_path: Path, kind: str, tool: str
) -> None:
    """Template-owned files become v1.1.0's; the user's stay as v1.0.0 made them."""
    given = {"project_kind": kind, "package_manager": tool, "python_version": PYTHON}
    project = copy_version(history, tmp_path / "updated", "v1.0.0", tasks=False, **given)
    original = tree(project)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Start from Keel")
    update(project, "v1.1.0")
    fresh = tree(copy_version(history, tmp_path / "fresh", "v1.1.0", tasks=False, **given))
    expected = {**fresh, **{name: original[name] for name in USER_OWNED if name in original}}
    # The update relocks applications; a render without tasks has no lock to compare with.
    updated = tree(project)
    made = {k for k in updated if k in ALL_LOCK_FILES or k.startswith(".venv/")}
    assert {k: v for k, v in updated.items() if k not in made} == expected


# --- overlapping edits -------------------------------------------------------------------


def test_overlapping_edit_is_marked_inline_and_reported(
    history: TemplateHistory,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A line both sides wrote in a file Keel merges only by lines (tests/test_update_merge.py
    has the structured merges and their genuine conflicts)."""
    project = generate(history, tmp_path / "project", sandbox_workarounds, "v1.0.0")
    # The user adds a line exactly where v1.1.0 adds one.
    path = project.path / ".gitignore"
    replace_once(path, "*.py[cod]\n", "*.py[cod]\n*.pyd\n")
    project.commit("Ignore Windows extension modules")
    capfd.readouterr()

    update(project.path, "v1.1.0")

    # What the user sees: markers in the file, git listing it as unmerged, Keel's message.
    text = path.read_text(encoding="utf-8")
    assert "<<<<<<< before updating\n*.pyd\n=======\n*.so\n>>>>>>> after updating\n" in text
    assert "UU .gitignore" in status(project).splitlines()
    assert conflicted_files(project.path) == [".gitignore"]
    out = capfd.readouterr().out
    assert "Keel: the update overlaps with your changes" in out
    assert "  .gitignore\n" in out
    # Everything else merged: the overlap stops nothing else.
    assert "CI runs the same three commands" in (project.path / "README.md").read_text(
        encoding="utf-8"
    )


# --- switching package manager or kind after generation ---------------------------------

# A cycle through the table: every tool is left once and reached once.
APPLICATION_SWITCHES = [
    pytest.param(old, new, id=f"{old}-to-{new}")
    for old, new in zip(tools.names(), [*tools.names()[1:], tools.names()[0]], strict=True)
]


def test_switches_visit_every_tool() -> None:
    switches = [(p.values[0], p.values[1]) for p in APPLICATION_SWITCHES]
    assert (
        {old for old, _ in switches}
        == {new for _, new in switches}
        == set(choices("package_manager"))
    )


def assert_follows_tool(project: GeneratedProject, tool: str) -> None:
    """An application's backend, tool config, locks and README are `tool`'s; its code stays."""
    data = pyproject(project.path)
    facts = tools.facts(tool, PYTHON)
    assert data["build-system"]["build-backend"] == facts["build_backend"]
    for other in tools.names():
        table: Any = data
        for key in tools.facts(other)["tool_table"].split("."):
            table = table.get(key, {}) if isinstance(table, dict) else {}
        assert bool(table) is (other == tool), other
        for config_file in tools.facts(other)["config_files"]:
            assert (project.path / config_file).exists() is (other == tool)
    lock_files = set(facts["lock_files"])
    assert {name for name in ALL_LOCK_FILES if (project.path / name).exists()} == lock_files
    # The README's template sections follow the tool; the user's section stays.
    readme = (project.path / "README.md").read_text(encoding="utf-8")
    assert USER_README in readme
    assert "\n".join(facts["install_locked"]) in readme
    assert project.lock_command() == " && ".join(facts["lock"])
    assert DEPENDENCY in dependencies(project)
    module = project.path / "src" / "keel_sample" / "dump.py"
    assert module.read_text(encoding="utf-8") == USER_MODULE


@pytest.mark.parametrize(("old", "new"), APPLICATION_SWITCHES)
def test_switching_package_manager_moves_an_application_to_the_new_tool(
    history: TemplateHistory,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    old: str,
    new: str,
) -> None:
    project = generate(
        history,
        tmp_path / "project",
        sandbox_workarounds,
        "v1.1.0",
        project_kind="application",
        package_manager=old,
    )
    add_dependency(project)
    add_code(project)
    add_readme_section(project)
    project.commit("User work")
    capfd.readouterr()

    update(project.path, "v1.1.0", package_manager=new)

    out = capfd.readouterr().out
    for name in sorted(tools.facts(old)["lock_files"]):
        assert f"Keel: removed {name}: the project now uses {new}, not {old}." in out
    assert conflicted_files(project.path) == []
    if project.adapt_to_sandbox():
        # The update's relock could not reach PyPI with poetry here (see sandbox.py).
        project.lock()
    assert_follows_tool(project, new)
    assert project.lock_is_current()
    assert_green(project)


def test_switching_a_library_to_an_application(
    history: TemplateHistory,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    project = generate(
        history,
        tmp_path / "project",
        sandbox_workarounds,
        "v1.1.0",
        project_kind="library",
        package_manager="uv",
    )
    add_dependency(project)
    add_code(project)
    add_readme_section(project)
    project.commit("User work")
    capfd.readouterr()

    update(project.path, "v1.1.0", project_kind="application")

    # Both sides added to `dependencies`, on the same lines: Keel's merge keeps both (a
    # dependency array is a set), before the relock reads pyproject.toml.
    assert conflicted_files(project.path) == []
    assert "Keel: merged what both sides changed in pyproject.toml" in capfd.readouterr().out
    assert {"pydantic-settings>=2.6", DEPENDENCY} <= set(dependencies(project))

    assert project.is_application
    package = project.path / "src" / "keel_sample"
    for created in ("cli.py", "settings.py", "__main__.py"):
        assert (package / created).exists()
    assert not (package / "py.typed").exists()
    assert (project.path / ".env.example").exists()
    assert "uv.lock" not in (project.path / ".gitignore").read_text(encoding="utf-8")
    assert pyproject(project.path)["project"]["scripts"] == {"keel-sample": "keel_sample.cli:main"}
    assert_follows_tool(project, "uv")
    assert project.lock_is_current()
    assert_green(project)


# --- every file the user owns stays theirs -------------------------------------------------

KEEL_CHANGE = "# Changed by Keel v2.0.0.\n"
TEAM_EDIT = "# Edited by the project's team.\n"
# A template path's Jinja, reduced to the name it renders to: `{% if x %}name{% endif %}`
# -> `name`, `{{ import_name }}` -> a name (ownership patterns say `src/*/`, not which).
PATH_CONDITION = re.compile(r"\{%.*?%\}")
PATH_VARIABLE = re.compile(r"\{\{.*?\}\}")
OWNERSHIP_TABLE = ROOT / "docs" / "how-to" / "updating.md"


def documented_ownership() -> dict[str, list[str]]:
    """The how-to's ownership table, rows owned by "you": {the setting cited: files named}.

    The one statement of ownership users read. Its names become Copier patterns:
    `src/<package>/` any package, a bare name (`cli.py`) at any depth, as in .gitignore.
    """
    table: dict[str, list[str]] = {}
    for line in OWNERSHIP_TABLE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[1] == "you":
            [setting] = [s for s in OWNING_SETTINGS if f"`{s}`" in cells[2]]
            names = re.findall(r"`([^`]+)`", cells[0])
            table.setdefault(setting, []).extend(n.replace("<package>", "*") for n in names)
    assert table, f"no rows owned by `you` in {OWNERSHIP_TABLE}"
    return table


def selected(patterns: dict[str, list[str]], files: Iterable[str]) -> dict[str, set[str]]:
    """For each setting, the files its patterns select."""
    paths = list(files)
    return {setting: set(matching(found, paths)) for setting, found in patterns.items()}


def ownership(template: Path) -> list[str]:
    """Every pattern of an owned file, from copier.yml and from the how-to's table alike.

    Both, so a file one of them forgets is still edited, changed by Keel and checked.
    """
    tables = (owned_patterns(template), documented_ownership())
    return sorted({p for table in tables for found in table.values() for p in found})


def change_every_owned_file(root: Path) -> None:
    """Keel v2.0.0 of a throwaway history: a line added at the end of each owned file."""
    template = root / "template"
    shapes = {}
    for source in (p for p in template.rglob("*") if p.is_file()):
        shape = PATH_CONDITION.sub("", source.relative_to(template).as_posix())
        shapes[PATH_VARIABLE.sub("x", shape).removesuffix(".jinja")] = source
    for pattern in ownership(root):
        found = matching([pattern], shapes)
        assert found, f"no template file for the owned pattern {pattern}"
        for shape in found:
            text = shapes[shape].read_text(encoding="utf-8")
            shapes[shape].write_text(text + KEEL_CHANGE, encoding="utf-8")


def test_an_update_leaves_every_file_the_user_owns_as_the_user_left_it(tmp_path: Path) -> None:
    """Every owned file, edited by the team, survives an update byte for byte.

    Keel changes every owned file in v2.0.0 and the team edits each of them in its project:
    an update that merged into, or overwrote, any of them changes its bytes. Then the
    how-to's table must name exactly what copier.yml's `_exclude` (on update) and
    `_skip_if_exists` select, row by row. One project of each kind and of each application
    interface (a web service has all of them, a library some); the tool plays no part in
    ownership.
    """
    history = TemplateHistory.start(tmp_path / "history")
    history.release("v2.0.0", change_every_owned_file)
    patterns = ownership(history.path)
    unused = set(patterns)
    # Each kind, and an application of each interface (a web service owns more files).
    shapes = {kind: {"project_kind": kind} for kind in choices("project_kind")}
    shapes |= {
        f"application-{interface}": {"project_kind": "application", "app_interface": interface}
        for interface in choices("app_interface")
    }
    for kind, shape in shapes.items():
        project = plain_project(history, tmp_path / kind, **shape)
        files = set(tree(project))
        owned = set(matching(patterns, files))
        unused -= {pattern for pattern in patterns if matching([pattern], files)}
        for name in owned:
            path = project / name
            path.write_text(TEAM_EDIT + path.read_text(encoding="utf-8"), encoding="utf-8")
        git(project, "commit", "-q", "-am", "The team's edits")
        edited = {name: (project / name).read_bytes() for name in owned}

        update(project, "v2.0.0")

        assert load_yaml(project / ".copier-answers.yml")["_commit"] == "v2.0.0"
        changed = sorted(name for name in owned if (project / name).read_bytes() != edited[name])
        assert not changed, f"{kind}: the update changed files the user owns"
        # v2.0.0 did change each of them: a fresh project of that version has Keel's line.
        fresh = copy_version(
            history,
            tmp_path / f"fresh-{kind}",
            "v2.0.0",
            tasks=False,
            python_version=PYTHON,
            **shape,
        )
        for name in owned:
            assert (fresh / name).read_text(encoding="utf-8").endswith(KEEL_CHANGE), name
        by_setting = selected(owned_patterns(history.path), files)
        assert selected(documented_ownership(), files) == by_setting, OWNERSHIP_TABLE.name
    assert not unused, f"owned files no project has: {sorted(unused)}"


# --- bad states fail clearly --------------------------------------------------------------


def plain_project(history: TemplateHistory, destination: Path, **answers: str) -> Path:
    """A library generated from v1.0.0 without tasks and committed: the cheapest project."""
    path = copy_version(
        history, destination, "v1.0.0", tasks=False, python_version=PYTHON, **answers
    )
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "Start from Keel")
    return path


# --- an application's interface is chosen once ----------------------------------------------


@pytest.mark.parametrize(("old", "new"), [("cli", "http"), ("http", "cli")])
def test_update_refuses_to_switch_an_application_s_interface(
    history: TemplateHistory, tmp_path: Path, old: str, new: str
) -> None:
    """The files the two shapes differ in are the user's (`_skip_if_exists`): an update
    would keep the old shape's modules under the new shape's Dockerfile and dependencies,
    so it says so in one sentence and writes nothing."""
    project = plain_project(
        history, tmp_path / "project", project_kind="application", app_interface=old
    )
    before = tree(project)
    refusal = f'app_interface is "{old}" and an update cannot change it to "{new}"'
    with pytest.raises(copier.errors.UserMessageError, match=refusal):
        update(project, "v1.1.0", app_interface=new)
    assert tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_an_application_from_before_the_question_stays_a_command_line_program(
    history: TemplateHistory, tmp_path: Path
) -> None:
    project = plain_project(history, tmp_path / "project", project_kind="application")
    answers_file = project / ".copier-answers.yml"
    recorded = answers_file.read_text(encoding="utf-8")
    assert "app_interface: cli\n" in recorded
    answers_file.write_text(recorded.replace("app_interface: cli\n", ""), encoding="utf-8")
    git(project, "commit", "-q", "-am", "Answers of a Keel without app_interface")

    update(project, "v1.1.0")

    assert load_yaml(answers_file)["app_interface"] == "cli"
    assert not (project / "src" / "keel_sample" / "app.py").exists()
    assert not (project / "compose.yaml").exists()
    assert "fastapi" not in " ".join(pyproject(project)["project"]["dependencies"])


def test_a_library_may_become_a_web_service(history: TemplateHistory, tmp_path: Path) -> None:
    """A library has none of an application's files, so the update creates the http ones."""
    project = plain_project(history, tmp_path / "project")

    update(project, "v1.1.0", project_kind="application", app_interface="http")

    assert conflicted_files(project) == []
    for created in ("src/keel_sample/app.py", "tests/test_app.py", "compose.yaml"):
        assert (project / created).exists(), created
    cli = (project / "src" / "keel_sample" / "cli.py").read_text(encoding="utf-8")
    assert "uvicorn.run(" in cli
    assert any(d.startswith("fastapi>=") for d in pyproject(project)["project"]["dependencies"])


def test_update_refuses_a_dirty_worktree(history: TemplateHistory, tmp_path: Path) -> None:
    project = plain_project(history, tmp_path / "project")
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "Uncommitted.\n", encoding="utf-8")
    with pytest.raises(copier.errors.UserMessageError, match="Destination repository is dirty"):
        update(project, "v1.1.0")
    assert readme.read_text(encoding="utf-8").endswith("Uncommitted.\n")
    assert git(project, "status", "--porcelain") == " M README.md\n"


def test_update_needs_the_answers_file(history: TemplateHistory, tmp_path: Path) -> None:
    project = plain_project(history, tmp_path / "project")
    git(project, "rm", "-q", ".copier-answers.yml")
    git(project, "commit", "-q", "-m", "Lose the answers")
    with pytest.raises(copier.errors.UserMessageError, match=r"from `\.copier-answers\.yml`"):
        update(project, "v1.1.0")
    assert git(project, "status", "--porcelain") == ""


def test_deleted_examples_stay_deleted_except_kind_specific_ones(
    history: TemplateHistory, tmp_path: Path
) -> None:
    """`_exclude` on update: gone for good. `_skip_if_exists`: Copier makes it again."""
    project = plain_project(history, tmp_path / "project", project_kind="application")
    for name in ("CHANGELOG.md", "tests/test_core.py", "tests/test_cli.py"):
        git(project, "rm", "-q", name)
    git(project, "commit", "-q", "-m", "Drop the examples")
    update(project, "v1.1.0")
    assert not (project / "CHANGELOG.md").exists()
    assert not (project / "tests" / "test_core.py").exists()
    # Only some answers have this file, so a switch to application must be able to create
    # it; the price is that Copier also recreates it after a deletion (docs say so).
    assert (project / "tests" / "test_cli.py").exists()


def tighten_org_validator(root: Path) -> None:
    history = TemplateHistory(root)
    data = history.config()
    data["repository_org"]["validator"] = (
        "{% if repository_org != repository_org | lower %}"
        "The organisation name must be lower case.{% endif %}"
    )
    history.write_config(data)


def test_an_answer_a_stricter_validator_rejects_fails_the_update(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    history = TemplateHistory.start(tmp_path / "history")
    history.release("v2.0.0", tighten_org_validator)
    project = plain_project(history, tmp_path / "project", repository_org="Keel-Org")
    capfd.readouterr()

    # Copier drops the rejected answer and, with --defaults, silently takes "my-org";
    # Keel's check turns that into a failure that names the answer and the way out.
    with pytest.raises(copier.errors.TaskError):
        update(project, "v2.0.0")
    err = capfd.readouterr().err
    assert "repository_org: 'Keel-Org' -> 'my-org'" in err
    assert "--data repository_org=<value>" in err

    undo = next(line.strip() for line in err.splitlines() if "git restore" in line)
    run(["bash", "-c", undo], project, env=tool_env())
    assert git(project, "status", "--porcelain") == ""
    update(project, "v2.0.0", repository_org="keel-org")
    assert load_yaml(project / ".copier-answers.yml")["repository_org"] == "keel-org"


# --- migrations: renamed questions and choices, moved files ------------------------------


def migration(version: str, *args: str) -> dict[str, Any]:
    """A version-specific `before` migration running tasks/migrate.py, as docs show."""
    return {
        "version": version,
        "command": ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/tasks/migrate.py", *args],
        "when": "{{ _stage == 'before' }}",
    }


def test_migration_renames_a_question(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    def rename(root: Path) -> None:
        config = root / "copier.yml"
        config.write_text(
            config.read_text(encoding="utf-8").replace("repository_org", "repository_owner"),
            encoding="utf-8",
        )
        TemplateHistory(root).add_migration(
            migration("v2.0.0", "rename-question", "repository_org", "repository_owner")
        )

    history = TemplateHistory.start(tmp_path / "history")
    history.release("v2.0.0", rename)
    project = plain_project(history, tmp_path / "project", repository_org="acme")

    update(project, "v2.0.0")

    answers = load_yaml(project / ".copier-answers.yml")
    assert answers["repository_owner"] == "acme"  # not the default, "my-org"
    assert "repository_org" not in answers
    assert "repository_org is now the answer to repository_owner" in capfd.readouterr().out
    assert (
        pyproject(project)["project"]["urls"]["Homepage"] == "https://github.com/acme/keel-sample"
    )


def drop_python_3_11(root: Path) -> None:
    history = TemplateHistory(root)
    data = history.config()
    data["python_version"]["choices"].remove("3.11")
    data["python_version"]["default"] = "{{ '3.12' if project_kind == 'library' else '3.13' }}"
    history.write_config(data)


@pytest.mark.parametrize("migrated", [False, True], ids=["unmigrated", "migrated"])
def test_a_removed_choice_is_migrated_never_silently_defaulted(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], migrated: bool
) -> None:
    def release(root: Path) -> None:
        drop_python_3_11(root)
        if migrated:
            TemplateHistory(root).add_migration(
                migration("v2.0.0", "rename-choice", "python_version", "3.11", "3.12")
            )

    history = TemplateHistory.start(tmp_path / "history")
    history.release("v2.0.0", release)
    project = plain_project(history, tmp_path / "project")
    assert load_yaml(project / ".copier-answers.yml")["python_version"] == "3.11"
    capfd.readouterr()

    if not migrated:
        with pytest.raises(copier.errors.TaskError):
            update(project, "v2.0.0")
        assert "python_version: '3.11' -> '3.12'" in capfd.readouterr().err
        return
    update(project, "v2.0.0")
    assert load_yaml(project / ".copier-answers.yml")["python_version"] == "3.12"
    assert pyproject(project)["project"]["requires-python"] == ">=3.12"
    assert "python_version: '3.11' is now '3.12'" in capfd.readouterr().out


def test_migration_moves_a_file_the_user_owns(tmp_path: Path) -> None:
    def move(root: Path) -> None:
        (root / "template" / "docs").mkdir()
        (root / "template" / "CHANGELOG.md.jinja").rename(
            root / "template" / "docs" / "CHANGELOG.md.jinja"
        )
        replace_once(root / "copier.yml", "%}/CHANGELOG.md{%", "%}/docs/CHANGELOG.md{%")
        replace_once(
            root / "template" / "pyproject.toml.jinja",
            "/blob/main/CHANGELOG.md",
            "/blob/main/docs/CHANGELOG.md",
        )
        TemplateHistory(root).add_migration(
            migration("v2.0.0", "move-file", "CHANGELOG.md", "docs/CHANGELOG.md")
        )

    history = TemplateHistory.start(tmp_path / "history")
    history.release("v2.0.0", move)
    project = plain_project(history, tmp_path / "project")
    changelog = project / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text(encoding="utf-8") + "- A user's entry.\n", encoding="utf-8"
    )
    git(project, "commit", "-q", "-am", "Changelog entry")
    edited = changelog.read_text(encoding="utf-8")

    update(project, "v2.0.0")

    assert not changelog.exists()
    assert (project / "docs" / "CHANGELOG.md").read_text(encoding="utf-8") == edited
    assert conflicted_files(project) == []
    assert "R  CHANGELOG.md -> docs/CHANGELOG.md" in git(project, "status", "--porcelain")


def test_migration_operations_do_nothing_the_second_time(tmp_path: Path) -> None:
    """An update may cross a version twice (a failed first try): every step is idempotent."""
    git(tmp_path, "init", "-q", "-b", "main")
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(
        "# NEVER EDIT\n_commit: v1.0.0\norg: acme\nflavour: vanilla\n", encoding="utf-8"
    )
    (tmp_path / "NOTES.md").write_text("mine\n", encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "start")
    steps = [
        ["rename-question", "org", "owner"],
        ["rename-choice", "flavour", "vanilla", "plain"],
        ["move-file", "NOTES.md", "docs/NOTES.md"],
    ]
    outputs = []
    for _ in range(2):
        for step in steps:
            result = run([sys.executable, ROOT / "tasks" / "migrate.py", *step], tmp_path)
            outputs.append(result.stdout.strip())
    assert outputs[3:] == [
        "Keel migration: no answer to org; nothing to rename.",
        "Keel migration: flavour is not 'vanilla'; nothing to rename.",
        "Keel migration: no NOTES.md; nothing to move.",
    ]
    assert answers_file.read_text(encoding="utf-8") == (
        "# NEVER EDIT\n_commit: v1.0.0\nowner: acme\nflavour: plain\n"
    )
    assert (tmp_path / "docs" / "NOTES.md").read_text(encoding="utf-8") == "mine\n"
    assert (
        git(tmp_path, "status", "--porcelain")
        == " M .copier-answers.yml\nR  NOTES.md -> docs/NOTES.md\n"
    )


def test_answer_migrations_run_before_the_answers_are_recorded() -> None:
    """Version-specific migrations must come before `record`, or the check sees renames."""
    entries = [m for m in load_yaml(ROOT / "copier.yml")["_migrations"] if isinstance(m, dict)]
    commands = [" ".join(map(str, m["command"])) for m in entries]
    record = next(i for i, c in enumerate(commands) if "tasks/update.py before" in c)
    assert all("version" not in m for m in entries[record:])


# --- organisation presets -----------------------------------------------------------------

PRESET = ROOT / "presets" / "org-example.yml"
# What differs from one project of an organisation to the next: never in a preset.
PROJECT_SPECIFIC = {"project_name", "distribution_name", "import_name", "description"}


def test_org_preset_answers_only_organisation_wide_questions() -> None:
    preset = load_yaml(PRESET)
    assert set(preset) <= set(asked()), "a preset key that is not a question does nothing"
    assert not set(preset) & PROJECT_SPECIFIC


def test_copy_with_org_preset_asks_only_the_rest(
    template_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API with `data=` loaded from the preset, as `--data-file` does; prompts recorded."""
    preset = load_yaml(PRESET)
    prompted: list[str] = []
    typed = {"project_name": "Billing", "description": "Bills customers."}

    def prompt(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
        question = questions[0]
        name = question["name"]
        if not question["when"](answers):  # a computed value, or a question that does not apply
            return answers
        prompted.append(name)
        return {name: typed.get(name, answers[name])}

    # Copier's prompt function: the one place a question reaches the user.
    monkeypatch.setattr(copier._main, "unsafe_prompt", prompt)
    copier.run_copy(
        str(template_dir),
        tmp_path / "billing",
        data=preset,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )

    assert PROJECT_SPECIFIC <= set(prompted) <= set(asked()) - set(preset)
    recorded = load_yaml(tmp_path / "billing" / ".copier-answers.yml")
    assert {k: recorded[k] for k in preset} == preset
    assert recorded["project_name"] == "Billing"


def test_copy_with_org_preset_from_the_command_line(template_dir: Path, tmp_path: Path) -> None:
    """`copier copy --data-file`, as the preset's own comment tells users to run it."""
    destination = tmp_path / "billing"
    run(
        [
            KEEL_BIN / "copier",
            "copy",
            "--trust",
            "--defaults",
            "--skip-tasks",
            "--quiet",
            "--data-file",
            PRESET,
            "--data",
            "project_name=Billing",
            "--data",
            "description=Bills customers.",
            template_dir,
            destination,
        ],
        tmp_path,
        env=tool_env(),
    )
    recorded = load_yaml(destination / ".copier-answers.yml")
    preset = load_yaml(PRESET)
    assert {k: recorded[k] for k in preset} == preset
    urls = pyproject(destination)["project"]["urls"]
    assert (
        urls["Homepage"]
        == f"https://{preset['repository_host']}/{preset['repository_org']}/billing"
    )


# --- the oldest Copier Keel supports, and the newest ---------------------------------------

MIN_COPIER = str(load_yaml(ROOT / "copier.yml")["_min_copier_version"])


@pytest.mark.parametrize("copier_spec", [f"copier=={MIN_COPIER}", "copier@latest"])
def test_copier_versions_render_and_update(
    history: TemplateHistory,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    copier_spec: str,
) -> None:
    """Copy v1.0.0 and update to v1.1.0 with a Copier CLI of exactly that version (uvx)."""
    uvx: list[str | Path] = [
        KEEL_BIN / "uvx",
        "--python",
        str(python_for(PYTHON)),
        "--from",
        copier_spec,
        "--with",
        "copier-template-extensions",
        "copier",
    ]
    version = run([*uvx, "--version"], tmp_path, env=tool_env()).stdout.split()[-1]
    if copier_spec.startswith("copier=="):
        assert version == MIN_COPIER
    data = [
        f"--data={name}={value}"
        for name, value in answers(
            project_kind="application", package_manager="uv", python_version=PYTHON
        ).items()
    ]
    destination = tmp_path / "project"
    run(
        [
            *uvx,
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref=v1.0.0",
            *data,
            history.path,
            destination,
        ],
        tmp_path,
        env=tool_env(),
    )
    project = GeneratedProject(destination, sandbox_workarounds)
    assert project.lock_files[0].exists(), "the copy task made no lock"
    project.git_init()
    add_code(project)
    # A dependency committed without relocking: the update's relock migration must fix it.
    declare_dependency(destination / "pyproject.toml")
    project.commit("User work")
    assert not project.lock_is_current()

    run([*uvx, "update", "--trust", "--defaults", "--vcs-ref=v1.1.0"], destination, env=tool_env())

    assert project.answers["_commit"] == "v1.1.0"
    assert "C4" in pyproject(destination)["tool"]["ruff"]["lint"]["select"]
    assert (destination / "src" / "keel_sample" / "dump.py").read_text(
        encoding="utf-8"
    ) == USER_MODULE
    assert conflicted_files(destination) == []
    # Keel's migrations ran: the answers were recorded before, the lock refreshed after.
    assert (destination / ".git" / "keel" / "answers-before-update.yml").exists()
    assert project.lock_is_current()
    assert "tomli-w" in project.lock_files[0].read_text(encoding="utf-8")
