"""Update tier: Keel's merge (tasks/merge.py) keeps what both sides meant.

Unit part: the TOML and YAML merges on real renders, one case per team edit × Keel change,
generated from two lists of rules. Every edit is written so that applying it after another
one still means the same (add if absent, raise a version only upward), so the expected
result of a case is simply both edits applied one after the other: no case lists its
answer by hand. Lists compare as sets where the merge may place an item differently from a
sequential edit; steps and hooks compare in order.

Git part: tasks/merge.py on a repository whose index holds the three stages exactly as
Copier records a conflict, run by the interpreter the README's update command provides (and
by the one the old command provided, which lacks the merge's libraries).

End-to-end part: per kind × tool, a project generated from a throwaway v1.0.0, given the
edits a team makes in its first weeks and the bumps its update bot makes, then updated to a
v2.0.0 that raises floors, adds a lint rule, a pytest option and a hook, and moves a pin:
zero conflicts, nothing lost on either side, the higher version kept; one pair is installed
and tested afterwards.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from plumbum import local
from ruamel.yaml.comments import CommentedMap

from keel.updating import conflicted_files
from tasks import merge, versions
from tests.support.history import (
    TemplateHistory,
    copy_version,
    git,
    replace_once,
    update,
)
from tests.support.projects import GeneratedProject
from tests.support.questionnaire import ROOT, kind_tool_pairs
from tests.support.rendering import load_yaml, pyproject, render
from tests.support.sandbox import SandboxWorkarounds
from tests.support.toolchain import KEEL_BIN, python_for, run, tool_env

pytestmark = pytest.mark.update

PYTHON = "3.11"
Doc = Any  # a tomlkit or ruamel.yaml document: neither library types its nodes usefully


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, template_dir: Path) -> Path:
    """An application (it has every file the merge knows) rendered from the working tree."""
    destination = tmp_path_factory.mktemp("merge-base") / "p"
    return render(destination, template_dir, project_kind="application", docker=True)


# --- edits shared by the rules: each means the same applied after any other ---------------


def add(array: list[Any], item: str, after: str | None = None) -> None:
    if item not in array:
        array.insert(array.index(after) + 1 if after in array else len(array), item)


def floor_of(requirement: str) -> Version:
    [spec] = [s for s in Requirement(requirement).specifier if s.operator == ">="]
    return Version(spec.version)


def raise_floor(array: list[Any], name: str, version: str) -> None:
    """Raise `name`'s lower bound to `version`, never lower it (what Dependabot and Keel do)."""
    for index, item in enumerate(array):
        if canonicalize_name(Requirement(str(item)).name) == name:
            if Version(version) > floor_of(str(item)):
                array[index] = f"{name}>={version}"
            return
    raise AssertionError(f"no {name} in {array}")


def add_all(array: list[Any], *items: str) -> None:
    for item in items:
        add(array, item)


def raise_floors(array: list[Any], **floors: str) -> None:
    for name, version in floors.items():
        raise_floor(array, name, version)


def table(**values: Any) -> Any:  # noqa: ANN401 - a tomlkit table
    made = tomlkit.table()
    for key, value in values.items():
        made[key.replace("_", "-")] = value
    return made


def drop(array: list[Any], item: str) -> None:
    if item in array:
        array.remove(item)


TomlEdit = Callable[[Doc], None]

TEAM_TOML: dict[str, TomlEdit] = {
    "runtime dependency": lambda d: add(d["project"]["dependencies"], "tomli-w>=1.0"),
    "dev dependency": lambda d: add(d["dependency-groups"]["dev"], "pytest-timeout>=2.3"),
    "dependency group": lambda d: d["dependency-groups"].update({"docs": ["mkdocs>=1.6"]}),
    "dropped dev tool": lambda d: drop(d["dependency-groups"]["dev"], "pre-commit>=4.0"),
    "lint rules": lambda d: add_all(d["tool"]["ruff"]["lint"]["select"], "N", "C90"),
    "pytest option": lambda d: add(d["tool"]["pytest"]["ini_options"]["addopts"], "-x"),
    "type-check setting": lambda d: d["tool"]["mypy"].update({"warn_unreachable": True}),
    "own table": lambda d: d["tool"].update({"coverage": table(branch=True)}),
    "bot floor below Keel's": lambda d: raise_floor(d["dependency-groups"]["dev"], "ruff", "0.15"),
    "bot floor above Keel's": lambda d: raise_floor(d["dependency-groups"]["dev"], "ruff", "0.17"),
}

KEEL_TOML: dict[str, TomlEdit] = {
    "raised floors": lambda d: raise_floors(
        d["dependency-groups"]["dev"], ruff="0.16", mypy="1.19"
    ),
    "runtime floor": lambda d: raise_floor(
        d["project"]["dependencies"], "pydantic-settings", "2.7"
    ),
    "new lint rule": lambda d: add(d["tool"]["ruff"]["lint"]["select"], "C4", after="B"),
    "new pytest option": lambda d: add(
        d["tool"]["pytest"]["ini_options"]["addopts"], "--showlocals"
    ),
    "new dev tool": lambda d: add(
        d["dependency-groups"]["dev"], "coverage>=7.6", after="mypy>=1.18"
    ),
    "new tool table": lambda d: d["tool"]["ruff"].update(
        {"format": table(docstring_code_format=True)}
    ),
    "dropped setting": lambda d: d["tool"]["pytest"]["ini_options"].pop("xfail_strict"),
}


def normal(value: Any) -> Any:  # noqa: ANN401 - plain TOML/YAML data
    """Plain data with arrays of strings as sets: where the merge puts an item is free."""
    if isinstance(value, dict):
        return {str(k): normal(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [normal(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return str(value) if isinstance(value, str) else value


def edited(text: str, *edits: TomlEdit) -> str:
    document = tomlkit.parse(text)
    for edit in edits:
        edit(document)
    return tomlkit.dumps(document)


@pytest.mark.parametrize("keel", list(KEEL_TOML))
@pytest.mark.parametrize("team", list(TEAM_TOML))
def test_pyproject_merge_keeps_both_sides(rendered: Path, team: str, keel: str) -> None:
    base = (rendered / "pyproject.toml").read_text(encoding="utf-8")
    ours, theirs = edited(base, TEAM_TOML[team]), edited(base, KEEL_TOML[keel])
    expected = tomlkit.parse(edited(base, TEAM_TOML[team], KEEL_TOML[keel])).unwrap()

    merged, conflicts = merge.merge_texts(
        merge.TomlFormat(), "pyproject.toml", base, ours, theirs, "ours"
    )

    assert conflicts == []
    assert normal(tomlkit.parse(merged).unwrap()) == normal(expected)
    # The team's order stays: its arrays' items keep their relative places.
    for path in (("tool", "ruff", "lint", "select"), ("dependency-groups", "dev")):
        mine, result = tomlkit.parse(ours).unwrap(), tomlkit.parse(merged).unwrap()
        for key in path:
            mine, result = mine.get(key, []), result.get(key, [])
        assert [item for item in result if item in mine] == [i for i in mine if i in result]


def test_pyproject_merge_keeps_comments_and_layout(rendered: Path) -> None:
    """Only the lines that change, change: the team's comments and Keel's stay put."""
    base = (rendered / "pyproject.toml").read_text(encoding="utf-8")
    ours = base.replace(
        '  "pydantic-settings>=2.6",\n',
        '  "pydantic-settings>=2.6",\n  # Writes the settings file.\n  "tomli-w>=1.0",\n',
    ).replace('  "ruff>=0.14",\n', '  "ruff>=0.15",  # raised by Dependabot\n')
    ours += "\n# The team's own coverage settings.\n[tool.coverage.run]\nbranch = true\n"
    theirs = base.replace('  "ruff>=0.14",\n', '  "ruff>=0.16",\n')

    merged, conflicts = merge.merge_texts(
        merge.TomlFormat(), "pyproject.toml", base, ours, theirs, "ours"
    )

    assert conflicts == []
    # The team's comment on the line stays, next to the higher floor.
    assert merged == ours.replace('"ruff>=0.15",', '"ruff>=0.16",')


# --- YAML: workflows, hooks, dependabot ------------------------------------------------------

CHECKOUT = "actions/checkout"


def fake_sha(version: str) -> str:
    """A commit SHA standing for `version`'s release (the workflows are linted, not run)."""
    return "".join(f"{int(part):02x}" for part in version.split(".")).ljust(40, "e")


def pin_version(step: CommentedMap) -> Version:
    token = step.ca.items.get("uses", [None, None, None])[2]
    found = re.search(r"# v([\d.]+)", token.value if token else "")
    assert found, step
    return Version(found.group(1))


def steps_of(document: Doc) -> Iterator[CommentedMap]:
    for job in document["jobs"].values():
        yield from job.get("steps", [])


def move_pin(document: Doc, version: str) -> None:
    """Move every checkout pin up to `version` (SHA and `# vX.Y.Z` together), never down."""
    for step in steps_of(document):
        if str(step.get("uses", "")).startswith(f"{CHECKOUT}@"):
            if Version(version) <= pin_version(step):
                continue
            step["uses"] = f"{CHECKOUT}@{fake_sha(version)}"
            token = step.ca.items["uses"][2]
            token.value = re.sub(r"# v[\d.]+", f"# v{version}", token.value)


def step(**values: str) -> CommentedMap:
    return CommentedMap((key.replace("_", "-"), value) for key, value in values.items())


def add_step(document: Doc, job: str, new: CommentedMap, after: str | None = None) -> None:
    steps = document["jobs"][job]["steps"]
    if any(s.get("name") == new.get("name") for s in steps):
        return
    names = [s.get("name") for s in steps]
    steps.insert(names.index(after) + 1 if after in names else len(steps), new)


def add_hook(document: Doc, repo_index: int, hook: CommentedMap, before: str | None = None) -> None:
    hooks = document["repos"][repo_index]["hooks"]
    if any(h["id"] == hook["id"] for h in hooks):
        return
    ids = [h["id"] for h in hooks]
    hooks.insert(ids.index(before) if before in ids else len(hooks), hook)


def bump_hook_package(document: Doc, new: str) -> None:
    for repo in document["repos"]:
        for hook in repo["hooks"]:
            deps = hook.get("additional_dependencies")
            if deps and deps[0].startswith("pre-commit-hooks==") and deps[0] < new:
                deps[0] = new


JOB = CommentedMap(
    [("name", "Docs"), ("runs-on", "ubuntu-latest"), ("steps", [step(run="echo docs")])]
)
HOOK = step(id="codespell", name="spelling", entry="codespell", language="python")
KEEL_HOOK = step(id="check-added-large-files", name="refuse large files", language="python")


@dataclass(frozen=True)
class YamlEdit:
    file: str
    edit: Callable[[Doc], None]


CI = ".github/workflows/ci.yml"
HOOKS = ".pre-commit-config.yaml"
DEPENDABOT = ".github/dependabot.yml"

TEAM_YAML: dict[str, YamlEdit] = {
    "extra job": YamlEdit(CI, lambda d: d["jobs"].setdefault("docs", JOB)),
    "extra step": YamlEdit(
        CI, lambda d: add_step(d, "lint", step(name="Audit", run="uvx pip-audit"))
    ),
    "step input": YamlEdit(
        CI, lambda d: d["jobs"]["test"]["steps"][0]["with"].update({"fetch-depth": 0})
    ),
    "workflow env": YamlEdit(CI, lambda d: d["env"].update({"PYTHONDEVMODE": "1"})),
    "bot pin below Keel's": YamlEdit(CI, lambda d: move_pin(d, "7.1.0")),
    "bot pin above Keel's": YamlEdit(CI, lambda d: move_pin(d, "8.0.0")),
    "extra hook": YamlEdit(HOOKS, lambda d: add_hook(d, 0, HOOK)),
    "own hook block": YamlEdit(
        HOOKS, lambda d: d["repos"].append(CommentedMap(repo="local", hooks=[HOOK]))
    ),
    "update labels": YamlEdit(DEPENDABOT, lambda d: d["updates"][0].update({"labels": ["deps"]})),
}

KEEL_YAML: dict[str, YamlEdit] = {
    "pin moved": YamlEdit(CI, lambda d: move_pin(d, "7.2.0")),
    "new step": YamlEdit(
        CI,
        lambda d: add_step(
            d, "lint", step(name="Show versions", run="uv --version"), "Check out the repository"
        ),
    ),
    "new job": YamlEdit(
        CI, lambda d: d["jobs"].setdefault("audit", CommentedMap(JOB, name="Audit"))
    ),
    "changed setting": YamlEdit(CI, lambda d: d["jobs"]["lint"].update({"timeout-minutes": 20})),
    "new hook": YamlEdit(HOOKS, lambda d: add_hook(d, 1, KEEL_HOOK, before="check-merge-conflict")),
    "hook package bump": YamlEdit(HOOKS, lambda d: bump_hook_package(d, "pre-commit-hooks==6.0.1")),
    "cooldown": YamlEdit(
        DEPENDABOT, lambda d: d["updates"][0]["cooldown"].update({"default-days": 5})
    ),
}

YAML_CASES = [
    pytest.param(team, keel, id=f"{team}-x-{keel}")
    for team, mine in TEAM_YAML.items()
    for keel, theirs in KEEL_YAML.items()
    if mine.file == theirs.file
]


def yaml_edited(text: str, *edits: YamlEdit) -> str:
    fmt = merge.YamlFormat()
    document = fmt.parse(text)
    for edit in edits:
        edit.edit(document)
    return fmt.dump(document)


def checkout_pins(text: str) -> set[tuple[str, str]]:
    return set(re.findall(rf"{CHECKOUT}@(\w+) # v([\d.]+)", text))


@pytest.mark.parametrize(("team", "keel"), YAML_CASES)
def test_yaml_merge_keeps_both_sides(rendered: Path, team: str, keel: str) -> None:
    mine, theirs_edit = TEAM_YAML[team], KEEL_YAML[keel]
    base = (rendered / mine.file).read_text(encoding="utf-8")
    ours, theirs = yaml_edited(base, mine), yaml_edited(base, theirs_edit)
    expected = yaml_edited(base, mine, theirs_edit)

    fmt = merge.YamlFormat()
    merged, conflicts = merge.merge_texts(fmt, mine.file, base, ours, theirs, "ours")

    assert conflicts == []
    assert normal(fmt.plain(fmt.parse(merged))) == normal(fmt.plain(fmt.parse(expected)))
    # The pin's comment moved with its SHA, to the higher of the two releases.
    assert checkout_pins(merged) == checkout_pins(expected)
    assert len(checkout_pins(merged)) <= 1


def test_every_rendered_yaml_file_is_written_back_unchanged(rendered: Path) -> None:
    """The merge writes Keel's YAML in Keel's layout: a round trip changes no byte."""
    fmt = merge.YamlFormat()
    files = [*rendered.glob(".github/**/*.yml"), rendered / HOOKS]
    assert len(files) >= 4
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert fmt.dump(fmt.parse(text)) == text, path


# --- what must still conflict -------------------------------------------------------------

GENUINE = [
    pytest.param(
        "pyproject.toml",
        lambda t: t + '\n[tool.ruff.format]\nquote-style = "single"\n',
        lambda t: t + '\n[tool.ruff.format]\nquote-style = "double"\n',
        "tool.ruff.format.quote-style",
        id="same key, two values",
    ),
    pytest.param(
        "pyproject.toml",
        lambda t: t.replace('"ruff>=0.14"', '"ruff>=0.14,<0.15"'),
        lambda t: t.replace('"ruff>=0.14"', '"ruff>=0.16"'),
        "dependency-groups.dev.[ruff]",
        id="a cap next to a floor",
    ),
    pytest.param(
        CI,
        lambda t: t.replace("timeout-minutes: 15", "timeout-minutes: 30", 1),
        lambda t: t.replace("timeout-minutes: 15", "timeout-minutes: 20", 1),
        "jobs.lint.timeout-minutes",
        id="a job setting",
    ),
    pytest.param(
        CI,
        lambda t: re.sub(rf"{CHECKOUT}@\w+ # v[\d.]+", f"{CHECKOUT}@{'a' * 40}", t, count=1),
        lambda t: re.sub(rf"{CHECKOUT}@\w+ # v[\d.]+", f"{CHECKOUT}@{'b' * 40} # v9.0.0", t),
        "jobs.lint.steps.[name:Check out the repository].uses",
        id="a pin without its version",
    ),
]


@pytest.mark.parametrize(("file", "team", "keel", "where"), GENUINE)
def test_what_cannot_be_ordered_stays_a_conflict(
    rendered: Path,
    tmp_path: Path,
    file: str,
    team: Callable[[str], str],
    keel: Callable[[str], str],
    where: str,
) -> None:
    base = (rendered / file).read_text(encoding="utf-8")
    ours, theirs = team(base), keel(base)
    assert ours != base
    assert theirs != base
    repo = git_repo(tmp_path)
    stage_conflict(repo, file, base, ours, theirs)

    report = merge.merge_conflicts(repo)

    assert [c.where for c in report.conflicts] == [where]
    assert report.merged == []
    assert f"{file}: {where}: yours " in "\n".join(report.lines())
    # Still unmerged, so the hook and the workflow refuse it; markers around that place only.
    assert merge.unmerged(repo) == {file: {1, 2, 3}}
    text = (repo / file).read_text(encoding="utf-8")
    assert text.count("<<<<<<< before updating\n") == 1
    hunk = text.split("<<<<<<< before updating\n")[1].split(">>>>>>> after updating\n")[0]
    assert len(hunk.splitlines()) <= 3, hunk


# --- git: the stages Copier records, the interpreter the README's command provides ----------


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def stage_conflict(repo: Path, file: str, base: str, ours: str, theirs: str) -> None:
    """The index and work tree as Copier leaves a file it marked: stages 1, 2, 3."""
    target = repo / file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(ours, encoding="utf-8")
    git(repo, "add", file)
    git(repo, "commit", "-q", "-m", "ours")
    blobs = {}
    for number, text in ((1, base), (2, ours), (3, theirs)):
        target.write_text(text, encoding="utf-8")
        blobs[number] = git(repo, "hash-object", "-w", file).strip()
    lines = [f"0 {'0' * 40}\t{file}"] + [
        f"100644 {sha} {number}\t{file}" for number, sha in blobs.items()
    ]
    subprocess.run(
        ["git", "update-index", "--index-info"],
        input="\n".join(lines) + "\n",
        cwd=repo,
        env=tool_env(),
        text=True,
        check=True,
    )
    target.write_text("<<<<<<< before updating\nmarked by Copier\n", encoding="utf-8")


def readme_update_command(project: Path) -> list[str]:
    """The update command the generated README gives, as words."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    [command] = [
        line for line in readme.splitlines() if line.startswith("uvx ") and " update " in line
    ]
    return shlex.split(command)


def interpreter_of(command: list[str]) -> list[str | Path]:
    """A Python with exactly the packages `uvx --with ... copier` puts next to Copier."""
    withs = [command[i + 1] for i, word in enumerate(command) if word == "--with"]
    assert command[command.index(withs[-1]) + 1] == "copier", command
    packages = [arg for name in ("copier", *withs) for arg in ("--with", name)]
    # The interpreter under python_for() may be a virtual environment with everything in
    # it (Keel's own); its base interpreter has nothing, as a fresh `uvx` has.
    found = python_for(PYTHON)
    assert found is not None
    probe = run([found, "-c", "import sys; print(sys._base_executable)"], ROOT, env=tool_env())
    base = probe.stdout.strip()
    return [
        KEEL_BIN / "uv",
        "run",
        "--no-project",
        "--no-config",
        "--python",
        base,
        *packages,
        "python",
    ]


@pytest.mark.parametrize("command", ["readme", "without the merge's libraries"])
def test_the_task_merges_with_what_the_update_command_installs(
    rendered: Path, tmp_path: Path, command: str
) -> None:
    words = readme_update_command(rendered)
    if command != "readme":
        words = [w for i, w in enumerate(words) if "tomlkit" not in words[i : i + 2]]
        words = [w for i, w in enumerate(words) if "ruamel.yaml" not in words[i : i + 2]]
        assert "tomlkit" not in words
    base = (rendered / "pyproject.toml").read_text(encoding="utf-8")
    ours = edited(base, TEAM_TOML["runtime dependency"], TEAM_TOML["bot floor below Keel's"])
    theirs = edited(base, KEEL_TOML["raised floors"])
    repo = git_repo(tmp_path / "repo")
    stage_conflict(repo, "pyproject.toml", base, ours, theirs)

    result = run([*interpreter_of(words), ROOT / "tasks" / "merge.py"], repo, env=tool_env())

    if command == "readme":
        assert "Keel: merged what both sides changed in pyproject.toml" in result.stdout
        assert merge.unmerged(repo) == {}
        dev = pyproject(repo)["dependency-groups"]["dev"]
        assert {"ruff>=0.16", "mypy>=1.19"} <= set(dev)
        assert "tomli-w>=1.0" in pyproject(repo)["project"]["dependencies"]
    else:
        assert "tomlkit is not installed next to Copier" in result.stdout
        assert merge.UPDATE_COMMAND in result.stdout
        assert merge.unmerged(repo) == {"pyproject.toml": {1, 2, 3}}


def test_the_update_command_is_one_everywhere(rendered: Path) -> None:
    """The README, the task's advice and the docs give one command."""
    words = readme_update_command(rendered)
    assert " ".join(words[: words.index("copier") + 1]) == merge.UPDATE_COMMAND
    assert words[words.index("copier") + 1 :] == ["update", "--trust", "--defaults"]
    guide = (ROOT / "docs" / "how-to" / "updating.md").read_text(encoding="utf-8")
    assert f"{merge.UPDATE_COMMAND} update --trust --defaults" in guide
    # Every update command a page of the docs shows runs through that same command.
    for page in (ROOT / "docs").rglob("*.md"):
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("uvx ") and " copier update" in line:
                assert line.startswith(merge.UPDATE_COMMAND + " "), (page, line)


def test_a_quiet_update_imports_nothing(tmp_path: Path) -> None:
    """No unmerged file: the task returns before loading tomlkit, ruamel.yaml or packaging."""
    repo = git_repo(tmp_path)
    probe = (
        "import runpy, sys;"
        f" runpy.run_path({str(ROOT / 'tasks' / 'merge.py')!r})['main']([]);"
        " print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'tomlkit', 'ruamel', 'packaging'}))"
    )
    # Keel's own interpreter has all three installed, so an import would show.
    result = run([sys.executable, "-c", probe], repo, env=tool_env())
    assert result.stdout == "[]\n", result.stdout + result.stderr


def test_docs_state_the_version_rule() -> None:
    guide = (ROOT / "docs" / "how-to" / "updating.md").read_text(encoding="utf-8")
    assert versions.RULE in " ".join(guide.split())


# --- end to end: a team's first weeks, its bot, and a Keel release --------------------------

BOT_PIN = "7.1.0"
KEEL_PIN = "7.2.0"
# git and nothing of Keel's toolchain (uv, poetry, pip-tools).
NO_TOOLS = "/usr/bin:/bin"
TEAM_README = "## Deploying\n\nRun the image with `--read-only`.\n\n"


def keel_release(root: Path) -> None:
    """Keel v2.0.0: floors raised, a lint rule, a pytest option and a hook added, a pin moved."""
    template = root / "template"
    pyproject_jinja = template / "pyproject.toml.jinja"
    replace_once(pyproject_jinja, '"ruff>=0.14"', '"ruff>=0.15"')
    replace_once(pyproject_jinja, '"mypy>=1.18"', '"mypy>=1.19"')
    replace_once(pyproject_jinja, '  "B",\n  "E",\n', '  "B",\n  "C4",\n  "E",\n')
    replace_once(
        pyproject_jinja,
        '  "--import-mode=importlib",\n',
        '  "--import-mode=importlib",\n  "--showlocals",\n',
    )
    replace_once(
        template / "README.md.jinja",
        "## Test, lint, type check\n\n",
        "## Test, lint, type check\n\nCI runs the same three commands on every push.\n\n",
    )
    replace_once(
        template / ".pre-commit-config.yaml.jinja",
        "      - id: check-merge-conflict\n",
        "      - id: check-added-large-files\n"
        "        name: refuse large files\n"
        "        entry: check-added-large-files\n"
        "        language: python\n"
        "        additional_dependencies: [pre-commit-hooks==6.0.0]\n"
        "      - id: check-merge-conflict\n",
    )
    pins = root / "includes" / "workflow_pins.jinja"
    text = pins.read_text(encoding="utf-8")
    [old] = re.findall(rf"'{CHECKOUT}': '\w+ # v[\d.]+'", text)
    replace_once(pins, old, f"'{CHECKOUT}': '{fake_sha(KEEL_PIN)} # v{KEEL_PIN}'")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> TemplateHistory:
    if python_for(PYTHON) is None:
        pytest.fail(f"Python {PYTHON} is required for the update tier")
    history = TemplateHistory.start(tmp_path_factory.mktemp("merge-history"))
    history.release("v2.0.0", keel_release)
    return history


def edit_file(path: Path, *edits: Callable[[Doc], None]) -> None:
    """Edit a TOML or YAML file the way a person would: the rest of it stays as it was."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        document: MutableMapping[str, Any] = tomlkit.parse(text)
        for edit in edits:
            edit(document)
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
        return
    fmt = merge.YamlFormat()
    tree = fmt.parse(text)
    for edit in edits:
        edit(tree)
    path.write_text(fmt.dump(tree), encoding="utf-8")


def first_weeks(project: Path) -> None:
    """What a team does after generating, and what its update bot does between releases."""
    edit_file(
        project / "pyproject.toml",
        *(
            TEAM_TOML[name]
            for name in (
                "runtime dependency",
                "dev dependency",
                "lint rules",
                "pytest option",
                "type-check setting",
                "own table",
                "bot floor above Keel's",
            )
        ),
    )
    readme = project / "README.md"
    marker = "<!-- Above this comment"
    replace_once(readme, marker, f"{TEAM_README}{marker}")
    edit_file(project / CI, TEAM_YAML["extra job"].edit, TEAM_YAML["extra step"].edit)
    for workflow in (project / ".github" / "workflows").glob("*.yml"):
        edit_file(workflow, lambda d: move_pin(d, BOT_PIN))
    edit_file(project / HOOKS, TEAM_YAML["extra hook"].edit)


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_a_team_s_edits_and_its_bot_s_bumps_merge_with_a_keel_release(
    release: TemplateHistory,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    tool: str,
) -> None:
    path = copy_version(
        release,
        tmp_path / "project",
        "v1.0.0",
        tasks=False,
        python_version=PYTHON,
        project_kind=kind,
        package_manager=tool,
    )
    project = GeneratedProject(path, sandbox_workarounds)
    project.git_init()
    first_weeks(path)
    project.commit("The team's first weeks, and Dependabot's")
    capfd.readouterr()
    green = (kind, tool) == ("library", "uv")

    if green:
        update(path, "v2.0.0")
    else:
        # The merge is under test here, not the relock (tests/test_update.py has it): with no
        # lock tool on PATH, an application's relock says so in one line instead of locking.
        with local.env(PATH=NO_TOOLS), monkeypatch.context() as patch:
            patch.setenv("PATH", NO_TOOLS)
            update(path, "v2.0.0")

    out = capfd.readouterr().out
    assert conflicted_files(path) == [], out
    assert "overlaps with your changes" not in out
    assert "Keel: merged what both sides changed in" in out
    assert project.answers["_commit"] == "v2.0.0"
    data = pyproject(path)
    # The team's choices...
    assert "tomli-w>=1.0" in data["project"]["dependencies"]
    dev = data["dependency-groups"]["dev"]
    assert "pytest-timeout>=2.3" in dev
    assert {"N", "C90"} <= set(data["tool"]["ruff"]["lint"]["select"])
    assert "-x" in data["tool"]["pytest"]["ini_options"]["addopts"]
    assert data["tool"]["mypy"]["warn_unreachable"] is True
    assert data["tool"]["coverage"] == {"branch": True}
    # ... Keel's changes, and the higher version where both moved one.
    assert "C4" in data["tool"]["ruff"]["lint"]["select"]
    assert "--showlocals" in data["tool"]["pytest"]["ini_options"]["addopts"]
    assert "mypy>=1.19" in dev
    assert "ruff>=0.17" in dev
    readme = (path / "README.md").read_text(encoding="utf-8")
    assert TEAM_README in readme
    assert "CI runs the same three commands" in readme
    ci = load_yaml(path / CI)
    assert "docs" in ci["jobs"]
    assert "Audit" in [s.get("name") for s in ci["jobs"]["lint"]["steps"]]
    for workflow in (path / ".github" / "workflows").glob("*.yml"):
        text = workflow.read_text(encoding="utf-8")
        assert checkout_pins(text) == {(fake_sha(KEEL_PIN), KEEL_PIN)}, workflow.name
    hooks = load_yaml(path / HOOKS)
    ids = {hook["id"] for repo in hooks["repos"] for hook in repo["hooks"]}
    assert {"codespell", "check-added-large-files"} <= ids

    if green:
        shutil.rmtree(path / ".venv", ignore_errors=True)
        project.install()
        result = project.run_tool("pytest", "-q", "-p", "no:cacheprovider")
        assert " passed" in result.stdout, result.stdout
