"""Update tier: `copier update` keeps the user's work, brings the template's, and says when
it cannot.

Each test builds a throwaway git history of the template (tests/support/history.py): v1.0.0
is the working tree, later versions change what a release typically changes. Projects are
generated from a tag, edited the way users edit them, committed, and updated through
Copier's API exactly as `copier update --trust --defaults` would.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import copier
import copier._main
import pytest

from tests.support.history import (
    TemplateHistory,
    conflicted_files,
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
BACKENDS = {
    "uv": "uv_build",
    "poetry": "poetry.core.masonry.api",
    "setuptools": "setuptools.build_meta",
}
LOCK_FILES = {
    "uv": {"uv.lock"},
    "poetry": {"poetry.lock"},
    "setuptools": {"requirements.lock", "requirements-dev.lock"},
}
ALL_LOCK_FILES = set().union(*LOCK_FILES.values())


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


def take_template_side(path: Path) -> None:
    """Resolve every update conflict in `path` by keeping the template's side."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    side = None
    for line in lines:
        if line.startswith("<<<<<<< before updating"):
            side = "user"
        elif line.startswith("=======") and side == "user":
            side = "template"
        elif line.startswith(">>>>>>> after updating"):
            side = None
        elif side != "user":
            kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")


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
    project = generate(history, tmp_path / "project", sandbox_workarounds, "v1.0.0")
    # The user edits the very line v1.1.0 changes.
    path = project.path / "pyproject.toml"
    replace_once(path, 'select = ["E", ', 'select = ["N", "E", ')
    project.commit("Add pep8-naming")
    capfd.readouterr()

    update(project.path, "v1.1.0")

    # What the user sees: markers in the file, git listing it as unmerged, Keel's message.
    text = path.read_text(encoding="utf-8")
    assert '<<<<<<< before updating\nselect = ["N", "E", ' in text, text
    assert '=======\nselect = ["C4", "E", ' in text
    assert ">>>>>>> after updating\n" in text
    assert "UU pyproject.toml" in status(project).splitlines()
    assert conflicted_files(project.path) == ["pyproject.toml"]
    out = capfd.readouterr().out
    assert "Keel: the update overlaps with your changes" in out
    assert "  pyproject.toml\n" in out
    # Everything else merged: the overlap stops nothing else.
    assert "CI runs the same three commands" in (project.path / "README.md").read_text(
        encoding="utf-8"
    )


# --- switching package manager or kind after generation ---------------------------------

APPLICATION_SWITCHES = [
    pytest.param("uv", "poetry", id="uv-to-poetry"),
    pytest.param("poetry", "setuptools", id="poetry-to-setuptools"),
    pytest.param("setuptools", "uv", id="setuptools-to-uv"),
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
    assert data["build-system"]["build-backend"] == BACKENDS[tool]
    tables = data.get("tool", {})
    assert ("build-backend" in tables.get("uv", {})) is (tool == "uv")
    assert ("packages" in tables.get("poetry", {})) is (tool == "poetry")
    assert ("setuptools" in tables) is (tool == "setuptools")
    assert (project.path / "poetry.toml").exists() is (tool == "poetry")
    assert {name for name in ALL_LOCK_FILES if (project.path / name).exists()} == LOCK_FILES[tool]
    # The README's template sections follow the tool; the user's section stays.
    readme = (project.path / "README.md").read_text(encoding="utf-8")
    assert USER_README in readme
    locked_install = {
        "uv": "uv sync --locked",
        "poetry": "poetry sync",
        "setuptools": "--require-hashes -r requirements-dev.lock",
    }
    assert locked_install[tool] in readme
    lock_prefix = {"uv": "uv lock", "poetry": "poetry lock", "setuptools": "uv pip compile"}
    assert project.lock_command().startswith(lock_prefix[tool])
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
    for name in sorted(LOCK_FILES[old]):
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

    # Both sides added to `dependencies`: the one overlap a switch of kind cannot avoid.
    # Keel names it and says to relock once it is resolved.
    assert conflicted_files(project.path) == ["pyproject.toml"]
    out = capfd.readouterr().out
    assert "  pyproject.toml\n" in out
    assert "Then refresh the lock: uv lock" in out
    path = project.path / "pyproject.toml"
    take_template_side(path)
    declare_dependency(path)
    project.sh("git", "add", "pyproject.toml")
    project.lock()

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
