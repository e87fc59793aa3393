"""Drive an already-provisioned OCI builder for Keel's container tests.

Why this module exists: a generated application ships a Dockerfile, and the only honest test
of a Dockerfile is to build the image and run it. This module only *drives* a builder; it
installs nothing, configures nothing and builds no base image. Making a machine able to
build (installing podman, writing its configuration, pulling base images or building local
stand-ins where no registry is reachable) is scripts/provision.py's job, run once per machine
by hand and by .ci/run before the tests, the way Copier's own tests assume git is installed.

The contract between the two is one file, ``ENGINE_ENV``: the provisioning script writes which
engine to drive and the environment it must run with; this module reads it. Nothing here
probes a registry or pulls: an image the tests need and do not find is a test failure under
CI and a skip elsewhere, both naming ``PROVISION_COMMAND`` (see ``require_provisioned``).

The suite reaches this module through the ``oci_builder`` fixture in tests/conftest.py;
scripts/benchmark.py uses it directly.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import pytest
from dockerfile_parse import DockerfileParser

from tests.support.questionnaire import ROOT
from tests.support.toolchain import KEEL_BIN

#: What a contributor or CI runs to make this machine able to run the container tier.
PROVISION_COMMAND = "uv run python scripts/provision.py"

#: Written by scripts/provision.py, read by ``load_builder``: ``KEEL_OCI_ENGINE`` (podman or
#: docker), ``KEEL_OCI_EXECUTABLE``, then the variables the engine must run with, one
#: ``NAME=value`` a line in shell quoting, so ``set -a; . .provision/engine.env`` also
#: lets a person drive the engine exactly as the tests do. Under the repository's ignored
#: .cache/, so each clone says which builder its tests use.
ENGINE_ENV = ROOT / ".provision" / "engine.env"

Engine = Literal["podman", "docker"]


class OCIUnavailable(RuntimeError):
    """Raised when the builder cannot do what was asked; the message says why."""


def require_provisioned(problem: str) -> NoReturn:
    """Fail under CI, skip elsewhere, with one sentence that names the provisioning command.

    CI runs the provisioning script before the tests, so there a missing builder or base
    image is a defect; on a contributor's machine it only means the script was not run yet.
    """
    sentence = f"{problem}; provision this machine with `{PROVISION_COMMAND}`"
    if os.environ.get("CI"):
        pytest.fail(sentence, pytrace=False)
    pytest.skip(sentence)


def load_builder(engine_env: Path = ENGINE_ENV) -> OCIBuilder | str:
    """Return the builder the provisioning script set up, or why there is none."""
    if not engine_env.is_file():
        return f"no OCI builder is provisioned ({engine_env} is missing)"
    settings: dict[str, str] = {}
    for line in engine_env.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            settings[name] = "".join(shlex.split(value))
    engine = settings.pop("KEEL_OCI_ENGINE", "")
    executable = settings.pop("KEEL_OCI_EXECUTABLE", "")
    if not Path(executable).is_file():
        return f"the provisioned OCI builder {executable!r} does not exist"
    engines: dict[str, Engine] = {"podman": "podman", "docker": "docker"}
    if engine not in engines:
        return f"{engine_env} names no known engine ({engine!r})"
    return OCIBuilder(engines[engine], executable, {**os.environ, **settings})


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one image build: kept whole so a failing test can show the log."""

    tag: str
    returncode: int
    log: str
    seconds: float

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


@dataclass(frozen=True)
class Layer:
    """One filesystem layer of an image, as the image's own metadata records it.

    Two images share a layer exactly when these are equal: a step the builder re-ran has a
    new digest and a new creation time even where its content happens to match, so equality
    means the builder reused the step's cached result.
    """

    created_by: str
    digest: str
    created: str


def made_by(layers: Sequence[Layer], contains: str) -> Layer:
    """The one layer whose instruction contains ``contains``; fail unless exactly one."""
    found = [layer for layer in layers if contains in layer.created_by]
    if len(found) != 1:
        made = "\n".join(layer.created_by for layer in layers)
        msg = f"expected one layer made by a step containing {contains!r}, found:\n{made}"
        raise AssertionError(msg)
    return found[0]


def qualified(image: str) -> str:
    """``python:3.12-slim`` -> ``docker.io/library/python:3.12-slim``, as a registry reads it.

    Local storage is keyed by the full name; an unqualified ``FROM`` means Docker Hub.
    """
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return image
    return f"docker.io/{image}" if rest else f"docker.io/library/{image}"


def base_images(dockerfile: Path) -> list[str]:
    """Every image ``dockerfile`` names (``FROM``, ``COPY --from``), stage names left out."""
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
    images = dict.fromkeys([*parser.parent_images, *copied_from])
    return [qualified(image) for image in images if image not in stages]


def _run(
    command: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    merge_output: bool = False,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """subprocess.run with captured text output; a timeout becomes a failed result, not a hang."""
    try:
        return subprocess.run(
            [os.fspath(part) for part in command],
            cwd=cwd,
            env=dict(env) if env is not None else None,
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


@dataclass(frozen=True)
class OCIBuilder:
    """A container engine plus the environment it must be run with."""

    engine: Engine
    executable: str
    env: Mapping[str, str] = field(repr=False)

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
        timeout: float = 600,
    ) -> BuildResult:
        """Build ``context`` into ``tag``; never raises on a failed build (see BuildResult.check).

        ``target`` stops at a named stage (e.g. to inspect what the builder stage received).
        podman: ``--format docker`` keeps HEALTHCHECK, which the OCI format drops; layers are
        cached by default, which the code-only rebuild test relies on. ``--pull=never``: the
        base images are provisioned, and a missing one must not turn into a registry request.
        For a cold build remove the image and ``prune_dangling()`` rather than pass
        --no-cache, which leaves duplicate layers that podman 4.3 may later pick wrongly.
        """
        args: list[str] = ["build", "-t", tag]
        if self.engine == "podman":
            args += ["--format", "docker", "--pull=never"]
        if dockerfile is not None:
            args += ["-f", os.fspath(dockerfile)]
        if target is not None:
            args += ["--target", target]
        for key, value in (build_args or {}).items():
            args += ["--build-arg", f"{key}={value}"]
        started = time.monotonic()
        result = _run(
            [self.executable, *args, os.fspath(context)],
            env=self.env,
            timeout=timeout,
            merge_output=True,
        )
        return BuildResult(tag, result.returncode, result.stdout or "", time.monotonic() - started)

    def run_container(
        self,
        image: str,
        *args: str,
        entrypoint: str | None = None,
        options: Sequence[str] = (),
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """``run --rm`` the image and return the finished process (output captured as text).

        ``--no-healthcheck`` (podman): these containers are short-lived, and podman would set
        up a systemd timer for the image's HEALTHCHECK, logging errors where systemd is absent.
        ``run_healthcheck`` runs the check command itself.
        """
        command: list[str] = ["run", "--rm", *options]
        if self.engine == "podman":
            command.append("--no-healthcheck")
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

    def start_container(self, image: str, *, options: Sequence[str] = ()) -> str:
        """``run --detach`` the image; return the container's id.

        Its HEALTHCHECK is not scheduled where systemd is absent (podman runs it from a
        systemd timer); ``run_container_healthcheck`` runs it on demand, as the timer would.
        """
        started = self.command("run", "--detach", *options, image, timeout=120)
        if started.returncode != 0:
            msg = f"cannot start {image}: {started.stderr.strip()}"
            raise OCIUnavailable(msg)
        return started.stdout.strip().splitlines()[-1]

    def inspect_container(self, container: str) -> dict[str, Any]:
        """The container's inspect document (State, Config, HostConfig, ...)."""
        result = self.command("container", "inspect", container, timeout=60)
        if result.returncode != 0:
            msg = f"cannot inspect {container}: {result.stderr.strip()}"
            raise OCIUnavailable(msg)
        document: list[dict[str, Any]] = json.loads(result.stdout)
        return document[0]

    def run_container_healthcheck(self, container: str) -> str:
        """Run the running container's HEALTHCHECK once; return the health it records.

        Docker schedules the check itself and has no such command: there, wait for the
        status it reports.
        """
        if self.engine == "podman":
            self.command("healthcheck", "run", container, timeout=60)
        state = self.inspect_container(container)["State"]
        health = state.get("Health") or state.get("Healthcheck") or {}
        return str(health.get("Status", ""))

    def stop_container(self, container: str, *, grace: int) -> tuple[int, float]:
        """Stop the container the way an orchestrator does (SIGTERM, then SIGKILL after
        ``grace`` seconds); return its exit code and the seconds the stop took."""
        started = time.monotonic()
        stopped = self.command("stop", "--time", str(grace), container, timeout=grace + 60)
        took = time.monotonic() - started
        if stopped.returncode != 0:
            msg = f"cannot stop {container}: {stopped.stderr.strip()}"
            raise OCIUnavailable(msg)
        return int(self.inspect_container(container)["State"]["ExitCode"]), took

    def remove_containers(self, *containers: str) -> None:
        """Remove containers, running or not; missing ones are fine."""
        for container in containers:
            self.command("rm", "--force", container, timeout=120)

    def compose(
        self, project: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run compose on ``project``'s compose.yaml: podman-compose (Keel's development
        dependency) for podman, the engine's own ``compose`` for Docker."""
        if self.engine == "podman":
            command = [os.fspath(KEEL_BIN / "podman-compose")]
        else:
            command = [self.executable, "compose"]
        environment = {**self.env, **(env or {})}
        return _run(
            [*command, "--file", project / "compose.yaml", *args],
            env=environment,
            timeout=timeout,
            cwd=project,
        )

    def image_exists(self, image: str) -> bool:
        """Whether ``image`` is in local storage (no registry is asked)."""
        found = self.command("image", "inspect", "--format", "{{.Id}}", image, timeout=60)
        return found.returncode == 0

    def missing_images(self, dockerfile: Path) -> list[str]:
        """The images ``dockerfile`` builds from that are not in local storage."""
        return [image for image in base_images(dockerfile) if not self.image_exists(image)]

    def inspect_image(self, image: str) -> dict[str, Any]:
        """Return the image's inspect document (Config, Size, Labels, History, RootFS, ...)."""
        result = self.command("image", "inspect", image, timeout=60)
        if result.returncode != 0:
            msg = f"cannot inspect {image}: {result.stderr.strip()}"
            raise OCIUnavailable(msg)
        document: list[dict[str, Any]] = json.loads(result.stdout)
        return document[0]

    def image_size(self, image: str) -> int:
        """Uncompressed size in bytes, as the engine reports it."""
        return int(self.inspect_image(image)["Size"])

    def layers(self, image: str) -> list[Layer]:
        """The image's layers, each with the instruction that made it, oldest first.

        Read from the image's metadata, the same for podman and Docker: the history entries
        not marked ``empty_layer`` pair in order with the layer digests of ``RootFS``.
        """
        document = self.inspect_image(image)
        history = [entry for entry in document["History"] if not entry.get("empty_layer")]
        digests = document["RootFS"]["Layers"]
        if len(history) != len(digests):
            msg = f"{image}: {len(history)} history entries for {len(digests)} layers"
            raise OCIUnavailable(msg)
        return [
            Layer(entry.get("created_by", ""), digest, entry.get("created", ""))
            for entry, digest in zip(history, digests, strict=True)
        ]

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
        """Remove images and the untagged layers only they used; missing ones are fine."""
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
        for directory in Path(self.env.get("TMPDIR") or "/var/tmp").glob("buildah-cache*"):
            shutil.rmtree(directory, ignore_errors=True)
