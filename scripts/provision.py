"""Provision this machine for Keel's tests: system tools, an OCI builder, its base images.

    uv run python scripts/provision.py

Run it once on a new machine (.ci/run runs it before the tests); run it again whenever you
like: it changes only what is missing, and takes seconds when nothing is. The tests assume
what it provides, the way Copier's own tests assume git, and never install anything.

What it provides, in order:

1. System tools the test tiers drive: git; shellcheck (actionlint lints `run:` scripts with
   it); podman, buildah and runc for the container tier. apt-get installs what is missing,
   only as root on Debian; anywhere else it says what to install.
2. The OCI builder: podman with a private configuration (see `configure_podman` for why each
   setting exists), or, where podman cannot run, a Docker engine with BuildKit.
3. The images the generated Dockerfiles build from: `python:X.Y-slim` for every Python
   copier.yml offers, and `ghcr.io/astral-sh/uv:<version>` at the version
   includes/workflow_pins.jinja pins. Present ones are left alone. Missing ones are pulled
   when their registry answers (any ordinary CI); only where it does not are local
   stand-ins built (see `build_python_stand_in`, `build_uv_stand_in`), so that an
   *unmodified* `FROM python:3.12-slim` resolves. The template never learns about them.

The contract with the tests is one file, tests/support/oci.py's ENGINE_ENV
(.provision/engine.env): the engine and the environment to run it with, in shell
syntax (`set -a; . .provision/engine.env; set +a` to drive podman by hand as the tests
do). Downloads and the Debian rootfs of the stand-ins are kept next to it, under the
repository's ignored .provision/ (not .cache/, which Zensical's docs build empties).
Every workaround for restricted machines lives in this file.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import hashlib
import os
import platform
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import toolchain  # noqa: E402
from tests.support.oci import ENGINE_ENV, OCIBuilder, load_builder  # noqa: E402
from tests.support.questionnaire import choices  # noqa: E402
from tests.support.toolchain import KEEL_BIN, python_for  # noqa: E402

CACHE = ENGINE_ENV.parent

#: Command -> Debian package, for the tools the test tiers run. debootstrap is installed
#: later, and only where a stand-in base image has to be built.
SYSTEM_TOOLS = {
    "git": "git",
    "shellcheck": "shellcheck",
    "podman": "podman",
    "buildah": "buildah",
    "runc": "runc",
}

#: Registries the generated Dockerfiles name, and the host that really answers for each.
REGISTRY_HOSTS = {"docker.io": "registry-1.docker.io", "ghcr.io": "ghcr.io"}

#: Debian release of the stand-in base image. It must be the release the local CPython builds
#: were compiled on (their shared libraries are reused), which on Keel's machines is bookworm.
STAND_IN_SUITE = "bookworm"

#: Runtime libraries CPython's extension modules link against, plus what python:X-slim ships
#: (ca-certificates, netbase, tzdata): close enough to the official image that a Dockerfile
#: proven on the stand-in behaves the same on the real one.
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

#: pip put into the stand-in, as the official image has one. Pinned so the stand-in is
#: reproducible; any pip >= 24.2 works (those trust the system CA store via truststore).
STAND_IN_PIP_VERSION = "25.3"

#: What debian:bookworm-slim (the base of python:X-slim) leaves out, as dpkg path excludes.
SLIM_EXCLUDES = (
    "/usr/share/doc/*",
    "/usr/share/man/*",
    "/usr/share/info/*",
    "/usr/share/groff/*",
    "/usr/share/lintian/*",
    "/usr/share/linda/*",
    "/usr/share/locale/*",
)

CPYTHON_BIN = re.compile(r"^(python|pydoc|idle|2to3)")


class ProvisioningFailed(RuntimeError):
    """Something this machine needs could not be provided; the message says why."""


def say(message: str) -> None:
    """One line of progress, flushed so CI logs interleave correctly with subprocesses."""
    print(f"provision: {message}", flush=True)


def run(
    command: Sequence[str | Path], *, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command in this environment (or ``env``), capturing its output; never raises
    for its exit status (see ``check``)."""
    return toolchain.run(command, ROOT, env=env or os.environ, check=False, timeout=timeout)


def check(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """Return ``result``, or raise with the command's output when it failed."""
    if result.returncode != 0:
        command = " ".join(map(str, result.args))
        output = (result.stderr or result.stdout or "").strip()[-1500:]
        msg = f"`{command}` failed (exit {result.returncode}):\n{output}"
        raise ProvisioningFailed(msg)
    return result


def write_if_changed(path: Path, text: str) -> None:
    """Write via rename, and only when the content differs: a warm run rewrites nothing,
    and a test worker reading the file concurrently never sees half of it."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Serialise two provisioning runs of one clone (e.g. a contributor's and CI's)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- system tools


def apt_install(packages: Sequence[str]) -> None:
    """apt-get install ``packages``, or raise saying what to install by hand.

    Only as root on Debian: anywhere else installing system packages is the owner's call.
    """
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        msg = f"install {' '.join(packages)} (this script installs them only as root on Debian)"
        raise ProvisioningFailed(msg)
    say(f"apt-get install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    check(run(["apt-get", "update", "-qq"], env=env))
    check(run(["apt-get", "install", "-y", "-qq", *packages], env=env))


def ensure_system_tools() -> None:
    """Install the test tiers' system tools that are missing (nothing, on a warm run)."""
    missing = [package for tool, package in SYSTEM_TOOLS.items() if shutil.which(tool) is None]
    if missing:
        apt_install(missing)


# --------------------------------------------------------------------------- the engine


def configure_podman(podman: str) -> dict[str, str] | str:
    """Write podman's configuration; return the variables that select it, or why podman fails.

    Each setting is a workaround for the machines Keel is tested on, harmless elsewhere:

    * runtime runc and fixed default ulimits: crun refuses this cgroup setup, and podman's
      default ulimits exceed what the machines permit ("error setting rlimit");
    * cgroupfs and a file event logger: no systemd runs on CI machines;
    * ``docker.io`` as the search registry: an unqualified ``FROM python:3.12-slim`` means
      Docker Hub, exactly as it does for Docker;
    * ``BUILDAH_FORMAT=docker``: the OCI image format has no HEALTHCHECK, podman would drop it;
    * overlay storage: vfs works but is ~15x slower and takes gigabytes. It is forced (via a
      storage.conf) only when podman's own default is something else, because a forced
      driver is also passed to the ``container cleanup`` process conmon starts at exit, and
      that process refuses a store first opened without it ("database storage graph driver
      "" does not match"): every ``podman run`` then hangs 20 s waiting for the exit code.
      A ``CONTAINERS_STORAGE_CONF`` already set is kept (and recorded for the tests).
    """
    containers_conf = CACHE / "containers.conf"
    write_if_changed(
        containers_conf,
        "[containers]\n"
        'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n'
        "\n[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n',
    )
    registries_conf = CACHE / "registries.conf"
    write_if_changed(
        registries_conf,
        'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n',
    )
    settings = {
        "CONTAINERS_CONF": str(containers_conf),
        "CONTAINERS_REGISTRIES_CONF": str(registries_conf),
        "BUILDAH_FORMAT": "docker",
    }
    if "CONTAINERS_STORAGE_CONF" in os.environ:
        settings["CONTAINERS_STORAGE_CONF"] = os.environ["CONTAINERS_STORAGE_CONF"]
    driver_query = [podman, "info", "--format", "{{.Store.GraphDriverName}}"]
    probe = run(driver_query, env={**os.environ, **settings}, timeout=60)
    if probe.returncode != 0:
        return f"`podman info` failed: {probe.stderr.strip()[-500:]}"
    if probe.stdout.strip() == "overlay" or "CONTAINERS_STORAGE_CONF" in settings:
        return settings

    if os.geteuid() == 0:
        graphroot, runroot = "/var/lib/containers/storage", "/run/containers/storage"
    else:
        data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local/share")
        runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/podman-run-{os.geteuid()}"
        graphroot, runroot = f"{data}/containers/storage", f"{runtime}/containers"
    storage_conf = CACHE / "storage.conf"
    write_if_changed(
        storage_conf,
        f'[storage]\ndriver = "overlay"\ngraphroot = "{graphroot}"\nrunroot = "{runroot}"\n',
    )
    forced = {**settings, "CONTAINERS_STORAGE_CONF": str(storage_conf)}
    if run(driver_query, env={**os.environ, **forced}, timeout=60).returncode == 0:
        return forced
    # overlay is not possible here (or the store was made with another driver): a slow
    # builder is better than none.
    return settings


def docker_problem(docker: str) -> str | None:
    """Why a Docker engine cannot build the generated Dockerfiles, or None when it can.

    They use ``RUN --mount``, which needs BuildKit: built into CLIs before 23.0, the buildx
    plugin from then on.
    """
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    if run([docker, "info"], env=env, timeout=30).returncode != 0:
        return "the docker CLI exists but no Docker engine answers"
    if run([docker, "buildx", "version"], env=env, timeout=30).returncode == 0:
        return None
    client = run([docker, "version", "--format", "{{.Client.Version}}"], env=env, timeout=30)
    major = client.stdout.strip().split(".", 1)[0]
    if major.isdigit() and int(major) < 23:
        return None
    return "docker has no BuildKit (install the buildx plugin)"


def provision_engine() -> OCIBuilder:
    """Choose and configure the engine, record it in ENGINE_ENV, and return it.

    podman first: it needs no daemon, so it works in CI containers and where nobody may
    start dockerd. A Docker engine is the fallback.
    """
    podman = shutil.which("podman")
    problem = "podman is not installed"
    if podman is not None:
        settings_or_problem = configure_podman(podman)
        if isinstance(settings_or_problem, dict):
            return record_engine("podman", podman, settings_or_problem)
        problem = settings_or_problem
    docker = shutil.which("docker")
    if docker is None:
        raise ProvisioningFailed(f"no OCI builder: {problem}, and docker is not installed")
    why_not = docker_problem(docker)
    if why_not is not None:
        raise ProvisioningFailed(f"no OCI builder: {problem}; {why_not}")
    return record_engine("docker", docker, {"DOCKER_BUILDKIT": "1"})


def record_engine(engine: str, executable: str, settings: Mapping[str, str]) -> OCIBuilder:
    """Write ENGINE_ENV and read it back the way the tests will."""
    lines = [
        "# Written by scripts/provision.py; read by tests/support/oci.py. Do not edit.",
        f"KEEL_OCI_ENGINE={engine}",
        f"KEEL_OCI_EXECUTABLE={shlex.quote(executable)}",
        *(f"{name}={shlex.quote(value)}" for name, value in sorted(settings.items())),
    ]
    write_if_changed(ENGINE_ENV, "\n".join(lines) + "\n")
    builder = load_builder()
    if isinstance(builder, str):
        raise ProvisioningFailed(builder)
    return builder


# --------------------------------------------------------------------------- images


@functools.cache
def registry_reachable(registry: str, timeout: float = 3.0) -> bool:
    """Whether ``registry`` answers its v2 API endpoint.

    Any HTTP status counts (the endpoint answers 401 without a token); a DNS failure,
    refused connection, TLS error or timeout means "unreachable". Keel's machines fail this
    in milliseconds because the names do not resolve: the signal to build stand-ins.
    """
    host = REGISTRY_HOSTS.get(registry, registry)
    request = urllib.request.Request(f"https://{host}/v2/", method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl.create_default_context()):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def pinned_uv() -> str:
    """The uv version includes/workflow_pins.jinja pins for the generated Dockerfile.

    tests.support.workflows.pinned_tools reads the same table, but importing that module
    (Copier, check-jsonschema) takes seconds, more than a whole warm run of this script.
    """
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT))
    pins = vars(environment.get_template("includes/workflow_pins.jinja").module)
    return str(pins["tools"]["uv"])


def wanted_images() -> dict[str, str]:
    """Image -> the Python version it needs ("" for uv's), read from Keel's own sources."""
    images = {f"docker.io/library/python:{v}-slim": v for v in choices("python_version")}
    images[f"ghcr.io/astral-sh/uv:{pinned_uv()}"] = ""
    return images


def provision_image(builder: OCIBuilder, image: str, python_version: str) -> str:
    """Make ``image`` present; return how (a few words for the log)."""
    if builder.image_exists(image):
        return "present"
    registry = image.split("/", 1)[0]
    if registry_reachable(registry):
        check(builder.command("pull", "--quiet", image, timeout=900))
        return f"pulled from {registry}"
    started = time.monotonic()
    try:
        if python_version:
            build_python_stand_in(builder, python_version, image)
        else:
            build_uv_stand_in(builder, image.rpartition(":")[2], image)
    except ProvisioningFailed as exc:
        msg = f"{registry} is unreachable and no stand-in could be built: {exc}"
        raise ProvisioningFailed(msg) from exc
    return f"{registry} unreachable: stand-in built in {time.monotonic() - started:.0f} s"


def build_uv_stand_in(builder: OCIBuilder, uv_version: str, image: str) -> None:
    """A scratch image holding ``/uv`` and ``/uvx``, the only files the generated uv
    Dockerfile copies out of uv's image, taken from the PyPI release of the same version."""
    with tempfile.TemporaryDirectory(prefix="uv-", dir=CACHE) as tmp:
        context = Path(tmp)
        target = context / "wheel"
        install: list[str | Path] = [KEEL_BIN / "uv", "pip", "install", "--quiet"]
        install += ["--no-deps", "--target", target, "--python", sys.executable]
        check(run([*install, f"uv=={uv_version}"]))
        for binary in ("uv", "uvx"):
            shutil.copy2(target / "bin" / binary, context / binary)
        (context / "Containerfile").write_text(
            "# Stand-in for ghcr.io/astral-sh/uv, built by scripts/provision.py\n"
            "FROM scratch\nCOPY uv uvx /\n"
        )
        built = builder.build(context, image, dockerfile=context / "Containerfile")
        if not built.ok:
            raise ProvisioningFailed(f"building the uv stand-in failed:\n{built.log[-1500:]}")


def build_python_stand_in(builder: OCIBuilder, python_version: str, image: str) -> None:
    """``python:X.Y-slim`` from a minbase Debian rootfs and a local CPython of that version.

    Laid out like the official image (/usr/local, pip, C.UTF-8) and trusting this machine's
    TLS-intercepting proxy, which only a test base image may do: images built from real
    bases are unaffected, and the template never sees any of it.
    """
    if os.geteuid() != 0:
        raise ProvisioningFailed("building a stand-in python image needs root (debootstrap)")
    prefix = find_cpython(python_version)
    if prefix is None:
        msg = f"no local CPython {python_version} (outside /usr, e.g. a pyenv build) to copy in"
        raise ProvisioningFailed(msg)
    rootfs_tar = debian_rootfs()
    pip_wheel = download_pip()
    with tempfile.TemporaryDirectory(prefix="python-", dir=CACHE) as tmp:
        rootfs = Path(tmp) / "rootfs"
        rootfs.mkdir()
        check(run(["tar", "-C", rootfs, "-xf", rootfs_tar], timeout=300))
        full_version = install_cpython(prefix, python_version, rootfs)
        check(run([chroot(), rootfs, "ldconfig"], timeout=60))  # finds libpython
        install_pip(rootfs, python_version, pip_wheel)
        trust_host_cas(rootfs)
        image_tar = Path(tmp) / "image.tar"
        check(run(["tar", "-C", rootfs, "-cf", image_tar, "."], timeout=300))
        changes = [
            "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ENV LANG=C.UTF-8",
            f"ENV PYTHON_VERSION={full_version}",
            # Tools that bring their own CA list (uv, requests) must trust the proxy too.
            "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
            "ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
            'CMD ["python3"]',
        ]
        args = [arg for change in changes for arg in ("--change", change)]
        check(builder.command("import", *args, image_tar, image, timeout=600))
    # The rootfs is bookworm, so the codename-pinned tag is honest too.
    check(builder.command("tag", image, f"{image}-{STAND_IN_SUITE}", timeout=60))


def find_cpython(python_version: str) -> Path | None:
    """The install prefix of a local CPython ``X.Y`` that can be lifted into a rootfs.

    The interpreter is the one the tests use (``toolchain.python_for``); a distribution
    Python (prefix /usr) is refused because its files cannot be lifted out.
    """
    interpreter = python_for(python_version)
    if interpreter is None:
        return None
    probe = run([interpreter, "-c", "import sys; print(sys.base_prefix)"], timeout=60)
    if probe.returncode != 0:
        return None
    prefix = Path(probe.stdout.strip())
    if prefix == Path("/usr"):
        return None
    if not (prefix / "lib" / f"python{python_version}" / "os.py").exists():
        return None
    if not (prefix / "bin" / f"python{python_version}").exists():
        return None
    return prefix


def debian_rootfs() -> Path:
    """A minbase Debian rootfs tarball, made once with debootstrap and then reused."""
    # The name changes with the recipe, so a changed package list makes a new rootfs.
    recipe = f"{STAND_IN_SUITE}-{platform.machine()}-{'+'.join(STAND_IN_PACKAGES)}-slim1"
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    tarball = CACHE / "rootfs" / f"{STAND_IN_SUITE}-minbase-{digest}.tar"
    if tarball.exists():
        return tarball
    if shutil.which("debootstrap") is None:
        apt_install(["debootstrap"])
    tarball.parent.mkdir(parents=True, exist_ok=True)
    mirror = os.environ.get("KEEL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    say(f"debootstrap {STAND_IN_SUITE} from {mirror}")
    with tempfile.TemporaryDirectory(prefix="rootfs-", dir=CACHE) as tmp:
        rootfs = Path(tmp) / "rootfs"
        include = f"--include={','.join(STAND_IN_PACKAGES)}"
        result = run(["debootstrap", "--variant=minbase", include, STAND_IN_SUITE, rootfs, mirror])
        if result.returncode != 0:
            log = rootfs / "debootstrap" / "debootstrap.log"
            detail = log.read_text()[-1500:] if log.exists() else result.stderr[-1500:]
            raise ProvisioningFailed(f"debootstrap failed:\n{detail}")
        slim_down(rootfs)
        partial = tarball.with_suffix(".partial")
        check(run(["tar", "-C", rootfs, "-cf", partial, "."], timeout=300))
        partial.replace(tarball)
    return tarball


def slim_down(rootfs: Path) -> None:
    """Make the rootfs as lean as debian:bookworm-slim, so image sizes compare honestly.

    Also drops apt's downloaded packages and lists, which the official images never ship.
    """
    for pattern in (*SLIM_EXCLUDES, "/var/cache/apt/archives/*.deb", "/var/lib/apt/lists/*"):
        for path in rootfs.glob(pattern.lstrip("/")):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.name != "lock":
                path.unlink()
    dpkg_cfg = rootfs / "etc" / "dpkg" / "dpkg.cfg.d" / "docker"
    dpkg_cfg.parent.mkdir(parents=True, exist_ok=True)
    dpkg_cfg.write_text("".join(f"path-exclude {pattern}\n" for pattern in SLIM_EXCLUDES))


def install_cpython(prefix: Path, python_version: str, rootfs: Path) -> str:
    """Copy the interpreter into ``rootfs``/usr/local the way python:X-slim lays it out.

    Dropped like the official image drops them: test suites, byte code, static libpython.
    Dropped because they are not CPython's: whatever was pip-installed into the local
    interpreter's site-packages. Paths of the old prefix baked into scripts and sysconfig
    data are rewritten to /usr/local. Returns the full version (e.g. 3.12.1).
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
        if CPYTHON_BIN.match(entry.name) and not entry.name.endswith("-gdb.py"):
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

    interpreter = prefix / "bin" / f"python{python_version}"
    probe = "import platform; print(platform.python_version())"
    version = check(run([interpreter, "-c", probe]))
    return version.stdout.strip()


def download_pip() -> Path:
    """The pip wheel the stand-in gets, fetched once by pip itself (run through uvx)."""
    wheels = CACHE / "wheels"
    found = sorted(wheels.glob(f"pip-{STAND_IN_PIP_VERSION}-*.whl"))
    if found:
        return found[0]
    pip = f"pip=={STAND_IN_PIP_VERSION}"
    uvx: list[str | Path] = [KEEL_BIN / "uvx", "--quiet", "--python", sys.executable]
    download: list[str | Path] = ["download", "--quiet", "--no-deps", "--dest", wheels]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    check(run([*uvx, "--from", pip, "pip", *download, "--only-binary=:all:", pip], env=env))
    return sorted(wheels.glob(f"pip-{STAND_IN_PIP_VERSION}-*.whl"))[0]


def install_pip(rootfs: Path, python_version: str, wheel: Path) -> None:
    """Install pip the way the official image has it, running pip from its own wheel."""
    inside = rootfs / "tmp" / wheel.name
    shutil.copy2(wheel, inside)
    pip = [f"/usr/local/bin/python{python_version}", f"/tmp/{wheel.name}/pip", "install"]
    options = ["--no-index", "--no-cache-dir", "--disable-pip-version-check"]
    options += ["--root-user-action=ignore", f"/tmp/{wheel.name}"]
    try:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        check(run([chroot(), rootfs, *pip, *options], env=env, timeout=300))
    finally:
        inside.unlink()


def trust_host_cas(rootfs: Path) -> None:
    """Add the host's locally installed CAs (the test machines' TLS proxy) to the stand-in,
    so that pip, uv and poetry inside a build reach the package index through the proxy."""
    source = Path("/usr/local/share/ca-certificates")
    target = rootfs / "usr" / "local" / "share" / "ca-certificates"
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        for cert in source.rglob("*.crt"):
            shutil.copy2(cert, target / cert.name)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    check(run([chroot(), rootfs, "update-ca-certificates"], env=env, timeout=120))


def chroot() -> str:
    """chroot's path: it lives in sbin, which a non-login PATH may lack."""
    return shutil.which("chroot") or "/usr/sbin/chroot"


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    started = time.monotonic()
    try:
        with exclusive(CACHE / "provision.lock"):
            ensure_system_tools()
            builder = provision_engine()
            say(f"{builder.engine} at {builder.executable}, settings in {ENGINE_ENV}")
            unavailable = []
            for image, python_version in wanted_images().items():
                try:
                    say(f"{image}: {provision_image(builder, image, python_version)}")
                except ProvisioningFailed as exc:
                    unavailable.append(image)
                    say(f"{image}: not available: {exc}")
    except (ProvisioningFailed, subprocess.TimeoutExpired) as exc:
        say(f"failed: {exc}")
        return 1
    took = f"done in {time.monotonic() - started:.1f} s"
    if unavailable:
        # Not fatal: a test whose Dockerfile names one of them fails (under CI) or skips
        # saying so; the others can run.
        say(f"{took}; {len(unavailable)} image(s) not available: {', '.join(unavailable)}")
    else:
        say(took)
    return 0


if __name__ == "__main__":
    sys.exit(main())
