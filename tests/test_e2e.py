"""End-to-end tier: generate each kind × tool pair and run its own toolchain for real.

Generate (tasks included, so applications are locked at copy time) → git init → install
with the project's tool → its tests → its pre-commit hooks → mypy → build → twine check →
install the wheel in a fresh venv and use it. Applications also prove the lock is honoured.
A web service (app_interface http) per tool: its own tests and hooks, then its console
script serving on a free loopback port, probed from outside and stopped with SIGTERM.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from tests.support.projects import generate
from tests.support.questionnaire import kind_tool_pairs
from tests.support.rendering import pyproject
from tests.support.requirements import unhashed
from tests.support.sandbox import SandboxWorkarounds
from tests.support.service import LOOPBACK, free_port, get, wait_until_answers
from tests.support.toolchain import KEEL_BIN, run, tool_env

pytestmark = pytest.mark.e2e

# Python per pair: spread over the versions installed here so each is run end to end, and
# shifted per kind so each tool meets a different Python as a library and as an application.
PYTHONS = ("3.11", "3.12", "3.13")
PYTHON = {
    pair: PYTHONS[(i + i // len(PYTHONS)) % len(PYTHONS)]
    for i, pair in enumerate(kind_tool_pairs())
}


def test_every_pair_has_a_python() -> None:
    assert set(PYTHON) == set(kind_tool_pairs())


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_generated_project_is_green_end_to_end(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    tmp_path: Path,
    kind: str,
    tool: str,
) -> None:
    project = generate(copie, template_dir, sandbox_workarounds, kind, tool, PYTHON[kind, tool])
    if project.is_application and tool == "setuptools":
        # pip checks hashes only of what it installs (the development lock); the runtime
        # lock, which an image installs from, must be as complete, requirement by requirement.
        for lock in project.lock_files:
            assert unhashed(lock) == [], lock.name

    project.install()
    tests = project.run_tool("pytest", "-q")
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout
    assert " failed" not in tests.stdout
    project.pre_commit()
    project.run_tool("mypy")
    # Nothing the hooks or tests did may change tracked files or leave untracked ones.
    status = project.sh("git", "status", "--porcelain").stdout
    assert status == "", status

    # Git hooks, installed as the README says, work from any shell (nothing activated): a
    # commit runs them all with the project's own tools.
    project.shell(f"{project.facts['run_pre_commit']} install")
    core = project.path / "src" / "keel_sample" / "core.py"
    core.write_text(core.read_text(encoding="utf-8") + "\n\n# Touched by a commit.\n")
    project.sh("git", "add", "-A")
    committed = project.sh("git", "commit", "-m", "Touch the code", check=False)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert "ruff check" in committed.stdout + committed.stderr

    sdist, wheel = project.build()
    run([KEEL_BIN / "twine", "check", "--strict", sdist, wheel], project.path)

    # The wheel works on its own, in a fresh environment.
    fresh = tmp_path / "fresh"
    run([project.python, "-m", "venv", fresh], tmp_path)
    run([fresh / "bin" / "python", "-m", "pip", "install", "-q", wheel], tmp_path)
    meta = pyproject(project.path)["project"]
    imported = run(
        [
            fresh / "bin" / "python",
            "-c",
            "import keel_sample as p; print(p.greet('X'), p.__version__)",
        ],
        tmp_path,
    )
    assert imported.stdout.strip() == f"Hello, X! {meta['version']}"
    if project.is_application:
        env = tool_env({"KEEL_SAMPLE_API_TOKEN": "token"})
        script = run([fresh / "bin" / "keel-sample", "--name", "Ada"], tmp_path, env=env)
        assert script.stdout == "Hello, Ada!\n"
        health = run([fresh / "bin" / "keel-sample", "healthcheck"], tmp_path, env=env)
        assert health.stdout == "healthy\n"
        missing = run([fresh / "bin" / "keel-sample"], tmp_path, env=tool_env(), check=False)
        assert missing.returncode == 2
        assert missing.stderr == "Configuration error: set KEEL_SAMPLE_API_TOKEN.\n"


APPLICATION_TOOLS = [tool for kind, tool in kind_tool_pairs() if kind == "application"]


@pytest.mark.parametrize("tool", APPLICATION_TOOLS)
def test_locked_install_refuses_a_stale_or_tampered_lock(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    tool: str,
) -> None:
    project = generate(
        copie, template_dir, sandbox_workarounds, "application", tool, PYTHON["application", tool]
    )
    pristine = {
        p: p.read_text(encoding="utf-8")
        for p in [*project.lock_files, project.path / "pyproject.toml"]
    }

    # A dependency added to pyproject.toml without relocking fails the locked install.
    text = pristine[project.path / "pyproject.toml"]
    (project.path / "pyproject.toml").write_text(
        text.replace('"pydantic-settings>=2.6",', '"pydantic-settings>=2.6",\n  "tomli-w>=1.0",'),
        encoding="utf-8",
    )
    if project.facts["check_lock"]:  # else the check relocks; the install runs `pip check`
        assert not project.lock_is_current()
    stale = project.install(check=False)
    assert stale.returncode != 0, "a stale lock was accepted"
    for path, content in pristine.items():
        path.write_text(content, encoding="utf-8")
    shutil.rmtree(project.path / ".venv", ignore_errors=True)

    # A lock whose hashes were tampered with fails the locked install.
    lock = project.lock_files[-1]
    tampered, count = re.subn(
        r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, lock.read_text(encoding="utf-8")
    )
    assert count > 0
    lock.write_text(tampered, encoding="utf-8")
    bad = project.install(check=False)
    assert bad.returncode != 0, "a tampered lock was accepted"


# --- applications that are web services (app_interface http) ------------------------------

# Shifted from the cli applications' Pythons, so each tool serves on another one too.
HTTP_PYTHON = {
    tool: PYTHONS[(PYTHONS.index(PYTHON["application", tool]) + 1) % len(PYTHONS)]
    for tool in APPLICATION_TOOLS
}
TOKEN = "e2e-secret-5d1f"
# A user's endpoint that takes a while, added to the generated app to prove SIGTERM lets
# an in-flight request finish.
SLOW_ROUTE = """
    @app.get("/slow")
    async def slow() -> Greeting:
        await asyncio.sleep(2)
        return Greeting(message="finished")

"""


@pytest.mark.parametrize("tool", APPLICATION_TOOLS)
def test_http_application_serves_and_stops_cleanly(
    copie: Copie,
    template_dir: Path,
    sandbox_workarounds: SandboxWorkarounds,
    tool: str,
) -> None:
    project = generate(
        copie,
        template_dir,
        sandbox_workarounds,
        "application",
        tool,
        HTTP_PYTHON[tool],
        app_interface="http",
    )
    project.install()
    tests = project.run_tool("pytest", "-q")
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout
    assert " failed" not in tests.stdout
    project.pre_commit()  # ruff and mypy (strict), as the hooks run them
    status = project.sh("git", "status", "--porcelain").stdout
    assert status == "", status

    app_module = project.path / "src" / "keel_sample" / "app.py"
    code = app_module.read_text(encoding="utf-8")
    code = code.replace("import json\n", "import asyncio\nimport json\n", 1)
    code = code.replace("    app.add_middleware(", SLOW_ROUTE + "    app.add_middleware(", 1)
    app_module.write_text(code, encoding="utf-8")
    project.install()  # setuptools' and poetry's installs are editable; uv's syncs the change

    # The console script, as the README runs it, with no arguments: it serves.
    port = free_port()
    settings = {"API_TOKEN": TOKEN, "HOST": LOOPBACK, "PORT": str(port), "LOG_FORMAT": "json"}
    env = {**project.env, **{f"KEEL_SAMPLE_{name}": value for name, value in settings.items()}}
    activate = project.facts["activate"]
    script = f"{activate + ' && ' if activate else ''}exec {project.facts['run_app']}"
    server = subprocess.Popen(
        ["bash", "-c", script],
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://{LOOPBACK}:{port}"
    try:
        assert wait_until_answers(f"{base}/healthz", server)["status"] == "ok"
        assert get(f"{base}/readyz") == (200, {"status": "ok", "version": "0.1.0"})
        assert get(f"{base}/greetings/Ada") == (200, {"message": "Hello, Ada!"})
        # SIGTERM while a request is in flight: it finishes, new connections are refused,
        # and the process exits 0 within the shutdown timeout (5 s by default).
        with ThreadPoolExecutor(1) as pool:
            slow = {"X-Request-ID": "r-1"}
            in_flight = pool.submit(get, f"{base}/slow", timeout=10, headers=slow)
            time.sleep(0.5)
            stopped_at = time.monotonic()
            server.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            with pytest.raises(urllib.error.URLError, match="Connection refused"):
                get(f"{base}/healthz", timeout=2)
            assert in_flight.result() == (200, {"message": "finished"})
        out, err = server.communicate(timeout=15)
        took = time.monotonic() - stopped_at
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert took < 5 + 2, f"took {took:.1f} s to stop"
    assert TOKEN not in out + err
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    access = [r for r in records if r["logger"] == "keel_sample.app.access"]
    assert [r["message"].split()[:3] for r in access if r["request_id"] == "r-1"] == [
        ["GET", "/slow", "200"]
    ]
