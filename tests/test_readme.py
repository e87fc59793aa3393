"""README.md opens with the two commands, and .ci/run runs exactly the test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.support.questionnaire import ROOT
from tests.support.rendering import load_yaml
from tests.support.toolchain import KEEL_BIN, run


def first_console_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```console\n(.*?)```", readme, re.DOTALL)
    assert match is not None
    assert readme.index("```console") < readme.index("\n## "), "the commands come first"
    return match.group(1).strip().splitlines()


def test_readme_opens_with_generate_then_test() -> None:
    generate, test = first_console_block()
    words = shlex.split(generate)
    assert words[:4] == ["uv", "run", "copier", "copy"]
    assert "--trust" in words
    assert "--defaults" in words
    assert test == "uv run pytest"


def test_ci_runs_the_readme_test_command() -> None:
    _, test = first_console_block()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip()]
    assert commands[-1] == test


def test_readme_generate_command_works(tmp_path: Path) -> None:
    generate, _ = first_console_block()
    words = shlex.split(generate.replace("$PWD", str(ROOT)))
    assert words[-1] == "../hello-world"
    destination = tmp_path / "hello-world"
    command = [str(KEEL_BIN / "copier"), *words[3:-1], str(destination)]
    run(command, tmp_path)
    answers = load_yaml(destination / ".copier-answers.yml")
    assert answers["project_name"] == "Hello World"
    assert Path(answers["_src_path"]).is_absolute(), "copier update could not find Keel"
    assert (destination / "src" / "hello_world" / "__init__.py").exists()
