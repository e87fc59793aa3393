"""Keel's speed figures: printed, never asserted (tests assert behaviour, not seconds).

    uv run python scripts/benchmark.py               # generation and time-to-green per pair
    uv run python scripts/benchmark.py --suite       # ... and the whole test suite's wall time
    uv run python scripts/benchmark.py --containers  # ... and each tool's application image
    uv run python scripts/benchmark.py --update      # only: no-op `copier update`, Keel vs trivial

Each kind × tool pair is generated once to warm the tool caches, then measured: `copier copy`
(tasks included, so applications are locked), and generated → green (install with the
project's tool, then its tests).

--containers builds each tool's application image with tests/support/oci.py: its size next
to its base image's, a cold build (no layers, empty cache mounts; base images stay), and a
rebuild after a change to the code alone. It empties the builder's layer cache, so the next
container-tier run starts cold too.

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
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import copier  # noqa: E402
from plumbum import local  # noqa: E402

from tests.conftest import snapshot_template  # noqa: E402
from tests.support.history import TemplateHistory, copy_version, git  # noqa: E402
from tests.support.oci import OCIBuilder, find_builder  # noqa: E402
from tests.support.projects import GeneratedProject  # noqa: E402
from tests.support.questionnaire import answers, kind_tool_pairs  # noqa: E402
from tests.support.sandbox import SandboxWorkarounds  # noqa: E402
from tests.support.toolchain import KEEL_BIN, run, tool_env  # noqa: E402

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
    base_image, *_ = builder.ensure_base_images(destination / "Dockerfile")
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
    builder = find_builder()
    if isinstance(builder, str):
        print(f"containers: no OCI builder ({builder})")
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
        template = snapshot_template(base / "template")
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
    if args.suite:
        seconds = timed(
            lambda: subprocess.run([str(KEEL_BIN / "pytest"), "-q"], cwd=ROOT, check=False)
        )
        print(f"{'test suite (uv run pytest)':<26}{seconds:>12.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
