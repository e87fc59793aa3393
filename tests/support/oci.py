"""Build and run OCI images for Keel's container tests, wherever the suite runs.

Why this module exists: a generated application ships a Dockerfile, and the only honest test
of a Dockerfile is to build the image and run it. The machines Keel is developed and tested
on have no Docker engine and cannot reach any image registry, so this module:

* drives podman (daemonless; falls back to a running Docker engine), installing it with
  apt-get when that is possible and allowed;
* hands podman a private containers.conf and registries.conf (and a storage.conf only if
  podman would not use overlay by itself), because the defaults do not work on these
  machines (crun and default ulimits are refused);
* builds local stand-ins for the only two images the generated Dockerfiles name,
  ``python:X.Y-slim`` and ``ghcr.io/astral-sh/uv:<version>``, but only when the registry
  that really serves them is out of reach.

Every workaround for the test machines lives here and nowhere else. In particular the
rendered template must never learn about stand-in images, the proxy CA or runtime settings:
the stand-ins exist so that an *unmodified* ``FROM python:3.12-slim`` resolves.

The pytest suite uses this module behind one session fixture in ``tests/conftest.py``;
everything here is plain functions and small value objects so it can also be driven from a
script (benchmarks, prototypes).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import html
import json
import os
import platform
import re
import shutil
import ssl
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dockerfile_parse import DockerfileParser

from tests.support.toolchain import python_for

__all__ = [
    "BuildResult",
    "BuildStep",
    "OCIBuilder",
    "OCIUnavailable",
    "default_cache_dir",
    "find_builder",
    "find_cpython",
    "registry_reachable",
]

#: Debian release of the stand-in base image. It must be the release the local CPython builds
#: were compiled on (their shared libraries are reused), which on Keel's machines is bookworm.
STAND_IN_SUITE = "bookworm"

#: Runtime libraries CPython's extension modules link against, plus what python:X-slim ships
#: (ca-certificates, netbase, tzdata). Mirrors the official image closely enough that a
#: Dockerfile proven on the stand-in behaves the same on the real image.
STAND_IN_PACKAGES = (
    "ca-certificates",
    "netbase",
    "tzdata",
    "libssl3",
    "libffi8",
    "libsqlite3-0",
    "libbz2-1.0",
    "liblzma5",
    "libreadline8",
    "libncursesw6",
    "zlib1g",
    "libuuid1",
    "libexpat1",
)

#: pip put into the stand-in, as the official image does. Pinned so the stand-in is
#: reproducible; any pip >= 24.2 works (those trust the system CA store via truststore).
STAND_IN_PIP_VERSION = "25.3"

DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEFAULT_PACKAGE_INDEX = "https://pypi.org/simple"

#: Registries named by the generated Dockerfiles, and the host that really answers for each.
_REGISTRY_HOSTS = {"docker.io": "registry-1.docker.io", "ghcr.io": "ghcr.io"}

#: podman prints this for a build step whose layer it reused; Docker BuildKit prints CACHED.
_PODMAN_STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP \d+/\d+: (?P<instruction>.*)$")
_PODMAN_LAYER = re.compile(r"^--> [0-9a-f]{6,64}$")
_BUILDKIT_STEP = re.compile(r"^#(?P<id>\d+) \[[^\]]+\] (?P<instruction>.*)$")

_CPYTHON_BIN = re.compile(r"^(python|pydoc|idle|2to3)")


class OCIUnavailable(RuntimeError):
    """Raised when an image the tests need cannot be had; the message says why."""


@dataclass(frozen=True)
class BuildStep:
    """One Dockerfile instruction as the builder reported it, and whether it was cached.

    ``layer``: the id of the image podman committed for the step (None for BuildKit, whose
    cache is not made of images).
    """

    instruction: str
    cached: bool
    layer: str | None = None


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one image build: kept whole so a failing test can show the log."""

    tag: str
    returncode: int
    log: str
    seconds: float
    engine: Literal["podman", "docker"] = "podman"

    @property
    def ok(self) -> bool:
        """Whether the build succeeded."""
        return self.returncode == 0

    def check(self) -> BuildResult:
        """Return self, or raise with the end of the log so the failure explains itself."""
        if not self.ok:
            tail = "\n".join(self.log.splitlines()[-60:])
            msg = f"building {self.tag} failed (exit {self.returncode}):\n{tail}"
            raise AssertionError(msg)
        return self

    def steps(self) -> list[BuildStep]:
        """Parse the log into steps, so a test can ask "was the dependency layer reused?"."""
        if self.engine == "docker":
            return _buildkit_steps(self.log)
        steps: list[BuildStep] = []
        instruction: str | None = None
        cached = False
        layer: str | None = None
        for line in self.log.splitlines():
            match = _PODMAN_STEP.match(line)
            if match:
                if instruction is not None:
                    steps.append(BuildStep(instruction, cached, layer))
                instruction, cached, layer = match["instruction"], False, None
            elif line.startswith("--> Using cache"):
                cached = True
            elif _PODMAN_LAYER.match(line):
                layer = line.removeprefix("--> ")
        if instruction is not None:
            steps.append(BuildStep(instruction, cached, layer))
        return steps

    def new_layers(self) -> list[str]:
        """Ids of the images podman committed afresh for this build's steps, in build order.

        A build whose input is new on every run (a test's one-off code change) leaves such
        layers behind in the builder stage, where removing the final image does not reach;
        remove them newest first.
        """
        return [s.layer for s in self.steps() if not s.cached and s.layer is not None]

    def step(self, contains: str) -> BuildStep:
        """Return the one step whose instruction contains ``contains``; fail unless exactly one."""
        found = [s for s in self.steps() if contains in s.instruction]
        if len(found) != 1:
            msg = f"expected one build step containing {contains!r}, found {len(found)}"
            raise AssertionError(msg)
        return found[0]


def _buildkit_steps(log: str) -> list[BuildStep]:
    """Parse BuildKit's plain progress: ``#N [stage i/n] INSTRUCTION`` ... ``#N CACHED``."""
    order: list[str] = []
    instructions: dict[str, str] = {}
    cached: set[str] = set()
    for line in log.splitlines():
        match = _BUILDKIT_STEP.match(line)
        if match and match["id"] not in instructions:
            order.append(match["id"])
            instructions[match["id"]] = match["instruction"]
        elif re.match(r"^#\d+ CACHED$", line):
            cached.add(line.split()[0][1:])
    return [BuildStep(instructions[i], i in cached) for i in order]


def default_cache_dir() -> Path:
    """Where rootfs tarballs, wheels and engine config are kept between runs.

    ``KEEL_OCI_CACHE`` overrides it, so CI can put it on a cached volume.
    """
    configured = os.environ.get("KEEL_OCI_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "keel-oci"


@functools.cache
def registry_reachable(registry: str, timeout: float = 3.0) -> bool:
    """Whether ``registry`` (``docker.io``, ``ghcr.io``, ...) answers its v2 API endpoint.

    Any HTTP status counts (the endpoint answers 401 without a token); a DNS failure,
    refused connection, TLS error or timeout means "unreachable". Keel's machines fail this
    in milliseconds because the names do not resolve, which is the signal to build stand-ins.
    """
    host = _REGISTRY_HOSTS.get(registry, registry)
    request = urllib.request.Request(f"https://{host}/v2/", method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl.create_default_context()):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def find_builder(
    cache_dir: Path | None = None,
    *,
    allow_install: bool = True,
) -> OCIBuilder | str:
    """Return a working builder, or one sentence saying why there is none.

    podman is preferred: it needs no daemon, so it works in CI containers and on machines
    where nobody may start dockerd. When it is missing, it is apt-installed only if we are
    root on Debian and ``allow_install`` is true; a running Docker engine is the fallback.
    """
    cache = (cache_dir or default_cache_dir()).resolve()
    cache.mkdir(parents=True, exist_ok=True)

    podman = shutil.which("podman")
    install_problem = None
    if podman is None and allow_install:
        install_problem = _apt_install(("podman", "buildah", "runc"))
        podman = shutil.which("podman")
    if podman is not None:
        env_or_problem = _podman_env(podman, cache)
        if not isinstance(env_or_problem, str):
            return OCIBuilder(
                engine="podman", executable=podman, env=env_or_problem, cache_dir=cache
            )
        podman_problem = env_or_problem
    elif not allow_install:
        podman_problem = "podman is not installed and installing it was not allowed"
    elif install_problem is None:
        podman_problem = "podman was apt-installed but is not on PATH"
    else:
        podman_problem = f"podman is not installed and could not be installed ({install_problem})"

    docker = shutil.which("docker")
    if docker is None:
        return podman_problem
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    if _run([docker, "info"], env=env, timeout=30).returncode != 0:
        return f"{podman_problem}; the docker CLI exists but no Docker engine answers"
    if not _docker_has_buildkit(docker, env):
        return f"{podman_problem}; docker has no BuildKit (install the buildx plugin)"
    return OCIBuilder(engine="docker", executable=docker, env=env, cache_dir=cache)


def _docker_has_buildkit(docker: str, env: Mapping[str, str]) -> bool:
    """Whether ``docker build`` can use BuildKit, which ``RUN --mount`` needs.

    Docker CLIs from 23.0 on build with the buildx plugin; older ones have BuildKit built in.
    """
    if _run([docker, "buildx", "version"], env=env, timeout=30).returncode == 0:
        return True
    client = _run([docker, "version", "--format", "{{.Client.Version}}"], env=env, timeout=30)
    major = client.stdout.strip().split(".", 1)[0]
    return major.isdigit() and int(major) < 23


def _can_apt_install() -> str | None:
    """Why apt-get may not be used here, or None when it may."""
    if os.geteuid() != 0:
        return "not running as root"
    if not Path("/etc/debian_version").exists() or shutil.which("apt-get") is None:
        return "not a Debian system with apt-get"
    return None


def _apt_install(packages: Sequence[str]) -> str | None:
    """apt-get install ``packages``; returns why it could not, or None on success."""
    problem = _can_apt_install()
    if problem:
        return problem
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", *packages],
    ):
        result = _run(command, env=env, timeout=600)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {result.stderr.strip()[-500:]}"
    return None


def _podman_env(podman: str, cache: Path) -> dict[str, str] | str:
    """Write podman's configuration into ``cache``; return the environment using it, or why not.

    * runtime runc and fixed default ulimits: crun refuses this cgroup setup, and podman's
      default ulimits exceed what the test machines permit;
    * cgroupfs + file event logger: no systemd runs on CI machines;
    * overlay storage: vfs works but is ~15x slower and takes gigabytes. It is forced (via a
      storage.conf) only when podman's own default is something else, because a forced
      driver is also passed to the ``container cleanup`` process conmon starts at exit, and
      that process refuses a store first opened without it ("database storage graph driver
      "" does not match"): every ``podman run`` then hangs 20 s waiting for the exit code;
    * ``docker.io`` as the search registry: an unqualified ``FROM python:3.12-slim`` means
      Docker Hub, exactly as it does for Docker;
    * ``BUILDAH_FORMAT=docker``: the OCI image format has no HEALTHCHECK, podman would drop it.
    """
    conf_dir = cache / "config"
    conf_dir.mkdir(parents=True, exist_ok=True)
    containers_conf = conf_dir / "containers.conf"
    _write_atomically(
        containers_conf,
        "[containers]\n"
        'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n'
        "\n[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n',
    )
    registries_conf = conf_dir / "registries.conf"
    _write_atomically(
        registries_conf,
        'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n',
    )
    env = {
        **os.environ,
        "CONTAINERS_CONF": str(containers_conf),
        "CONTAINERS_REGISTRIES_CONF": str(registries_conf),
        "BUILDAH_FORMAT": "docker",
    }
    driver_query = [podman, "info", "--format", "{{.Store.GraphDriverName}}"]
    probe = _run(driver_query, env=env, timeout=60)
    if probe.returncode != 0:
        return f"`podman info` failed: {probe.stderr.strip()[-500:]}"
    if probe.stdout.strip() == "overlay" or "CONTAINERS_STORAGE_CONF" in os.environ:
        return env

    if os.geteuid() == 0:
        graphroot, runroot = "/var/lib/containers/storage", "/run/containers/storage"
    else:
        data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local/share")
        run = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/podman-run-{os.geteuid()}"
        graphroot, runroot = f"{data}/containers/storage", f"{run}/containers"
    storage_conf = conf_dir / "storage.conf"
    _write_atomically(
        storage_conf,
        f'[storage]\ndriver = "overlay"\ngraphroot = "{graphroot}"\nrunroot = "{runroot}"\n',
    )
    forced = {**env, "CONTAINERS_STORAGE_CONF": str(storage_conf)}
    if _run(driver_query, env=forced, timeout=60).returncode == 0:
        return forced
    # overlay is not possible here (or the store was created with another driver): a slow
    # builder is better than none.
    return env


def _write_atomically(path: Path, text: str) -> None:
    """Write via rename, so parallel test workers never read a half-written config file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    partial.replace(path)


def _run(
    command: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    cwd: Path | None = None,
    merge_output: bool = False,
) -> subprocess.CompletedProcess[str]:
    """subprocess.run with captured text output; a timeout becomes a failed result, not a hang."""
    try:
        return subprocess.run(
            [os.fspath(part) for part in command],
            env=dict(env) if env is not None else None,
            cwd=cwd,
            capture_output=not merge_output,
            stdout=subprocess.PIPE if merge_output else None,
            stderr=subprocess.STDOUT if merge_output else None,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return subprocess.CompletedProcess(
            [os.fspath(p) for p in command], 124, out, f"timed out after {timeout}s"
        )


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """Serialise stand-in builds across pytest-xdist workers sharing one image store."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class OCIBuilder:
    """A container engine plus the environment it must be run with."""

    engine: Literal["podman", "docker"]
    executable: str
    env: Mapping[str, str] = field(repr=False)
    cache_dir: Path

    # ----------------------------------------------------------------- engine commands

    def command(
        self, *args: str | os.PathLike[str], timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run the engine's CLI with this builder's environment."""
        return _run([self.executable, *args], env=self.env, timeout=timeout)

    def build(
        self,
        context: Path,
        tag: str,
        *,
        dockerfile: Path | None = None,
        build_args: Mapping[str, str] | None = None,
        target: str | None = None,
        no_cache: bool = False,
        timeout: float = 600,
    ) -> BuildResult:
        """Build ``context`` into ``tag``; never raises on a failed build (see BuildResult.check).

        ``target`` stops at a named stage (e.g. to inspect what the builder stage received).
        podman: ``--format docker`` keeps HEALTHCHECK; layers are cached by default, which the
        code-only-rebuild tests rely on. Prefer removing the image and ``prune_dangling()``
        over ``no_cache`` for a cold build: --no-cache leaves duplicate intermediate layers,
        and podman 4.3 may then pick an older duplicate and miss every later step.
        docker: BuildKit with plain progress so the log can be parsed for CACHED steps.
        """
        args: list[str] = ["build", "-t", tag]
        if self.engine == "podman":
            args += ["--format", "docker", "--pull=missing"]
        else:
            args += ["--progress=plain"]
        if dockerfile is not None:
            args += ["-f", os.fspath(dockerfile)]
        if target is not None:
            args += ["--target", target]
        for key, value in (build_args or {}).items():
            args += ["--build-arg", f"{key}={value}"]
        if no_cache:
            args.append("--no-cache")
        started = time.monotonic()
        result = _run(
            [self.executable, *args, os.fspath(context)],
            env=self.env,
            timeout=timeout,
            merge_output=True,
        )
        return BuildResult(
            tag=tag,
            returncode=result.returncode,
            log=result.stdout or "",
            seconds=time.monotonic() - started,
            engine=self.engine,
        )

    def run_container(
        self,
        image: str,
        *args: str,
        entrypoint: str | None = None,
        options: Sequence[str] = (),
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """``run --rm`` the image and return the finished process (output captured as text).

        ``--no-healthcheck``: these containers are short-lived, and podman would try to set up
        a systemd timer for the image's HEALTHCHECK (logging errors where systemd is absent).
        ``run_healthcheck`` runs the check command itself.
        """
        command: list[str] = ["run", "--rm", "--no-healthcheck", *options]
        if entrypoint is not None:
            command += ["--entrypoint", entrypoint]
        return self.command(*command, image, *args, timeout=timeout)

    def healthcheck(self, image: str) -> list[str]:
        """Return the image's HEALTHCHECK test (``["CMD", ...]``), or [] when it has none.

        Docker keeps it under Config; podman reports it at the top level of inspect.
        """
        document = self.inspect_image(image)
        check = (document.get("Config") or {}).get("Healthcheck") or document.get("Healthcheck")
        return list((check or {}).get("Test") or [])

    def run_healthcheck(
        self, image: str, *, options: Sequence[str] = (), timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run the image's own HEALTHCHECK command once, in a fresh container.

        Executing the configured command (rather than a copy of it in the test) proves both
        that the HEALTHCHECK survived the build and that it passes. ``options`` go to ``run``
        as for ``run_container``: a check that loads settings needs the container's
        environment (``--env NAME=value``), as it would have when deployed.
        """
        test = self.healthcheck(image)
        if not test or test[0] == "NONE":
            msg = f"{image} has no HEALTHCHECK"
            raise AssertionError(msg)
        if test[0] == "CMD-SHELL":
            return self.run_container(
                image, "-c", test[1], entrypoint="/bin/sh", options=options, timeout=timeout
            )
        return self.run_container(
            image, *test[2:], entrypoint=test[1], options=options, timeout=timeout
        )

    def image_exists(self, image: str) -> bool:
        """Whether ``image`` is in local storage (no registry is asked)."""
        return (
            self.command("image", "inspect", "--format", "{{.Id}}", image, timeout=60).returncode
            == 0
        )

    def inspect_image(self, image: str) -> dict[str, Any]:
        """Return the image's inspect document (Config, Size, Labels, ...)."""
        result = self.command("image", "inspect", image, timeout=60)
        if result.returncode != 0:
            msg = f"cannot inspect {image}: {result.stderr.strip()}"
            raise OCIUnavailable(msg)
        document: list[dict[str, Any]] = json.loads(result.stdout)
        return document[0]

    def image_size(self, image: str) -> int:
        """Uncompressed size in bytes, as the engine reports it."""
        return int(self.inspect_image(image)["Size"])

    def list_image_files(self, image: str) -> list[str]:
        """Every path in the image's filesystem, read from an export of a created container.

        Independent of any tool inside the image, so it also works on images without a shell.
        """
        created = self.command("create", image, timeout=60)
        if created.returncode != 0:
            msg = f"cannot create a container from {image}: {created.stderr.strip()}"
            raise OCIUnavailable(msg)
        container = created.stdout.strip().splitlines()[-1]
        try:
            with subprocess.Popen(
                [self.executable, "export", container],
                env=dict(self.env),
                stdout=subprocess.PIPE,
            ) as export:
                if export.stdout is None:  # pragma: no cover - PIPE always gives a stream
                    raise OCIUnavailable("no output stream from export")
                with tarfile.open(fileobj=export.stdout, mode="r|") as archive:
                    names = ["/" + member.name.removeprefix("./").lstrip("/") for member in archive]
        finally:
            self.command("rm", "--force", container, timeout=60)
        return names

    def remove_images(self, *images: str) -> None:
        """Remove images; missing ones are fine (stand-in bases are kept unless named here)."""
        for image in images:
            self.command("rmi", "--force", image, timeout=120)

    def untag(self, *images: str) -> None:
        """Drop names but keep what the build cache needs.

        podman's layer cache is made of images: removing a stage built with ``--target``
        would also remove the cached layers under it, so only the name goes. BuildKit keeps
        its cache apart from images, so there the image is simply removed.
        """
        for image in images:
            if self.engine == "podman":
                self.command("untag", image, timeout=120)
            else:
                self.command("rmi", "--force", image, timeout=120)

    def prune_dangling(self) -> None:
        """Drop untagged intermediate layers left by builds (ends layer caching for them)."""
        self.command("image", "prune", "--force", timeout=300)

    def clear_cache_mounts(self) -> None:
        """Empty the ``RUN --mount=type=cache`` directories, for truly cold build timings.

        buildah keeps them under ``$TMPDIR`` (default /var/tmp) as ``buildah-cache*``;
        BuildKit as build cache records of type ``exec.cachemount``.
        """
        if self.engine == "docker":
            prune = ["builder", "prune", "--force", "--filter", "type=exec.cachemount"]
            self.command(*prune, timeout=300)
            return
        for directory in Path(os.environ.get("TMPDIR") or "/var/tmp").glob("buildah-cache*"):
            shutil.rmtree(directory, ignore_errors=True)

    # ----------------------------------------------------------------- base images

    def ensure_base_images(self, dockerfile: Path) -> list[str]:
        """Make every image ``dockerfile`` names (``FROM``, ``COPY --from``) available.

        ``python:X.Y-slim`` and ``ghcr.io/astral-sh/uv:<version>`` go through the
        ``ensure_*`` methods below (pulled, or stood in for); any other image is pulled
        unless it is already here. Returns the images, stage names left out.
        """
        parser = DockerfileParser(path=os.fspath(dockerfile))
        stages: set[str] = set()
        copied_from: list[str] = []
        for item in parser.structure:
            if item["instruction"] == "FROM":
                _, _, stage = item["value"].partition(" AS ")
                stages.add(stage.strip())
            elif item["instruction"] == "COPY":
                copied_from += [
                    word.removeprefix("--from=")
                    for word in item["value"].split()
                    if word.startswith("--from=")
                ]
        images = list(dict.fromkeys([*parser.parent_images, *copied_from]))
        images = [image for image in images if image not in stages]
        for image in images:
            python = re.fullmatch(r"(?:docker\.io/)?(?:library/)?python:(3\.\d+)-slim", image)
            uv = re.fullmatch(r"ghcr\.io/astral-sh/uv:(.+)", image)
            if python:
                self.ensure_python_base(python[1])
            elif uv:
                self.ensure_uv_image(uv[1])
            elif not self.image_exists(image):
                self._pull(image)
        return images

    def ensure_python_base(self, python_version: str) -> str:
        """Make ``docker.io/library/python:<X.Y>-slim`` available locally and return its name.

        Pulled when Docker Hub is reachable; otherwise a stand-in is built (once; it stays in
        local storage) from a cached Debian rootfs and a local CPython of the same minor
        version. Takes the version so that only the Pythons a test run needs get built.
        """
        if not re.fullmatch(r"3\.\d+", python_version):
            msg = f"python_version must look like '3.12', not {python_version!r}"
            raise ValueError(msg)
        image = f"docker.io/library/python:{python_version}-slim"
        with _exclusive(self.cache_dir / "images.lock"):
            if self.image_exists(image):
                return image
            if registry_reachable("docker.io"):
                self._pull(image)
                return image
            self._build_python_stand_in(python_version, image)
        return image

    def ensure_uv_image(self, uv_version: str) -> str:
        """Make ``ghcr.io/astral-sh/uv:<version>`` available locally and return its name.

        The generated uv Dockerfile copies ``/uv`` and ``/uvx`` out of it. When ghcr.io is out
        of reach, a scratch image holding exactly those two binaries from the PyPI wheel of
        the same uv version stands in for it.
        """
        image = f"ghcr.io/astral-sh/uv:{uv_version}"
        with _exclusive(self.cache_dir / "images.lock"):
            if self.image_exists(image):
                return image
            if registry_reachable("ghcr.io"):
                self._pull(image)
                return image
            self._build_uv_stand_in(uv_version, image)
        return image

    def _pull(self, image: str) -> None:
        """Pull ``image`` from its registry or raise OCIUnavailable saying why not."""
        result = self.command("pull", image, timeout=600)
        if result.returncode != 0:
            msg = f"{image} could not be pulled: {result.stderr.strip()[-500:]}"
            raise OCIUnavailable(msg)

    def _build_uv_stand_in(self, uv_version: str, image: str) -> None:
        wheel = _download_wheel("uv", uv_version, _uv_wheel_filter(), self.cache_dir / "wheels")
        with tempfile.TemporaryDirectory(prefix="keel-uv-") as tmp:
            context = Path(tmp)
            with zipfile.ZipFile(wheel) as archive:
                for binary in ("uv", "uvx"):
                    target = context / binary
                    target.write_bytes(archive.read(f"uv-{uv_version}.data/scripts/{binary}"))
                    target.chmod(0o755)
            (context / "Containerfile").write_text(
                "# Stand-in for ghcr.io/astral-sh/uv, built by tests/support/oci.py\n"
                "FROM scratch\nCOPY uv uvx /\n"
            )
            self.build(context, image, dockerfile=context / "Containerfile").check()

    def _build_python_stand_in(self, python_version: str, image: str) -> None:
        if os.geteuid() != 0:
            msg = "Docker Hub is unreachable and building a stand-in python image needs root"
            raise OCIUnavailable(msg)
        prefix = find_cpython(python_version)
        if prefix is None:
            msg = (
                f"Docker Hub is unreachable and no local CPython {python_version} (outside "
                "/usr, e.g. a pyenv build) exists to build a stand-in python image from"
            )
            raise OCIUnavailable(msg)
        rootfs_tar = self._debian_rootfs()
        pip_wheel = _download_wheel(
            "pip",
            STAND_IN_PIP_VERSION,
            lambda name: name.endswith("-py3-none-any.whl"),
            self.cache_dir / "wheels",
        )
        with tempfile.TemporaryDirectory(prefix="keel-python-", dir=self.cache_dir) as tmp:
            rootfs = Path(tmp) / "rootfs"
            rootfs.mkdir()
            _check(_run(["tar", "-C", rootfs, "-xf", rootfs_tar], timeout=300))
            full_version = _install_cpython(prefix, python_version, rootfs)
            _check(_run([_chroot(), rootfs, "ldconfig"], timeout=60))  # finds libpython
            _install_pip(rootfs, python_version, pip_wheel)
            _trust_host_cas(rootfs)
            image_tar = Path(tmp) / "image.tar"
            _check(_run(["tar", "-C", rootfs, "-cf", image_tar, "."], timeout=300))
            changes = [
                "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8",
                f"ENV PYTHON_VERSION={full_version}",
                # Test-only: tools that bring their own CA list (uv, requests) must trust the
                # TLS-intercepting proxy of the test machines. Never part of the template.
                "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                "ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
                'CMD ["python3"]',
            ]
            args = [arg for change in changes for arg in ("--change", change)]
            _check(self.command("import", *args, image_tar, image, timeout=600))
        # The rootfs is bookworm, so the codename-pinned tag is honest too.
        self.command("tag", image, f"{image}-{STAND_IN_SUITE}", timeout=60)

    def _debian_rootfs(self) -> Path:
        """Return a minbase Debian rootfs tarball, made once with debootstrap and then reused."""
        # Bump the trailing marker whenever the recipe below changes, to invalidate caches.
        key = f"{STAND_IN_SUITE}-{platform.machine()}-{'+'.join(STAND_IN_PACKAGES)}-slim1"
        digest = _short_hash(key)
        tarball = self.cache_dir / "rootfs" / f"{STAND_IN_SUITE}-minbase-{digest}.tar"
        if tarball.exists():
            return tarball
        if shutil.which("debootstrap") is None:
            problem = _apt_install(("debootstrap",))
            if problem:
                msg = f"debootstrap is missing and could not be installed ({problem})"
                raise OCIUnavailable(msg)
        tarball.parent.mkdir(parents=True, exist_ok=True)
        mirror = os.environ.get("KEEL_DEBIAN_MIRROR", DEFAULT_DEBIAN_MIRROR)
        with tempfile.TemporaryDirectory(prefix="keel-rootfs-", dir=self.cache_dir) as tmp:
            rootfs = Path(tmp) / "rootfs"
            result = _run(
                [
                    "debootstrap",
                    "--variant=minbase",
                    f"--include={','.join(STAND_IN_PACKAGES)}",
                    STAND_IN_SUITE,
                    rootfs,
                    mirror,
                ],
                timeout=600,
            )
            if result.returncode != 0:
                log = rootfs / "debootstrap" / "debootstrap.log"
                detail = log.read_text()[-1500:] if log.exists() else result.stderr[-1500:]
                msg = f"debootstrap failed:\n{detail}"
                raise OCIUnavailable(msg)
            _slim_down(rootfs)
            partial = tarball.with_suffix(".partial")
            _check(_run(["tar", "-C", rootfs, "-cf", partial, "."], timeout=300))
            partial.replace(tarball)
        return tarball


# --------------------------------------------------------------------- stand-in helpers


def find_cpython(python_version: str) -> Path | None:
    """Return the install prefix of a local CPython ``X.Y`` that can be lifted into a rootfs.

    The interpreter is the one the rest of the suite uses (``toolchain.python_for``); a
    distribution Python (prefix /usr) is refused because its files cannot be lifted out.
    """
    interpreter = python_for(python_version)
    if interpreter is None:
        return None
    probe = _run([interpreter, "-c", "import sys; print(sys.base_prefix)"], timeout=60)
    if probe.returncode != 0:
        return None
    prefix = Path(probe.stdout.strip())
    if (
        prefix == Path("/usr")
        or not (prefix / "lib" / f"python{python_version}" / "os.py").exists()
    ):
        return None
    if not (prefix / "bin" / f"python{python_version}").exists():
        return None
    return prefix


#: What debian:bookworm-slim (the base of python:X-slim) leaves out, as dpkg path excludes.
_SLIM_EXCLUDES = (
    "/usr/share/doc/*",
    "/usr/share/man/*",
    "/usr/share/info/*",
    "/usr/share/groff/*",
    "/usr/share/lintian/*",
    "/usr/share/linda/*",
    "/usr/share/locale/*",
)


def _slim_down(rootfs: Path) -> None:
    """Make the rootfs as lean as debian:bookworm-slim, so image sizes compare honestly.

    Also drops apt's downloaded packages and lists, which the official images never ship.
    """
    for pattern in (*_SLIM_EXCLUDES, "/var/cache/apt/archives/*.deb", "/var/lib/apt/lists/*"):
        for path in rootfs.glob(pattern.lstrip("/")):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.name != "lock":
                path.unlink()
    dpkg_cfg = rootfs / "etc" / "dpkg" / "dpkg.cfg.d" / "docker"
    dpkg_cfg.parent.mkdir(parents=True, exist_ok=True)
    dpkg_cfg.write_text("".join(f"path-exclude {pattern}\n" for pattern in _SLIM_EXCLUDES))


def _install_cpython(prefix: Path, python_version: str, rootfs: Path) -> str:
    """Copy the interpreter into ``rootfs``/usr/local the way python:X-slim lays it out.

    Dropped like the official image drops them: test suites, byte code, static libpython.
    Dropped because they are not CPython's: whatever was pip-installed into the local
    interpreter's site-packages. Paths of the old prefix baked into scripts and sysconfig
    data are rewritten to /usr/local.
    """
    local = rootfs / "usr" / "local"
    (local / "bin").mkdir(parents=True, exist_ok=True)
    (local / "lib").mkdir(parents=True, exist_ok=True)

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {
            name
            for name in names
            if name in {"test", "tests", "idle_test", "__pycache__"}
            or name.endswith((".pyc", ".pyo"))
            or (name.startswith("libpython") and name.endswith(".a"))
        }
        if Path(directory).name == "site-packages":
            skipped |= {name for name in names if name != "README.txt"}
        return skipped

    for entry in (prefix / "bin").iterdir():
        if _CPYTHON_BIN.match(entry.name) and not entry.name.endswith("-gdb.py"):
            shutil.copy2(entry, local / "bin" / entry.name, follow_symlinks=False)
    for entry in (prefix / "lib").iterdir():
        target = local / "lib" / entry.name
        if entry.name.startswith("libpython"):
            shutil.copy2(entry, target, follow_symlinks=False)
        elif entry.name in {f"python{python_version}", "pkgconfig"}:
            shutil.copytree(entry, target, symlinks=True, ignore=ignore)
    include = prefix / "include"
    if include.is_dir():
        shutil.copytree(include, local / "include", symlinks=True, dirs_exist_ok=True)

    old = os.fspath(prefix).encode()
    rewritable = [
        *(local / "bin").iterdir(),
        *(local / "lib" / f"python{python_version}").glob("_sysconfigdata_*.py"),
        *(local / "lib" / f"python{python_version}").glob("config-*/python-config.py"),
        *(local / "lib" / "pkgconfig").glob("*.pc"),
    ]
    for path in rewritable:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096] or old not in data:
            continue
        path.write_bytes(data.replace(old, b"/usr/local"))

    version = _run(
        [
            prefix / "bin" / f"python{python_version}",
            "-c",
            "import platform; print(platform.python_version())",
        ],
        timeout=60,
    )
    _check(version)
    return version.stdout.strip()


def _install_pip(rootfs: Path, python_version: str, wheel: Path) -> None:
    """Install pip the way the official image has it, running pip from its own wheel."""
    inside = rootfs / "tmp" / wheel.name
    shutil.copy2(wheel, inside)
    try:
        _check(
            _run(
                [
                    _chroot(),
                    rootfs,
                    f"/usr/local/bin/python{python_version}",
                    f"/tmp/{wheel.name}/pip",
                    "install",
                    "--no-index",
                    "--no-cache-dir",
                    "--disable-pip-version-check",
                    "--root-user-action=ignore",
                    f"/tmp/{wheel.name}",
                ],
                env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
                timeout=300,
            )
        )
    finally:
        inside.unlink()


def _trust_host_cas(rootfs: Path) -> None:
    """Add the host's locally installed CAs (the test machines' TLS proxy) to the stand-in.

    Test-only by construction: it happens in this stand-in base image, never in a Dockerfile
    the template emits, so images built from real bases are unaffected.
    """
    source = Path("/usr/local/share/ca-certificates")
    target = rootfs / "usr" / "local" / "share" / "ca-certificates"
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        for cert in source.rglob("*.crt"):
            shutil.copy2(cert, target / cert.name)
    _check(
        _run(
            [_chroot(), rootfs, "update-ca-certificates"],
            env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
            timeout=120,
        )
    )


def _uv_wheel_filter() -> Callable[[str], bool]:
    """Pick the glibc (manylinux) uv wheel for this machine's architecture."""
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine(), platform.machine())

    def wanted(name: str) -> bool:
        tags = name.removesuffix(".whl").split("-")[-1].split(".")
        return any(tag.startswith("manylinux") and tag.endswith(f"_{arch}") for tag in tags)

    return wanted


def _download_wheel(project: str, version: str, wanted: Callable[[str], bool], into: Path) -> Path:
    """Fetch one wheel of ``project==version`` from the package index, hash-checked, cached.

    Reads the PEP 503 HTML simple page (the test machines' proxy serves only that), so no
    pip or uv is needed inside the running interpreter.
    """
    into.mkdir(parents=True, exist_ok=True)
    index = (
        os.environ.get("UV_DEFAULT_INDEX")
        or os.environ.get("UV_INDEX_URL")
        or os.environ.get("PIP_INDEX_URL")
        or DEFAULT_PACKAGE_INDEX
    ).rstrip("/")
    page_url = f"{index}/{project}/"
    request = urllib.request.Request(page_url, headers={"Accept": "text/html"})
    context = ssl.create_default_context()
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            page = response.read().decode()
    except OSError as exc:
        msg = f"cannot read {page_url}: {exc}"
        raise OCIUnavailable(msg) from exc
    prefix = f"{project.replace('-', '_')}-{version}-"
    for href in re.findall(r'href="([^"]+)"', page):
        url = urllib.parse.urljoin(page_url, html.unescape(href))
        location, _, fragment = url.partition("#")
        name = urllib.parse.unquote(location.rsplit("/", 1)[-1])
        if not (name.startswith(prefix) and name.endswith(".whl") and wanted(name)):
            continue
        target = into / name
        expected = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
        if not target.exists():
            partial = target.with_suffix(".partial")
            try:
                with urllib.request.urlopen(location, timeout=300, context=context) as response:
                    partial.write_bytes(response.read())
            except OSError as exc:
                msg = f"cannot download {location}: {exc}"
                raise OCIUnavailable(msg) from exc
            partial.replace(target)
        if expected is not None:
            actual = hashlib.sha256(target.read_bytes()).hexdigest()
            if actual != expected:
                target.unlink()
                msg = f"{name}: sha256 {actual} does not match the index ({expected})"
                raise OCIUnavailable(msg)
        return target
    msg = f"no suitable wheel for {project}=={version} on {page_url}"
    raise OCIUnavailable(msg)


def _chroot() -> str:
    """Return chroot's path: it lives in sbin, which a non-login PATH may lack."""
    return shutil.which("chroot") or "/usr/sbin/chroot"


def _short_hash(text: str) -> str:
    """Return a short, stable cache key for ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _check(result: subprocess.CompletedProcess[str]) -> None:
    """Raise OCIUnavailable with the command's output when it failed."""
    if result.returncode != 0:
        command = " ".join(map(str, result.args))
        output = (result.stderr or result.stdout or "")[-1500:]
        msg = f"`{command}` failed (exit {result.returncode}):\n{output}"
        raise OCIUnavailable(msg)
