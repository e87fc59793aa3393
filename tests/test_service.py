"""Fast tier for applications that are web services (app_interface http), rendered only.

Every tool and Python renders a lint-clean service with its probes, tests and lower-bound
dependencies; a command-line application gets none of it; compose.yaml agrees with the
Dockerfile and the settings; and an existing application is refused a change of shape.
The end-to-end and container tiers run the same projects for real.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from copier.errors import UserMessageError
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement

from tests.support import tools
from tests.support.questionnaire import choices
from tests.support.rendering import copy_template, load_yaml, pyproject, render, tree
from tests.test_render import assert_lint_clean

SERVICE_FILES = ("src/keel_sample/app.py", "tests/test_app.py", "tests/test_server.py")
RUNTIME = {"fastapi", "uvicorn", "pydantic-settings"}
PREFIX = "KEEL_SAMPLE_"
HTTP = {"app_interface": "http"}


def requirement_names(specs: list[str]) -> set[str]:
    return {Requirement(spec).name for spec in specs}


@pytest.mark.parametrize(
    ("tool", "python"),
    list(itertools.product(choices("package_manager"), choices("python_version"))),
)
def test_a_service_renders_for_every_tool_and_python(
    tmp_path: Path, template_dir: Path, tool: str, python: str
) -> None:
    project = render(
        tmp_path / "p",
        template_dir,
        project_kind="application",
        app_interface="http",
        package_manager=tool,
        python_version=python,
    )
    for name in (*SERVICE_FILES, "compose.yaml", "Dockerfile"):
        assert (project / name).is_file(), name
    data = pyproject(project)
    assert requirement_names(data["project"]["dependencies"]) >= RUNTIME
    assert "httpx2" in requirement_names(data["dependency-groups"]["dev"])
    for spec in data["project"]["dependencies"] + data["dependency-groups"]["dev"]:
        assert all(s.operator == ">=" for s in Requirement(spec).specifier), spec
    assert data["project"]["scripts"] == {"keel-sample": "keel_sample.cli:main"}
    assert_lint_clean(project)


@pytest.mark.parametrize("tool", tools.names())
def test_a_command_line_application_has_no_service(
    tmp_path: Path, template_dir: Path, tool: str
) -> None:
    project = render(tmp_path / "p", template_dir, project_kind="application", package_manager=tool)
    assert load_yaml(project / ".copier-answers.yml")["app_interface"] == "cli"
    for name in (*SERVICE_FILES, "compose.yaml"):
        assert not (project / name).exists(), name
    assert not RUNTIME - {"pydantic-settings"} & requirement_names(
        pyproject(project)["project"]["dependencies"]
    )
    assert "EXPOSE" not in (project / "Dockerfile").read_text(encoding="utf-8")


def test_a_service_without_an_image_has_no_compose(tmp_path: Path, template_dir: Path) -> None:
    project = render(
        tmp_path / "p", template_dir, project_kind="application", app_interface="http", docker=False
    )
    assert (project / "src" / "keel_sample" / "app.py").exists()
    assert not (project / "Dockerfile").exists()
    assert not (project / "compose.yaml").exists()


def settings_listed(project: Path) -> dict[str, str]:
    text = (project / ".env.example").read_text(encoding="utf-8")
    pairs = [line.split("=", 1) for line in text.splitlines() if line and line[0] != "#"]
    return {name: value for name, value in pairs}


@pytest.mark.parametrize("tool", tools.names())
def test_compose_runs_the_image_as_the_dockerfile_and_settings_say(
    tmp_path: Path, template_dir: Path, tool: str
) -> None:
    project = render(
        tmp_path / "p",
        template_dir,
        project_kind="application",
        app_interface="http",
        package_manager=tool,
    )
    listed = settings_listed(project)
    for setting in ("HOST", "PORT", "WORKERS", "SHUTDOWN_TIMEOUT", "LOG_FORMAT"):
        assert PREFIX + setting in listed, setting
    assert [name for name in listed if name.endswith("_PORT")] == [f"{PREFIX}PORT"]

    parser = DockerfileParser(path=str(project / "Dockerfile"))
    [exposed] = [i["value"] for i in parser.structure if i["instruction"] == "EXPOSE"]
    envs = parser.envs
    assert envs[f"{PREFIX}HOST"] == "0.0.0.0"
    assert envs[f"{PREFIX}PORT"] == exposed

    compose: dict[str, Any] = load_yaml(project / "compose.yaml")
    [service] = compose["services"].values()
    assert service["build"] == {"context": "."}
    assert service["env_file"] == ".env"
    # Inside the container: every interface, the image's port, whatever .env says.
    assert service["environment"] == {f"{PREFIX}HOST": "0.0.0.0", f"{PREFIX}PORT": exposed}
    [published] = service["ports"]
    assert re.fullmatch(
        rf"127\.0\.0\.1:\$\{{{PREFIX}PORT:-{listed[PREFIX + 'PORT']}\}}:{exposed}", published
    ), published
    assert service["healthcheck"]["test"] == ["CMD", "keel-sample", "healthcheck"]
    assert service["restart"] == "unless-stopped"
    limits = service["deploy"]["resources"]["limits"]
    assert set(limits) == {"cpus", "memory"}
    assert service["read_only"] is True


def test_an_existing_application_keeps_its_interface(tmp_path: Path, template_dir: Path) -> None:
    """Rendering an application over one of the other shape (a recopy, or an interactive
    update's render) stops before it writes anything; the update tier tests `--data`."""
    project = render(tmp_path / "p", template_dir, project_kind="application")
    before = tree(project)
    with pytest.raises(UserMessageError, match='app_interface is "cli" and an update cannot'):
        copy_template(project, template_dir, {"project_kind": "application", **HTTP})
    assert tree(project) == before
