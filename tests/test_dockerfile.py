"""The application's Dockerfile and .dockerignore, rendered and read without building.

hadolint at its default threshold, then the parsed Dockerfile's structure: two stages, a
lock-only install with the project's own tool at Keel's pinned version, the dependency layer
before the source, a numeric non-root user, labels that read back as answered, and a
HEALTHCHECK and ENTRYPOINT that run the console script. The container tier
(tests/test_container.py) builds and runs the same files.
"""

from __future__ import annotations

import importlib.metadata
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from tests.support import tools
from tests.support.questionnaire import choices
from tests.support.rendering import load_yaml, pyproject, render
from tests.support.toolchain import KEEL_BIN, run
from tests.support.workflows import pinned_tools

PROPRIETARY = "Proprietary"
# A valid answer with the characters a double-quoted Dockerfile string treats specially, and
# an attempt to close the string and start a label of its own.
TRICKY_URL = 'https://example.com/o/say-"hi"-evil="1"-for-$5-${HOME}'
LABELS = {
    "org.opencontainers.image.title",
    "org.opencontainers.image.source",
    "org.opencontainers.image.version",
    "org.opencontainers.image.licenses",
}
# What may enter the build context: the project's metadata, its runtime lock, the source.
NEVER_IN_CONTEXT = {".env", ".git", ".venv", "tests", ".github", "dist"}
BUILD_TOOLS = {"uv", "uvx", "poetry", "pip"}


def dockerfile_variants() -> list[Any]:
    """Each Python choice once (the image's Python follows it), spread over the tools; one
    also proprietary with a repository URL that needs escaping in a LABEL, one a web
    service."""
    tools = choices("package_manager")
    variants = []
    for i, python in enumerate(choices("python_version")):
        answers = {"package_manager": tools[i % len(tools)], "python_version": python}
        name = "-".join(answers.values())
        if i == 1:
            answers |= {"license": PROPRIETARY, "repository_url": TRICKY_URL}
            name += "-proprietary-tricky-url"
        if i == 2:
            answers |= {"app_interface": "http"}
            name += "-http"
        variants.append(pytest.param(answers, id=name))
    assert len(choices("python_version")) >= len(tools), "some tool would go untested"
    return variants


@dataclass
class Stage:
    """One `FROM ... AS name` and the instructions after it, as (INSTRUCTION, value)."""

    name: str
    image: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]

    def index(self, instruction: str, predicate: str) -> int:
        """Position of the one `instruction` whose value contains `predicate`."""
        found = [
            i
            for i, (name, value) in enumerate(self.instructions)
            if name == instruction and predicate in value
        ]
        assert len(found) == 1, (instruction, predicate, self.instructions)
        return found[0]


def stages(parser: DockerfileParser) -> list[Stage]:
    """The Dockerfile's stages, comments left out."""
    found: list[Stage] = []
    for item in parser.structure:
        instruction, value = item["instruction"], item["value"]
        if instruction == "FROM":
            image, _, name = value.partition(" AS ")
            found.append(Stage(name.strip(), image.strip()))
        elif instruction != "COMMENT" and found:
            found[-1].instructions.append((instruction, " ".join(value.split())))
    return found


def shell_commands(run_value: str) -> list[list[str]]:
    """A RUN's commands as words: `--mount` flags dropped, split at `&&`."""
    words = [w for w in shlex.split(run_value) if not w.startswith("--mount=")]
    commands: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            commands.append([])
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


def copy_sources(value: str) -> list[str]:
    """The build-context paths of a COPY without --from (the destination dropped)."""
    words = shlex.split(value)
    assert not any(w.startswith("--from") for w in words)
    return [w.rstrip("/") for w in words[:-1] if not w.startswith("--")]


def exec_form(value: str) -> list[str]:
    """The JSON array of an ENTRYPOINT, or of a HEALTHCHECK after its CMD."""
    _, cmd, array = value.rpartition("CMD ")
    parsed = json.loads(array if cmd else value)
    assert isinstance(parsed, list)
    return [str(word) for word in parsed]


# --- which projects get the files ------------------------------------------------------


def no_image_variants() -> list[Any]:
    """Libraries, and applications that answered docker=false, for every tool."""
    variants = []
    for tool in choices("package_manager"):
        variants.append(pytest.param({"package_manager": tool}, id=f"library-{tool}"))
        variants.append(
            pytest.param(
                {"package_manager": tool, "project_kind": "application", "docker": False},
                id=f"application-{tool}-docker=false",
            )
        )
    return variants


@pytest.mark.parametrize("answers", no_image_variants())
def test_no_container_files_without_an_image(
    tmp_path: Path, template_dir: Path, answers: dict[str, Any]
) -> None:
    project = render(tmp_path / "p", template_dir, **answers)
    assert not (project / "Dockerfile").exists()
    assert not (project / ".dockerignore").exists()


# --- the files themselves --------------------------------------------------------------


@pytest.mark.parametrize("answers", dockerfile_variants())
def test_application_dockerfile_is_lint_clean_and_well_formed(
    tmp_path: Path, template_dir: Path, answers: dict[str, str]
) -> None:
    project = render(tmp_path / "p", template_dir, project_kind="application", **answers)
    tool, python = answers["package_manager"], answers["python_version"]

    for name in ("Dockerfile", ".dockerignore"):
        text = (project / name).read_text(encoding="utf-8")
        assert text.endswith("\n"), name
        assert not text.endswith("\n\n"), name
        assert not [line for line in text.splitlines() if line != line.rstrip()], name

    lint = run([KEEL_BIN / "hadolint", "Dockerfile"], project, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert not lint.stdout.strip(), lint.stdout

    parser = DockerfileParser(path=str(project / "Dockerfile"))
    builder, runtime = stages(parser)
    assert (builder.name, runtime.name) == ("builder", "runtime")
    assert_images_are_pinned(parser, [builder, runtime], python)
    assert_installs_only_the_lock(template_dir, builder, tool)
    assert_runtime_is_minimal(project, parser, runtime, answers)
    assert_context_is_an_allow_list(project, builder, answers)


def assert_images_are_pinned(
    parser: DockerfileParser, all_stages: list[Stage], python: str
) -> None:
    """Every image is tagged, none `latest`; the base is python:<python_version>-slim."""
    assert parser.parent_images == [f"python:{python}-slim"] * 2
    assert _global_args(parser) == [f"PYTHON_VERSION={python}"]
    copied_from = [
        word.removeprefix("--from=")
        for stage in all_stages
        for value in stage.values("COPY")
        for word in value.split()
        if word.startswith("--from=")
    ]
    stage_names = {stage.name for stage in all_stages}
    for image in [*parser.parent_images, *(i for i in copied_from if i not in stage_names)]:
        name, _, tag = image.rpartition(":")
        assert name, image
        assert tag, f"{image} has no tag"
        assert "/" not in tag, f"{image} has no tag"
        assert tag != "latest", image


def _global_args(parser: DockerfileParser) -> list[str]:
    """`ARG` values before the first FROM: the only ones FROM lines can use."""
    found = []
    for item in parser.structure:
        if item["instruction"] == "FROM":
            break
        if item["instruction"] == "ARG":
            found.append(item["value"])
    return found


def assert_installs_only_the_lock(template_dir: Path, builder: Stage, tool: str) -> None:
    """The project's own tool at Keel's pin, the lock before the source, nothing resolved."""
    runs = builder.values("RUN")
    commands = [command for value in runs for command in shell_commands(value)]
    lock = tools.facts(tool)["lock_files"][0]

    # The dependency layer: the lock copied and installed before the source arrives, with a
    # cache mount; then the source and the application itself.
    copy_lock = builder.index("COPY", lock)
    install_deps = next(
        i
        for i, (name, value) in enumerate(builder.instructions)
        if name == "RUN" and i > copy_lock and "--mount=type=cache" in value
    )
    copy_src = builder.index("COPY", "src ")
    assert copy_lock < install_deps < copy_src
    assert "src" not in copy_sources(builder.instructions[copy_lock][1])
    assert any(name == "RUN" for name, _ in builder.instructions[copy_src:])

    # The tool's own commands, as its folder's expect.toml lists them.
    expect = tools.expectations(tool)["image"]
    selected = [c for c in commands if not expect["commands_of"] or c[0] == expect["commands_of"]]
    assert selected == expect["commands"]
    if expect["pinned_image"]:
        [image] = [w for v in builder.values("COPY") for w in v.split() if w.startswith("--from")]
        assert image == f"--from={expect['pinned_image']}:{keel_pin(template_dir, tool)}"
    if expect["pinned_arg"]:
        assert f"{expect['pinned_arg']}={keel_pin(template_dir, tool)}" in builder.values("ARG")
    # pip into /opt/venv either installs the hashed lock or the application without deps.
    installs = [c for c in commands if "install" in c and "/opt/venv/bin/python" in c]
    assert all("--no-deps" in c or "--require-hashes" in c for c in installs), installs
    # Never a resolving command: no lock, update, add, or unhashed install from an index.
    for command in commands:
        for resolving in (["uv", "lock"], ["uv", "pip"], ["poetry", "lock"], ["poetry", "add"]):
            assert command[:2] != resolving, command
        assert command[:2] not in (["poetry", "install"], ["poetry", "update"]), command


def keel_pin(template_dir: Path, package: str) -> str:
    """The version includes/workflow_pins.jinja pins, which must be the one Keel locks (the
    tests make the generated project's lock with Keel's own uv and poetry)."""
    pinned = pinned_tools(template_dir)[package]
    assert pinned == importlib.metadata.version(package), package
    return pinned


def assert_runtime_is_minimal(
    project: Path, parser: DockerfileParser, runtime: Stage, answers: dict[str, str]
) -> None:
    """Only the venv, a numeric non-root user, the console script as entry point and check."""
    assert runtime.values("COPY") == ["--from=builder /opt/venv /opt/venv"]
    assert not runtime.values("ADD")
    assert [v for v in runtime.values("RUN") if any(t in v.split() for t in BUILD_TOOLS)] == []

    user, _, group = runtime.values("USER")[-1].partition(":")
    assert user.isdigit(), user
    assert int(user) != 0
    assert group.isdigit(), group
    assert int(group) != 0

    envs = parser.envs  # the last stage's, resolved
    assert envs["PYTHONDONTWRITEBYTECODE"] == "1"
    assert envs["PYTHONUNBUFFERED"] == "1"

    meta = pyproject(project)["project"]
    import_name = load_yaml(project / ".copier-answers.yml")["import_name"]
    scripts = meta["scripts"]
    [script] = [name for name, target in scripts.items() if target == f"{import_name}.cli:main"]
    assert exec_form(runtime.values("ENTRYPOINT")[-1]) == [script]
    [healthcheck] = runtime.values("HEALTHCHECK")
    assert exec_form(healthcheck) == [script, "healthcheck"]
    # A web service exposes the port it listens on; a command-line program exposes none.
    service = answers.get("app_interface") == "http"
    assert runtime.values("EXPOSE") == (["8000"] if service else [])

    raw = DockerfileParser(path=str(project / "Dockerfile"), env_replace=False).labels
    assert set(raw) == LABELS, sorted(raw)
    assert raw["org.opencontainers.image.title"] == meta["name"]
    # dockerfile-parse reads `\"` as `"` but leaves `\$` as it is; the container tier reads
    # the label back from a real build.
    assert raw["org.opencontainers.image.source"].replace("\\$", "$") == meta["urls"]["Source"]
    assert raw["org.opencontainers.image.version"] == "${APP_VERSION}"
    assert any(arg.startswith("APP_VERSION=") for arg in runtime.values("ARG"))
    licence = answers.get("license", "MIT")
    expected = "LicenseRef-Proprietary" if licence == PROPRIETARY else licence
    assert raw["org.opencontainers.image.licenses"] == expected == meta["license"]


def assert_context_is_an_allow_list(project: Path, builder: Stage, answers: dict[str, str]) -> None:
    """`*` first, then exactly the files the builder COPYs; never secrets, VCS, venv, tests."""
    lines = [
        line
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    admitted = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {
        source
        for value in builder.values("COPY")
        if not value.startswith("--from")
        for source in copy_sources(value)
    }
    assert admitted == copied, (admitted, copied)
    assert not admitted & NEVER_IN_CONTEXT
    assert not any(name.startswith(".env") for name in admitted)
    assert ("LICENSE" in admitted) is (answers.get("license") != PROPRIETARY)
    assert not any(name.endswith("-dev.lock") for name in admitted)
