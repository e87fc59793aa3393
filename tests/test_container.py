"""Container tier: build each tool's application image with a real OCI builder and run it.

Generated like the end-to-end tier (tasks included, so the committed lock is real), built
from its own Dockerfile and .dockerignore, then run: the user, the entry point with and
without its required secret, the image's own HEALTHCHECK, what is (not) in the image and in
the builder's context, and a code-only change that must reuse the dependency layer.
tests/support/oci.py drives the builder that scripts/provision.py set up, with the base
images it provided; without them this tier fails under CI and skips elsewhere.

A web service's image (app_interface http) per tool is started as an orchestrator would:
probed from the host through its published port, its HEALTHCHECK run until healthy, its
user checked, and `stop` must end it with exit 0 well inside the grace period. One
tool's service is also started with its compose.yaml.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from pytest_copie.plugin import Copie

from tests.support import tools
from tests.support.oci import OCIBuilder, made_by, require_provisioned
from tests.support.projects import GeneratedProject, generate
from tests.support.questionnaire import choices
from tests.support.rendering import load_yaml, pyproject
from tests.support.sandbox import SandboxWorkarounds
from tests.support.service import LOOPBACK, free_port, get, wait_until_answers

pytestmark = pytest.mark.container

# One Python per tool, each installed here, spread so every one is built into an image.
PYTHONS = ("3.11", "3.12", "3.13")
PYTHON = {tool: PYTHONS[i % len(PYTHONS)] for i, tool in enumerate(tools.names())}
# One project's URL needs escaping in its LABEL; the real builder must read it back as is.
ANSWERS = {tools.names()[-1]: {"repository_url": 'https://example.com/o/say-"hi"-for-$5-${HOME}'}}
# The build step that installs the locked dependencies is the table's
# `image_dependency_step`; this one copies the code in, as the layer history records them.
CODE_STEP = "./src"
UID = 10001
BUILD_TOOLS = {"uv", "uvx", "poetry", "gcc", "cc", "c++", "g++", "make", "ld"}
# What the builder may hold in /app besides the build context: setuptools builds in the tree.
BUILD_OUTPUTS = {"build"}
DOTENV_TOKEN = "dotenv-canary-3c9e"
URL_CANARY = "https://canary-7b1d.example.com"


def test_every_tool_is_built() -> None:
    assert set(PYTHON) == set(choices("package_manager"))


@dataclass(frozen=True)
class App:
    """What the tests need to know about the generated application."""

    project: GeneratedProject
    image: str

    @property
    def script(self) -> str:
        return self.project.answers["distribution_name"]

    @property
    def import_name(self) -> str:
        return self.project.answers["import_name"]

    @property
    def token_var(self) -> str:
        return f"{self.import_name.upper()}_API_TOKEN"

    def setting(self, name: str, value: str) -> list[str]:
        """`run` options that set one of the application's settings."""
        return ["--env", f"{self.import_name.upper()}_{name}={value}"]


@pytest.fixture
def built(oci_builder: OCIBuilder) -> Iterator[list[str]]:
    """Images a test made, removed afterwards in the order listed (names or ids).

    Removing an image also removes the untagged layers only it used; layers an untagged
    image still shares (the first builder stage's, see `untag`) stay cached for later runs.
    """
    images: list[str] = []
    yield images
    oci_builder.remove_images(*images)


@pytest.mark.parametrize("tool", list(PYTHON))
def test_application_image(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    oci_builder: OCIBuilder,
    built: list[str],
    tool: str,
) -> None:
    project = generate(
        copie,
        template_dir,
        sandbox_workarounds,
        "application",
        tool,
        PYTHON[tool],
        **ANSWERS.get(tool, {}),
    )
    app = App(project, f"localhost/keel-container-{tool}:{uuid.uuid4().hex[:12]}")
    # A developer's local settings with a usable token: it must not reach the image.
    (project.path / ".env").write_text(f"{app.token_var}={DOTENV_TOKEN}\n", encoding="utf-8")
    missing = oci_builder.missing_images(project.path / "Dockerfile")
    if missing:
        require_provisioned(f"base images {', '.join(missing)} are not in the builder's storage")
    version = pyproject(project.path)["project"]["version"]

    built.append(app.image)
    oci_builder.build(project.path, app.image, build_args={"APP_VERSION": version}).check()
    built.append(oci_builder.inspect_image(app.image)["Id"])

    assert_metadata(oci_builder, app, version)
    assert_runs_as_configured(oci_builder, app)
    assert_only_the_environment_is_shipped(oci_builder, app)
    # The builder stage is cached from the build above; only its name is dropped afterwards,
    # so its layers stay as the cache a later code-only rebuild (and a later run) reuses.
    builder_stage = f"{app.image}-builder"
    oci_builder.build(project.path, builder_stage, target="builder").check()
    try:
        assert_build_context_is_the_allow_list(oci_builder, app, builder_stage)
        before = oci_builder.layers(builder_stage)
    finally:
        oci_builder.untag(builder_stage)

    # A change to the code alone: the dependency layer is reused, the code is new. New on
    # every run (the greeting carries a nonce), so no earlier run's layer can stand in.
    # Read from the layers the images record, not from the builder's log: a reused step
    # keeps its layer (digest and creation time), a re-run one gets a new one.
    nonce = uuid.uuid4().hex[:8]
    core = project.path / "src" / app.import_name / "core.py"
    code = core.read_text(encoding="utf-8")
    assert 'f"Hello, {cleaned}!"' in code
    core.write_text(code.replace('f"Hello, {cleaned}!"', f'f"Howdy {nonce}, {{cleaned}}!"'))
    rebuilt_stage = f"{app.image}-builder-rebuilt"
    built.append(rebuilt_stage)  # its removal takes the layers only this change made
    oci_builder.build(project.path, app.image, build_args={"APP_VERSION": version}).check()
    oci_builder.build(project.path, rebuilt_stage, target="builder").check()
    after = oci_builder.layers(rebuilt_stage)
    dependencies = tools.facts(tool)["image_dependency_step"]
    assert made_by(after, dependencies) == made_by(before, dependencies)
    assert made_by(after, CODE_STEP) != made_by(before, CODE_STEP)
    greeting = oci_builder.run_container(
        app.image, "--name", "Ada", options=["--env", f"{app.token_var}=x"]
    )
    assert greeting.stdout == f"Howdy {nonce}, Ada!\n", greeting.stderr


def assert_metadata(builder: OCIBuilder, app: App, version: str) -> None:
    """User, labels and HEALTHCHECK as the builder recorded them."""
    document = builder.inspect_image(app.image)
    config = document.get("Config") or {}
    assert config.get("User") == f"{UID}:{UID}"
    labels = config.get("Labels") or document.get("Labels") or {}
    expected = {
        "org.opencontainers.image.title": app.script,
        "org.opencontainers.image.source": app.project.answers["repository_url"],
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.licenses": pyproject(app.project.path)["project"]["license"],
    }
    assert expected.items() <= labels.items(), labels
    assert builder.healthcheck(app.image) == ["CMD", app.script, "healthcheck"]


def assert_runs_as_configured(builder: OCIBuilder, app: App) -> None:
    """Non-root; greets with its secret; refuses clearly without it; passes its check."""
    identity = builder.run_container(app.image, entrypoint="id")
    assert identity.stdout.startswith(f"uid={UID}(app) gid={UID}(app)"), identity.stdout

    greeting = builder.run_container(
        app.image, "--name", "Ada", options=["--env", f"{app.token_var}=x"]
    )
    assert greeting.returncode == 0, greeting.stderr
    assert greeting.stdout == "Hello, Ada!\n"

    # No token (and no .env in the image to fall back on): one clear line, exit 2, and
    # nothing of the other settings echoed.
    missing = builder.run_container(app.image, options=app.setting("SERVICE_URL", URL_CANARY))
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert missing.stderr == f"Configuration error: set {app.token_var}.\n"
    assert missing.stdout == ""
    assert URL_CANARY not in missing.stdout + missing.stderr
    assert DOTENV_TOKEN not in missing.stdout + missing.stderr

    # The image's own HEALTHCHECK command, with the settings CI's image job gives it.
    env_file = app.project.path / ".env.example"
    health = builder.run_healthcheck(app.image, options=["--env-file", str(env_file)])
    assert health.returncode == 0, health.stdout + health.stderr
    assert health.stdout == "healthy\n"


def assert_only_the_environment_is_shipped(builder: OCIBuilder, app: App) -> None:
    """No .env, source tree, tests, dev tools or build tools; the app byte-compiled."""
    files = [PurePosixPath(name.rstrip("/") or "/") for name in builder.list_image_files(app.image)]
    assert [f for f in files if f.name == ".env"] == []
    assert [f for f in files if f.is_relative_to("/app") and f != PurePosixPath("/app")] == []
    assert [f for f in files if ".git" in f.parts or ".venv" in f.parts] == []
    tools = [f for f in files if f.parent.name in {"bin", "sbin"} and f.name in BUILD_TOOLS]
    assert tools == []
    assert [f for f in files if f.is_relative_to("/opt/poetry")] == []

    python = app.project.answers["python_version"]
    site = PurePosixPath(f"/opt/venv/lib/python{python}/site-packages")
    assert [f for f in files if f.parent == site and f.name in {"pytest", "mypy", "ruff"}] == []
    assert site / app.import_name / "cli.py" in files
    tag = python.replace(".", "")
    assert site / app.import_name / "__pycache__" / f"cli.cpython-{tag}.pyc" in files


def assert_build_context_is_the_allow_list(builder: OCIBuilder, app: App, stage: str) -> None:
    """What .dockerignore let through, as the builder stage received it in /app."""
    files = [PurePosixPath(name.rstrip("/")) for name in builder.list_image_files(stage)]
    inside = [f.relative_to("/app") for f in files if f.is_relative_to("/app")]
    top = {f.parts[0] for f in inside if f.parts}
    lock = app.project.lock_files[0].name
    expected = {"pyproject.toml", lock, "README.md", "LICENSE", "src"}
    assert expected <= top, top
    assert top - expected - BUILD_OUTPUTS == set(), top
    assert [f for f in inside if f.name == ".env"] == []


# --- web services (app_interface http) -------------------------------------------------

SERVICE_PORT = "8000"  # what the generated image EXPOSEs and listens on
SHUTDOWN_TIMEOUT = 5  # the generated default, seconds
STOP_GRACE = 30  # what `stop` gives it before SIGKILL, as Kubernetes does by default
SERVICE_TOKEN = "service-canary-91ab"
# compose is started once, for this tool's service (the image builds from the cache).
COMPOSE_TOOL = tools.names()[0]


@pytest.mark.parametrize("tool", list(PYTHON))
def test_service_image(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    oci_builder: OCIBuilder,
    built: list[str],
    tool: str,
) -> None:
    project = generate(
        copie,
        template_dir,
        sandbox_workarounds,
        "application",
        tool,
        PYTHON[tool],
        app_interface="http",
    )
    app = App(project, f"localhost/keel-service-{tool}:{uuid.uuid4().hex[:12]}")
    missing = oci_builder.missing_images(project.path / "Dockerfile")
    if missing:
        require_provisioned(f"base images {', '.join(missing)} are not in the builder's storage")
    built.append(app.image)
    oci_builder.build(project.path, app.image).check()
    document = oci_builder.inspect_image(app.image)
    assert f"{SERVICE_PORT}/tcp" in (document.get("Config") or {}).get("ExposedPorts", {})
    assert oci_builder.healthcheck(app.image) == ["CMD", app.script, "healthcheck"]

    port = free_port()
    options = ["--publish", f"{LOOPBACK}:{port}:{SERVICE_PORT}"]
    container = oci_builder.start_container(
        app.image, options=[*options, *app.setting("API_TOKEN", SERVICE_TOKEN)]
    )
    try:
        assert_serves_from_the_host(oci_builder, container, port)
        identity = oci_builder.command("exec", container, "id", timeout=60)
        assert identity.stdout.startswith(f"uid={UID}(app) gid={UID}(app)"), identity.stdout
        exit_code, took = oci_builder.stop_container(container, grace=STOP_GRACE)
        assert exit_code == 0
        assert took < SHUTDOWN_TIMEOUT + 3, f"stopping took {took:.1f} s"
        logs = oci_builder.command("logs", container, timeout=60)
        assert "Application shutdown complete" in logs.stdout + logs.stderr
        assert SERVICE_TOKEN not in logs.stdout + logs.stderr
    finally:
        oci_builder.remove_containers(container)

    if tool == COMPOSE_TOOL:
        assert_compose_runs_it(oci_builder, app, built)


def assert_serves_from_the_host(builder: OCIBuilder, container: str, port: int) -> None:
    """The probes and the example through the published port; the HEALTHCHECK healthy."""
    base = f"http://{LOOPBACK}:{port}"

    def running() -> bool:
        return bool(builder.inspect_container(container)["State"]["Running"])

    assert wait_until_answers(f"{base}/healthz", running)["status"] == "ok"
    assert get(f"{base}/readyz")[0] == 200
    assert get(f"{base}/greetings/Ada") == (200, {"message": "Hello, Ada!"})
    assert builder.run_container_healthcheck(container) == "healthy"


def assert_compose_runs_it(builder: OCIBuilder, app: App, built: list[str]) -> None:
    """compose.yaml builds the image, starts it with .env, publishes it on the loopback port
    .env's PORT names, and applies its health check, restart policy and limits."""
    project = app.project.path
    example = (project / ".env.example").read_text(encoding="utf-8")
    (project / ".env").write_text(
        example.replace("API_TOKEN=change-me", f"API_TOKEN={SERVICE_TOKEN}"), encoding="utf-8"
    )
    name = f"keel-compose-{uuid.uuid4().hex[:8]}"
    port = free_port()
    # The shell's variable wins over .env's in compose's substitution, as for a user.
    env = {f"{app.import_name.upper()}_PORT": str(port)}
    compose = load_yaml(project / "compose.yaml")
    [service] = compose["services"]
    image = compose["services"][service]["image"]
    built.append(image)
    up = builder.compose(project, "--project-name", name, "up", "--build", "--detach", env=env)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        container = f"{name}_{service}_1"
        assert_serves_from_the_host(builder, container, port)
        host = builder.inspect_container(container)["HostConfig"]
        assert host["RestartPolicy"]["Name"] == "unless-stopped"
        assert host["Memory"] > 0
        assert host["NanoCpus"] > 0
        assert host["ReadonlyRootfs"] is True
    finally:
        down = builder.compose(project, "--project-name", name, "down", env=env)
    assert down.returncode == 0, down.stdout + down.stderr
