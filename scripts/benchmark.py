"""Keel's speed figures: printed, never asserted (tests assert behaviour, not seconds).

    uv run python scripts/benchmark.py               # generation and time-to-green per pair
    uv run python scripts/benchmark.py --suite       # ... and the whole test suite's wall time
    uv run python scripts/benchmark.py --containers  # ... and each tool's application image
    uv run python scripts/benchmark.py --merge       # ... and Keel's update merge
    uv run python scripts/benchmark.py --fleet       # ... and `keel-fleet status` on six repos
    uv run python scripts/benchmark.py --service     # load on a generated http application
    uv run python scripts/benchmark.py --servers     # the frameworks and servers compared
    uv run python scripts/benchmark.py --update      # only: no-op `copier update`, Keel vs trivial

Each kind × tool pair is generated once to warm the tool caches, then measured: `copier copy`
(tasks included, so applications are locked), and generated → green (install with the
project's tool, then its tests).

--merge times tasks/merge.py next to Copier's own update of the same library project,
on a no-op update (nothing overlaps: the task only asks git) and on one where the team's and
its bot's edits overlap with a Keel release in four files (tests/test_update_merge.py's
scenario). Copier's update runs from a history whose release lacks the merge step, then
the task runs as Copier would run it, on exactly what Copier left.

--containers builds each tool's application image with tests/support/oci.py, on the builder
and base images scripts/provision.py provided: its size next to its base image's, a cold
build (no layers, empty cache mounts; base images stay), and a rebuild after a change to the
code alone. It empties the builder's layer cache, so the next container-tier run starts cold
too.

--fleet generates the six-repository throwaway fleet of the tests (tests/support/fleet.py)
and times `keel-fleet status` over it, one repository at a time and two at a time. Per
repository it renders the answers at the recorded commit and, for the four that are behind,
dry-runs `copier update` in a clone: the floor of what the report needs.

--service generates an `app_interface=http` application, installs it with its own tool and
starts its console script on a free loopback port: a bounded load run (scripts/load.py) on
its example endpoint and on /healthz, with one worker and with one per CPU, next to a bare
"hello world" ASGI app on the same server with the same workers, the floor; `cost` is the
floor's requests per second over the row's. --servers runs the same load on a hello world
endpoint with a typed response, for each framework and server Keel considered
(docs/decisions/http-service.md).

--update times what a user waits for when Keel released nothing that touches their project:
`copier update --trust --defaults` (Keel's own Copier, as a command) of a library and of an
application (uv, generated with tasks, so it commits a lock and its update relocks), from
v1.0.0 to a v1.0.1 that changes no rendered file, side by side with a trivial template (two
questions, three files) updated the same way: the ratio says what Keel costs on top of
Copier's own work. Rounds interleave the projects and reset each to its commit; printed are
the medians of wall time and of CPU time (Copier and every process it waited for), each
with its ratio to the trivial template's. On a busy machine the CPU ratio is the steadier.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import copier  # noqa: E402
from plumbum import local  # noqa: E402

from scripts.load import LoadResult, header, load, row  # noqa: E402
from tests.conftest import snapshot_template  # noqa: E402
from tests.support.fleet import FLEET, Fleet  # noqa: E402
from tests.support.history import TemplateHistory, copy_version, git  # noqa: E402
from tests.support.oci import (  # noqa: E402
    PROVISION_COMMAND,
    OCIBuilder,
    base_images,
    load_builder,
)
from tests.support.projects import GeneratedProject  # noqa: E402
from tests.support.questionnaire import answers, kind_tool_pairs  # noqa: E402
from tests.support.sandbox import SandboxWorkarounds  # noqa: E402
from tests.support.service import free_port, wait_until_answers  # noqa: E402
from tests.support.toolchain import KEEL_BIN, python_for, run, tool_env  # noqa: E402

PYTHON = {"library": "3.11", "application": "3.12"}


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def generate(template: Path, destination: Path, kind: str, tool: str) -> float:
    data = answers(project_kind=kind, package_manager=tool, python_version=PYTHON[kind])
    return timed(
        lambda: copier.run_copy(
            str(template), destination, data=data, defaults=True, unsafe=True, quiet=True
        )
    )


def to_green(project: GeneratedProject) -> float:
    def install_and_test() -> None:
        project.install()
        project.run_tool("pytest", "-q", "-p", "no:cacheprovider")

    return timed(install_and_test)


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def image_figures(
    builder: OCIBuilder,
    template: Path,
    destination: Path,
    tool: str,
    workarounds: SandboxWorkarounds,
) -> tuple[int, int, float, float]:
    """Image size, base image size, cold build and code-only rebuild seconds for one tool."""
    generate(template, destination, "application", tool)
    project = GeneratedProject(destination, workarounds)
    if project.adapt_to_sandbox():
        project.lock()
    missing = builder.missing_images(destination / "Dockerfile")
    if missing:
        msg = f"{', '.join(missing)} not provisioned; run `{PROVISION_COMMAND}`"
        raise SystemExit(msg)
    base_image, *_ = base_images(destination / "Dockerfile")
    tag = f"localhost/keel-benchmark-{tool}:cold"
    builder.remove_images(tag)
    builder.prune_dangling()
    builder.clear_cache_mounts()
    cold = builder.build(destination, tag).check()
    size = builder.image_size(tag)
    core = next(destination.glob("src/*/core.py"))
    core.write_text(core.read_text(encoding="utf-8") + "\n# a change to the code alone\n")
    rebuilt = builder.build(destination, tag).check()
    builder.remove_images(tag)
    return size, builder.image_size(base_image), cold.seconds, rebuilt.seconds


def containers(base: Path, template: Path, workarounds: SandboxWorkarounds) -> None:
    builder = load_builder()
    if isinstance(builder, str):
        print(f"containers: {builder}; run `{PROVISION_COMMAND}`")
        return
    header = f"{'image (Python ' + PYTHON['application'] + ')':<26}"
    print(f"{header}{'size':>12}{'base':>12}{'cold build':>12}{'code-only rebuild':>19}")
    for kind, tool in kind_tool_pairs():
        if kind != "application":
            continue
        size, base_size, cold, rebuilt = image_figures(
            builder, template, base / f"image-{tool}", tool, workarounds
        )
        print(
            f"{kind + ' × ' + tool:<26}{mib(size):>12}{mib(base_size):>12}"
            f"{cold:>11.1f}s{rebuilt:>18.1f}s"
        )


# The one line of tasks/update.py that runs the merge; the measured release drops it, so that
# Copier's update leaves its conflicts for the merge to be timed on its own.
MERGE_STEP = "    merge.main([])\n"


def merge_figures(base: Path) -> None:
    """Copier's update, then Keel's merge on what Copier left: no-op and conflicting."""
    from tests.support.history import TemplateHistory, copy_version, git
    from tests.test_update_merge import first_weeks, keel_release

    def release_without_the_merge(root: Path) -> None:
        keel_release(root)
        task = root / "tasks" / "update.py"
        text = task.read_text(encoding="utf-8")
        assert text.count(MERGE_STEP) == 1, "tasks/update.py's merge step moved; update MERGE_STEP"
        task.write_text(text.replace(MERGE_STEP, ""), encoding="utf-8")

    history = TemplateHistory.start(base / "merge-history")
    history.release("v2.0.0", release_without_the_merge)
    print(f"{'update (library × uv)':<26}{'copier update':>15}{'keel merge':>12}{'files':>7}")
    for case in ("no-op", "conflicting"):
        project = copy_version(
            history, base / f"merge-{case}", "v1.0.0", tasks=False, python_version="3.11"
        )
        git(project, "init", "-q", "-b", "main")
        if case == "conflicting":
            first_weeks(project)
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "start")
        copier_seconds, merge_seconds, unmerged, left = update_then_merge(project)
        print(f"{case:<26}{copier_seconds:>14.2f}s{merge_seconds:>11.3f}s{unmerged:>4}→{left}")


def update_then_merge(project: Path) -> tuple[float, float, int, int]:
    """Copier's update to v2.0.0, then tasks/merge.py as Copier runs it; files unmerged."""
    from tests.support.history import git, update

    def unmerged() -> int:
        return len({line.split("\t")[1] for line in git(project, "ls-files", "-u").splitlines()})

    copier_seconds = timed(lambda: update(project, "v2.0.0"))
    before = unmerged()
    command = [sys.executable, str(ROOT / "tasks" / "merge.py")]
    merge_seconds = timed(
        lambda: subprocess.run(command, cwd=project, check=True, capture_output=True)
    )
    return copier_seconds, merge_seconds, before, unmerged()


def fleet_status(base: Path) -> None:
    """`keel-fleet status` over the test fleet, as a scheduled job runs it (the command)."""
    fleet = Fleet(base / "fleet")
    listing = fleet.listing()
    print(f"{'keel-fleet status':<26}{'wall':>13}{'per repository':>17}")
    for jobs in (1, 2):
        command = [KEEL_BIN / "keel-fleet", "status", "--json", f"--jobs={jobs}", listing]
        status = functools.partial(
            subprocess.run, command, cwd=fleet.root, env=tool_env(), capture_output=True
        )
        seconds = timed(status)
        label = f"{len(FLEET)} repos, {jobs} job{'s' if jobs > 1 else ''}"
        print(f"{label:<26}{seconds:>12.1f}s{seconds / len(FLEET):>16.1f}s")


# --- HTTP services -------------------------------------------------------------------

LOAD_REQUESTS = 4000
LOAD_CONCURRENCY = 32
LOAD_RUNS = 3

# Hello world with a typed response on each framework Keel considered, as one module each.
CANDIDATE_APPS = {
    "starlette": """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def hello(request):
    return JSONResponse({"message": "Hello, world!"})

app = Starlette(routes=[Route("/hello", hello)])
""",
    "fastapi": """
from fastapi import FastAPI
from pydantic import BaseModel

class Greeting(BaseModel):
    message: str

app = FastAPI()

@app.get("/hello")
async def hello() -> Greeting:
    return Greeting(message="Hello, world!")
""",
    "litestar": """
from dataclasses import dataclass
from litestar import Litestar, get

@dataclass
class Greeting:
    message: str

@get("/hello")
async def hello() -> Greeting:
    return Greeting(message="Hello, world!")

app = Litestar([hello])
""",
}

# The bare floor: an ASGI callable with no framework at all.
BARE_APP = """
BODY = b'{"message":"Hello, world!"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def server_command(python: Path, server: str, target: str, port: int, workers: int) -> list[str]:
    """Start `target` (module:attribute) on 127.0.0.1:`port` with `server`, quietly."""
    address = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if server == "granian":
        return [
            str(python),
            "-m",
            "granian",
            "--interface",
            "asgi",
            *address,
            "--log-level",
            "warning",
            "--no-ws",
            target,
        ]
    extra = ["--loop", "asyncio", "--http", "h11"] if server == "uvicorn (h11)" else []
    return [
        str(python),
        "-m",
        "uvicorn",
        *address,
        "--no-access-log",
        "--log-level",
        "warning",
        *extra,
        target,
    ]


@contextlib.contextmanager
def serving(command: list[str], url: str, cwd: Path, env: dict[str, str]) -> Iterator[float]:
    """Run a server until the block ends (SIGTERM); yield the seconds it took to answer."""
    started = time.perf_counter()
    # Output discarded: the service logs each request, which is part of its cost.
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_answers(url, process)
        yield time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(
    command: list[str], port: int, path: str, cwd: Path, env: dict[str, str]
) -> tuple[float, LoadResult]:
    """Start the server, load `path` once it answers, stop it: start seconds and figures.

    The best of LOAD_RUNS runs (most requests per second): on a shared two-core machine the
    other runs measure the neighbours as much as the server.
    """
    with serving(command, f"http://127.0.0.1:{port}{path}", cwd, env) as start:
        runs = [
            load(port, path, requests=LOAD_REQUESTS, concurrency=LOAD_CONCURRENCY)
            for _ in range(LOAD_RUNS)
        ]
        return start, max(runs, key=lambda run: run.rps)


def servers(base: Path) -> None:
    """Each framework × server Keel considered: hello world with a typed response."""
    python = python_for(PYTHON["application"])
    if python is None:
        raise SystemExit(f"no Python {PYTHON['application']} on this machine")
    venv = base / "servers"
    env = tool_env()
    run([KEEL_BIN / "uv", "venv", "--quiet", "--python", python, venv], base, env=env)
    packages = ["fastapi", "starlette", "litestar", "uvicorn[standard]", "granian[uvloop]"]
    run(
        [
            KEEL_BIN / "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            venv / "bin" / "python",
            *packages,
        ],
        base,
        env=env,
    )
    versions = run(
        [KEEL_BIN / "uv", "pip", "freeze", "--python", venv / "bin" / "python"], base, env=env
    ).stdout.split()
    wanted = {"fastapi", "starlette", "litestar", "uvicorn", "granian", "uvloop", "httptools"}
    print("versions: " + ", ".join(v for v in versions if v.split("==")[0] in wanted))
    for name, source in {**CANDIDATE_APPS, "bare": BARE_APP}.items():
        (base / f"candidate_{name}.py").write_text(source, encoding="utf-8")
    env["PYTHONPATH"] = str(base)
    cpus = os.cpu_count() or 1
    print(
        f"best of {LOAD_RUNS} runs of {LOAD_REQUESTS} requests, {LOAD_CONCURRENCY} connections,"
        f" loopback, {cpus} CPUs"
    )
    print(header("framework × server (workers)") + f"{'start s':>9}")
    for server in ("uvicorn", "uvicorn (h11)", "granian"):
        for workers in sorted({1, cpus}):
            floor = None
            for name in ("bare", *CANDIDATE_APPS):
                port = free_port()
                target = f"candidate_{name}:app"
                command = server_command(venv / "bin" / "python", server, target, port, workers)
                start, result = measure(command, port, "/hello", base, env)
                floor = floor or result
                label = f"{name} × {server} ({workers})"
                print(row(label, result, floor) + f"{start:>9.2f}", flush=True)


def service(base: Path, template: Path, workarounds: SandboxWorkarounds) -> None:
    """The generated http application under load, next to a bare app on the same server."""
    destination = base / "service"
    data = answers(
        project_kind="application",
        app_interface="http",
        package_manager="uv",
        python_version=PYTHON["application"],
    )
    # The copy task locks with the project's tool, which must find the project's Python.
    with local.env(UV_PYTHON=str(python_for(PYTHON["application"]))):
        copier.run_copy(
            str(template), destination, data=data, defaults=True, unsafe=True, quiet=True
        )
    project = GeneratedProject(destination, workarounds)
    project.install()
    python = destination / ".venv" / "bin" / "python"
    (base / "candidate_bare.py").write_text(BARE_APP, encoding="utf-8")
    versions = run([KEEL_BIN / "uv", "pip", "freeze", "--python", python], base).stdout.split()
    wanted = {"fastapi", "starlette", "uvicorn", "uvloop", "httptools", "pydantic"}
    print("versions: " + ", ".join(v for v in versions if v.split("==")[0] in wanted))
    cpus = os.cpu_count() or 1
    print(
        f"best of {LOAD_RUNS} runs of {LOAD_REQUESTS} requests, {LOAD_CONCURRENCY} connections,"
        f" loopback, {cpus} CPUs; the service logs every request (text), as generated"
    )
    print(header("endpoint (workers)") + f"{'start s':>9}")
    for workers in sorted({1, cpus}):
        port = free_port()
        env = {**project.env, "PYTHONPATH": str(base)}
        floor_command = server_command(python, "uvicorn", "candidate_bare:app", port, workers)
        start, floor = measure(floor_command, port, "/hello", base, env)
        label = "bare hello world, same server"
        print(row(f"{label} ({workers})", floor, floor) + f"{start:>9.2f}", flush=True)
        settings = {"API_TOKEN": "benchmark", "PORT": str(free_port()), "WORKERS": str(workers)}
        env = {**project.env, **{f"KEEL_SAMPLE_{k}": v for k, v in settings.items()}}
        command = [str(destination / ".venv" / "bin" / "keel-sample")]
        for path in ("/greetings/Ada", "/healthz"):
            start, result = measure(command, int(settings["PORT"]), path, destination, env)
            print(row(f"service {path} ({workers})", result, floor) + f"{start:>9.2f}", flush=True)


# --- no-op `copier update` ------------------------------------------------------------------

# The yardstick: what Copier alone costs to update a project, with two questions, three
# files and an answers file, from v1 to a v2 that renders the same files.
TRIVIAL_TEMPLATE = {
    "copier.yml": (
        "_subdirectory: template\n"
        "project_name:\n  type: str\n  default: Trivial\n"
        "author_name:\n  type: str\n  default: Someone\n"
    ),
    "template/README.md.jinja": "# {{ project_name }}\n\nBy {{ author_name }}.\n",
    "template/pyproject.toml.jinja": (
        '[project]\nname = "{{ project_name | lower }}"\nversion = "0.1.0"\n'
    ),
    "template/src/core.py": "def answer() -> int:\n    return 42\n",
    "template/{{ _copier_conf.answers_file }}.jinja": (
        "# Changes here will be overwritten by Copier\n{{ _copier_answers | to_nice_yaml }}"
    ),
}


def release_unrelated(root: Path) -> None:
    """A release that renders nothing new: only a file outside the rendered tree changes."""
    notes = root / "RELEASE-NOTES.md"
    old = notes.read_text(encoding="utf-8") if notes.exists() else ""
    notes.write_text(old + "- Maintenance release; no project changes.\n", encoding="utf-8")


def trivial_history(destination: Path) -> TemplateHistory:
    for name, text in TRIVIAL_TEMPLATE.items():
        path = destination / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(destination, "init", "-q", "-b", "main")
    history = TemplateHistory(destination)
    history.release("v1", lambda _root: None)
    history.release("v2", release_unrelated)
    return history


def keel_history(destination: Path) -> TemplateHistory:
    history = TemplateHistory.start(destination, "v1.0.0")
    history.release("v1.0.1", release_unrelated)
    return history


def committed(project: Path) -> Path:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Generated")
    return project


def update_once(project: Path) -> tuple[float, float]:
    """Wall and CPU seconds (Copier and every process it waited for) of one no-op update."""
    command: list[str | Path] = [KEEL_BIN / "copier", "update", "--trust", "--defaults", "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(command, project, env=tool_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    changed = git(project, "status", "--porcelain", "--", ".", ":!.copier-answers.yml")
    assert not changed, f"the no-op update changed {project}:\n{changed}"
    git(project, "reset", "-q", "--hard", "HEAD")
    git(project, "clean", "-q", "-fd")
    return wall, cpu


def update_figures(base: Path, runs: int) -> None:
    trivial = trivial_history(base / "trivial-history")
    keel = keel_history(base / "keel-history")
    copier.run_copy(
        str(trivial.path), base / "trivial", vcs_ref="v1", defaults=True, unsafe=True, quiet=True
    )
    projects = {"trivial template": committed(base / "trivial")}
    for kind in ("library", "application"):
        # Tasks run, so the application commits a lock, and its update relocks.
        path = copy_version(
            keel,
            base / f"keel-{kind}",
            "v1.0.0",
            tasks=True,
            project_kind=kind,
            package_manager="uv",
            python_version=PYTHON[kind],
        )
        if kind == "application" and not (path / "uv.lock").exists():
            # The copy-time task finds no python3.X where pyenv's shims stand in for them;
            # lock with the interpreter the tests find, as a user with that Python would.
            interpreter = python_for(PYTHON[kind])
            assert interpreter is not None, f"no Python {PYTHON[kind]} here"
            run([KEEL_BIN / "uv", "lock"], path, env=tool_env({"UV_PYTHON": str(interpreter)}))
        projects[f"Keel {kind} (uv)"] = committed(path)
    # Rounds interleave the projects, so a busy moment of the machine falls on all of them.
    # The first round warms the disk cache and uv's, and is not counted.
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in projects}
    for attempt in range(runs + 1):
        for name, project in projects.items():
            figures = update_once(project)
            if attempt:
                timings[name].append(figures)
    print(f"no-op `copier update --trust --defaults`, median of {runs} runs")
    print(f"{'project':<26}{'wall':>9}{'ratio':>8}{'CPU':>9}{'ratio':>8}")
    base_wall = base_cpu = 0.0
    for name, measured in timings.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        base_wall, base_cpu = base_wall or wall, base_cpu or cpu
        print(
            f"{name:<26}{wall:>8.2f}s{wall / base_wall:>7.2f}×{cpu:>8.2f}s{cpu / base_cpu:>7.2f}×"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time `uv run pytest`")
    parser.add_argument(
        "--containers", action="store_true", help="also build each application image"
    )
    parser.add_argument(
        "--merge", action="store_true", help="only time Keel's update merge next to Copier's"
    )
    parser.add_argument(
        "--fleet", action="store_true", help="also time `keel-fleet status` on six repositories"
    )
    parser.add_argument(
        "--service", action="store_true", help="only the load run on a generated http application"
    )
    parser.add_argument(
        "--servers", action="store_true", help="only the frameworks and servers compared"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="only time a no-op `copier update` of Keel's projects against a trivial template's",
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="measured runs per --update figure (default 7)"
    )
    args = parser.parse_args()
    env = tool_env()
    if args.update:
        with tempfile.TemporaryDirectory() as scratch, local.env(PATH=env["PATH"]):
            update_figures(Path(scratch), args.runs)
        return 0
    workarounds = SandboxWorkarounds.detect()
    with tempfile.TemporaryDirectory() as scratch, local.env(PATH=env["PATH"]):
        base = Path(scratch)
        if args.merge:
            merge_figures(base)
            return 0
        template = snapshot_template(base / "template")
        if args.servers or args.service:
            if args.servers:
                servers(base)
            if args.service:
                service(base, template, workarounds)
            return 0
        print(f"{'pair':<26}{'copier copy':>13}{'to green (warm)':>17}")
        for kind, tool in kind_tool_pairs():
            timings: list[tuple[float, float]] = []
            for attempt in ("warm-up", "measured"):
                destination = base / f"{kind}-{tool}-{attempt}"
                copy_seconds = generate(template, destination, kind, tool)
                project = GeneratedProject(destination, workarounds)
                if project.adapt_to_sandbox() and project.is_application:
                    project.lock()
                timings.append((copy_seconds, to_green(project)))
                shutil.rmtree(destination)
            copy_seconds, green_seconds = timings[-1]
            print(f"{kind + ' × ' + tool:<26}{copy_seconds:>12.1f}s{green_seconds:>16.1f}s")
        if args.containers:
            containers(base, template, workarounds)
        if args.fleet:
            fleet_status(base)
    if args.suite:
        seconds = timed(
            lambda: subprocess.run([str(KEEL_BIN / "pytest"), "-q"], cwd=ROOT, check=False)
        )
        print(f"{'test suite (uv run pytest)':<26}{seconds:>12.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
