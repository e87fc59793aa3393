"""The generated GitHub workflows: linted clean, consistent with the project, and a gate
that is shown to fail.

Each combination is rendered once and checked for everything: the gate of
tests/support/workflows.py (actionlint + shellcheck, zizmor pedantic, check-jsonschema, Keel's
policy) and agreement with the rest of the project, read from the parsed files.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from extensions.pythons import SUPPORTED
from tests.support import tools
from tests.support.questionnaire import choices, kind_tool_pairs, matrix_id, questions
from tests.support.rendering import load_yaml, pyproject, render
from tests.support.toolchain import run
from tests.support.workflows import (
    PINNED_USES,
    WRITE_SCOPES,
    console_lines,
    contains,
    dockerfile_args,
    gate,
    pinned_actions,
    pinned_tools,
    runs,
    steps,
    triggers,
    workflows,
)

PROPRIETARY = "Proprietary"


def workflow_variants() -> list[dict[str, Any]]:
    """Every kind × tool × container (applications) × open-or-proprietary licence, then every
    Python choice per kind (the CI matrix follows it), spread over the tools."""
    assert PROPRIETARY in choices("license")
    variants: list[dict[str, Any]] = []
    for kind, tool in kind_tool_pairs():
        containers: list[dict[str, Any]] = (
            [{"docker": docker} for docker in choices("docker")] if kind == "application" else [{}]
        )
        for container in containers:
            for licence in ({}, {"license": PROPRIETARY}):
                variants.append(
                    {"project_kind": kind, "package_manager": tool, **container, **licence}
                )
    tools = choices("package_manager")
    for kind in choices("project_kind"):
        for i, python in enumerate(choices("python_version")):
            tool = tools[i % len(tools)]
            variants.append(
                {"project_kind": kind, "package_manager": tool, "python_version": python}
            )
    return variants


VARIANTS = workflow_variants()

# What each tool's CI must run, and what it must never run, come from tools/tools.toml.


@pytest.mark.parametrize("variant", VARIANTS, ids=[matrix_id(v) for v in VARIANTS])
def test_every_combination_gets_clean_workflows_that_match_the_project(
    tmp_path: Path, template_dir: Path, variant: dict[str, Any]
) -> None:
    project = render(tmp_path / "p", template_dir, **variant)

    findings = gate(project)
    assert not findings, "\n\n".join(f"[{f.tool}]\n{f.detail}" for f in findings)

    assert_files_follow_the_answers(project, variant)
    assert_ci_tests_the_supported_pythons(project)
    assert_actions_are_pinned_and_watched(project, template_dir)
    assert_ci_runs_the_project_s_own_commands(project, variant)
    assert_uv_is_the_pinned_one(project, template_dir)


def assert_uv_is_the_pinned_one(project: Path, template_dir: Path) -> None:
    """Every setup-uv step installs the uv the Dockerfile copies and Keel's tests run."""
    uv = pinned_tools(template_dir)["uv"]
    assert uv == importlib.metadata.version("uv")
    for name, workflow in workflows(project).items():
        for _, step in steps(workflow):
            if step.get("uses", "").startswith("astral-sh/setup-uv@"):
                assert step["with"]["version"] == uv, name


def assert_files_follow_the_answers(project: Path, variant: dict[str, Any]) -> None:
    """Which workflows exist, and what each publishing workflow is triggered by."""
    library = variant["project_kind"] == "library"
    container = not library and variant.get("docker", questions()["docker"]["default"])
    found = workflows(project)
    expected = {"ci.yml", "template-update.yml"}
    if library and variant.get("license") != PROPRIETARY:
        expected.add("publish.yml")
    if container:
        expected.add("release-image.yml")
    assert set(found) == expected
    assert ("image" in found["ci.yml"]["jobs"]) is container
    assert ("lowest" in found["ci.yml"]["jobs"]) is library
    for name in expected - {"ci.yml", "template-update.yml"}:
        assert "release" in triggers(found[name]), name
    if "publish.yml" in found:
        # Only the upload jobs, each in its environment, may ask for an OIDC token, and
        # they run no project code: they only download what the build job made.
        jobs = found["publish.yml"]["jobs"]
        minting = {job for job, spec in jobs.items() if "id-token" in spec["permissions"]}
        assert minting == {"pypi", "testpypi"}
        assert {jobs[job]["environment"]["name"] for job in minting} == minting
        for job in minting:
            assert all("run" not in step for step in jobs[job]["steps"]), job
            assert not any("checkout" in step.get("uses", "") for step in jobs[job]["steps"])

    dependabot = load_yaml(project / ".github" / "dependabot.yml")
    ecosystems = [update["package-ecosystem"] for update in dependabot["updates"]]
    expected_ecosystems = [
        tools.facts(variant["package_manager"])["dependabot_ecosystem"],
        "github-actions",
    ]
    assert ecosystems == expected_ecosystems + (["docker"] if container else [])


def assert_ci_tests_the_supported_pythons(project: Path) -> None:
    """CI's matrix == requires-python == the classifiers (== the image's Python)."""
    meta = pyproject(project)["project"]
    allowed = SpecifierSet(meta["requires-python"])
    by_requires = [v for v in SUPPORTED if allowed.contains(f"{v}.0")]
    by_classifiers = [
        c.rsplit(" :: ", 1)[1] for c in meta["classifiers"] if re.search(r":: 3\.\d+$", c)
    ]
    ci = workflows(project)["ci.yml"]
    matrix = ci["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert matrix == by_requires == by_classifiers
    # Every other job runs on the oldest supported Python.
    for name, workflow in workflows(project).items():
        for job, step in steps(workflow):
            python = step.get("with", {}).get("python-version")
            if python is not None and job != "test":
                assert python == matrix[0], (name, job)

    # The image CI builds runs the same Python: the Dockerfile's ARG PYTHON_VERSION default.
    if "image" in ci["jobs"]:
        args = dockerfile_args(project / "Dockerfile")
        assert args.get("PYTHON_VERSION") == matrix[0]


def assert_actions_are_pinned_and_watched(project: Path, template_dir: Path) -> None:
    """Every action is pinned to the SHA in includes/, and Dependabot watches them all."""
    pins = pinned_actions(template_dir)
    for name, workflow in workflows(project).items():
        for job, step in steps(workflow):
            if "uses" in step:
                action, _, sha = step["uses"].partition("@")
                assert pins.get(action, "").startswith(sha + " "), (name, job, step["uses"])
    dependabot = load_yaml(project / ".github" / "dependabot.yml")
    watched = [u for u in dependabot["updates"] if u["package-ecosystem"] == "github-actions"]
    assert [u["directory"] for u in watched] == ["/"]


def assert_ci_runs_the_project_s_own_commands(project: Path, variant: dict[str, Any]) -> None:
    """CI installs and runs as README.md says, with the project's tool and no other's."""
    tool, kind = variant["package_manager"], variant["project_kind"]
    ci = workflows(project)["ci.yml"]
    readme = console_lines(project / "README.md")
    install = tools.install_lines(tool, locked=kind == "application", environment=False)
    assert set(install) <= readme
    run_prefix = tools.facts(tool)["run"]
    pre_commit = tools.facts(tool)["run_pre_commit"]
    for job, command in (
        ("lint", f"{pre_commit} run --all-files"),
        ("lint", f"{run_prefix} mypy"),
        ("test", f"{run_prefix} pytest"),
    ):
        commands = [" ".join(words) for words in runs(ci, job)]
        assert all(line in commands for line in install), (job, commands)
        assert any(line.startswith(command) for line in commands), (job, command, commands)
    assert f"{pre_commit} run --all-files" in readme
    assert f"{run_prefix} pytest" in readme

    for name, workflow in workflows(project).items():
        for words in runs(workflow):
            for foreign in tools.foreign_heads(tool):
                assert not contains(words, foreign), (name, " ".join(words))


def test_every_pin_is_used_and_has_its_release(template_dir: Path) -> None:
    """No stale pins in includes/workflow_pins.jinja; each is `<sha> # vX.Y.Z`."""
    # Workflows and the per-tool workflow stanzas they include.
    paths = [
        *(template_dir / "template" / ".github").rglob("*"),
        *(template_dir / "tools").rglob("*.yml.jinja"),
    ]
    sources = "\n".join(path.read_text(encoding="utf-8") for path in paths if path.is_file())
    for action, pin in pinned_actions(template_dir).items():
        assert PINNED_USES.match(f"{action}@{pin}"), action
        assert f"uses('{action}')" in sources, f"{action} is pinned but never used"


def test_template_update_runs_the_copier_keel_is_tested_with(template_dir: Path) -> None:
    """The scheduled update uses the Copier, extension loader and merge libraries of Keel's
    own lock (tasks/merge.py needs tomlkit and ruamel.yaml next to Copier)."""
    tools = pinned_tools(template_dir)
    for package in ("copier", "copier-template-extensions", "tomlkit", "ruamel.yaml"):
        assert tools[package] == importlib.metadata.version(package), package


# --- mutation checks: the gate fails when a rule is broken -------------------------------

Mutation = Callable[[Path, dict[str, str]], None]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def pin_to_a_tag(project: Path, pins: dict[str, str]) -> None:
    """(a) An action by its moveable tag instead of its commit."""
    tag = pins["actions/checkout"].split("# ")[1]
    edit(
        project / ".github" / "workflows" / "ci.yml",
        f"actions/checkout@{pins['actions/checkout']}",
        f"actions/checkout@{tag}",
    )


def id_token_for_the_whole_workflow(project: Path, pins: dict[str, str]) -> None:
    """(b) `id-token: write` at workflow level: every job could mint an OIDC token."""
    edit(
        project / ".github" / "workflows" / "publish.yml",
        "\npermissions: {}\n",
        "\npermissions:\n  id-token: write\n",
    )


def untrusted_input_in_a_script(project: Path, pins: dict[str, str]) -> None:
    """(c) An attacker-controlled expression pasted into a shell script."""
    edit(
        project / ".github" / "workflows" / "ci.yml",
        "    steps:\n",
        '    steps:\n      - name: Greet\n        run: echo "${{ github.event.issue.title }}"\n',
    )


def widen_a_job_s_permissions(project: Path, pins: dict[str, str]) -> None:
    """(d) A job that only reads the code granted `contents: write`, with a reassuring comment."""
    edit(
        project / ".github" / "workflows" / "ci.yml",
        "      contents: read\n",
        "      contents: write  # push the coverage badge\n",
    )


MUTATIONS: list[tuple[Mutation, dict[str, str]]] = [
    # The tools that must each catch it, with a word their report must contain.
    (pin_to_a_tag, {"zizmor": "unpinned-uses", "policy": "actions/checkout@v"}),
    (id_token_for_the_whole_workflow, {"zizmor": "excessive-permissions", "policy": "top-level"}),
    (
        untrusted_input_in_a_script,
        {"actionlint": "untrusted", "zizmor": "template-injection", "policy": "run:"},
    ),
    (widen_a_job_s_permissions, {"policy": "job lint: `contents: write` is not in WRITE_SCOPES"}),
]


@pytest.fixture(scope="module")
def clean_library(tmp_path_factory: pytest.TempPathFactory, template_dir: Path) -> Path:
    """A library (it has every kind of workflow but the image's) that passes the gate."""
    project = render(tmp_path_factory.mktemp("clean") / "p", template_dir, project_kind="library")
    assert gate(project) == []
    return project


@pytest.mark.parametrize(("mutate", "caught_by"), MUTATIONS, ids=[m.__name__ for m, _ in MUTATIONS])
def test_the_gate_fails_when_a_rule_is_broken(
    tmp_path: Path,
    template_dir: Path,
    clean_library: Path,
    mutate: Mutation,
    caught_by: dict[str, str],
) -> None:
    project = shutil.copytree(clean_library, tmp_path / "p")
    mutate(project, pinned_actions(template_dir))
    findings = gate(project)
    for tool, word in caught_by.items():
        reports = [f.detail for f in findings if f.tool == tool]
        assert any(word in report for report in reports), (tool, word, findings)


def test_every_write_grant_is_for_a_job_that_exists(
    tmp_path: Path, template_dir: Path, clean_library: Path
) -> None:
    """WRITE_SCOPES names real jobs: the policy checks an entry only where its job renders.

    The library has every workflow but the image release; an application with a container
    has that one.
    """
    application = render(tmp_path / "app", template_dir, project_kind="application", docker=True)
    jobs = {
        (name, job)
        for project in (clean_library, application)
        for name, workflow in workflows(project).items()
        for job in workflow["jobs"]
    }
    assert set(WRITE_SCOPES) <= jobs, set(WRITE_SCOPES) - jobs
    assert all(why.strip() for scopes in WRITE_SCOPES.values() for why in scopes.values())


# --- the scheduled template update never commits a conflict -------------------------------

CONFLICTS = {
    "clean": {},
    "conflict-markers": {
        "README.md": "# P\n<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n"
    },
    "rejected-hunk": {"README.md.rej": "@@ -1 +1 @@\n-a\n+b\n"},
}


@pytest.mark.parametrize("leftovers", CONFLICTS.values(), ids=list(CONFLICTS))
def test_template_update_turns_what_copier_leaves_unresolved_into_a_draft(
    tmp_path: Path, clean_library: Path, leftovers: dict[str, str]
) -> None:
    """Copier exits 0 after an overlapping update: the workflow keeps the project's side of
    each hunk, lists the hunks in the body, and asks for a draft; no marker is committed."""
    workflow = workflows(clean_library)["template-update.yml"]
    scripts = {s.get("id"): s["run"] for _, s in steps(workflow) if "run" in s}
    project = shutil.copytree(clean_library, tmp_path / "p")
    run(["git", "init", "-q"], project)
    run(["git", "add", "-A"], project)
    run(["git", "commit", "-q", "-m", "generated"], project)
    # What every update changes: the version it recorded.
    answers = project / ".copier-answers.yml"
    text = answers.read_text("utf-8")
    text = re.sub(r"(?m)^_commit: .*\n", "", text) + "_commit: v9.9.9\n"
    answers.write_text(text, "utf-8")
    for name, text in leftovers.items():
        (project / name).write_text(text, encoding="utf-8")
    temp, output = tmp_path / "runner", tmp_path / "output"
    temp.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(output),
        "ANSWERS_FILE": ".copier-answers.yml",
    }

    def run_step(step_id: str, **extra: str) -> None:
        # How GitHub runs a `run:` script on Linux.
        script = scripts[step_id]
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]
        run(command, project, env={**env, **extra})

    run_step("conflicts")
    found = "true" if "found=true" in output.read_text("utf-8") else "false"
    run_step("result", CONFLICTS=found)
    outputs = dict(line.split("=", 1) for line in output.read_text("utf-8").splitlines())
    assert outputs["found"] == str(bool(leftovers)).lower()
    assert outputs["changed"] == "true"
    assert outputs["version"] == "v9.9.9"
    patch = (temp / "template-update" / "template-update.patch").read_text("utf-8")
    body = (temp / "template-update" / "body.md").read_text("utf-8")
    if not leftovers:
        assert "v9.9.9\nwithout conflicts" in body
        return
    assert "+<<<<<<<" not in patch
    assert not list(project.rglob("*.rej"))
    if "README.md" in leftovers:
        assert "### `README.md`\n\nLine 2:\n\n````diff\n<<<<<<< before updating\nmine\n" in body
        assert "=======\ntheirs\n>>>>>>> after updating\n````" in body
        assert (project / "README.md").read_text("utf-8") == "# P\nmine\n"
    else:
        assert "### `README.md.rej`" in body
        assert "-a\n+b" in body
    [pull_request] = [s for _, s in steps(workflow) if "body-path" in s.get("with", {})]
    assert "always-true" in pull_request["with"]["draft"]
