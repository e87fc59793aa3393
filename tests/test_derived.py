"""Derived values: computed from validated answers in one place, never given from outside.

Every route an answer can come in by — `--data`, `--data-file`, an organisation preset,
the answers file on update — is tried with every derived name, the values a hostile preset
would use. Each is refused with one sentence and nothing is written or run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import copier
import jinja2
import pytest
import yaml
from copier.errors import UserMessageError

from extensions import derived
from tests.conftest import snapshot_template
from tests.support import tools
from tests.support.history import TemplateHistory, copy_version, git
from tests.support.questionnaire import ROOT, answers, asked, choices, kind_tool_pairs
from tests.support.rendering import copy_template, pyproject, render
from tests.support.toolchain import KEEL_BIN, tool_env

# What a hostile preset would put in each kind of derived value.
HOSTILE: dict[str, Any] = {
    "lock_command": "touch PWNED; uv lock",
    "run_prefix": "uv run ${{ github.event.issue.title }}",
    "requires_python": '>=3.11"\n[tool.evil]\nx = "1',
    "lock_file": "uv.lock\n!.env",
}


def hostile_value(name: str) -> Any:  # noqa: ANN401 - any YAML value
    return HOSTILE.get(name, "touch PWNED")


def sentence(name: str) -> str:
    return (
        f'"{name}" is derived by Keel from your answers and cannot be given: '
        "remove it from --data, the data file or the answers file."
    )


def test_no_derived_value_is_a_question() -> None:
    """copier.yml asks questions only: a `when: false` entry would be settable by data."""
    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    entries = {k for k in config if not k.startswith("_")}
    assert entries == set(asked())
    assert not entries & derived.derived_names()


def test_package_manager_choices_are_the_table() -> None:
    """A tool is a row of tools/tools.toml; copier.yml's choices name exactly those rows."""
    assert choices("package_manager") == list(derived.table())
    spec = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))["package_manager"]
    assert spec["choices"] == {row["label"]: name for name, row in derived.table().items()}


def test_unknown_tool_is_an_error_not_a_default() -> None:
    with pytest.raises(UserMessageError, match='no package manager "hatch"'):
        derived.derive({"package_manager": "hatch"})


def test_commands_are_filled_from_answers_only() -> None:
    facts = derived.manager_facts(
        "setuptools", {"python_version": "3.12", "distribution_name": "d", "import_name": "d"}
    )
    assert all("{" not in line for line in facts["lock"])
    assert "--python-version 3.12" in facts["lock"][0]
    # A field no answer fills stays unfilled rather than taking something from outside.
    assert "run_app" not in derived.manager_facts("uv", {})


@pytest.mark.parametrize("name", sorted(derived.derived_names()))
def test_data_naming_a_derived_value_is_refused(tmp_path: Path, name: str) -> None:
    """`--data` through Copier's API (what the CLI and presets call)."""
    destination = tmp_path / "project"
    with pytest.raises(UserMessageError) as raised:
        copier.run_copy(
            str(ROOT),
            destination,
            data={**answers(project_kind="application"), name: hostile_value(name)},
            defaults=True,
            unsafe=True,
            quiet=True,
        )
    assert str(raised.value) == sentence(name)
    assert not destination.exists()
    assert not list(tmp_path.rglob("PWNED"))


def copier_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KEEL_BIN / "copier", *map(str, args)],
        cwd=cwd,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_data_file_and_preset_naming_a_derived_value_are_refused(
    tmp_path: Path, template_dir: Path, name: str
) -> None:
    """`--data-file` with Keel's own organisation preset plus one derived value, via the CLI."""
    preset = yaml.safe_load((ROOT / "presets" / "org-example.yml").read_text(encoding="utf-8"))
    preset.update(project_name="Preset Victim", **{name: hostile_value(name)})
    data_file = tmp_path / "preset.yml"
    data_file.write_text(yaml.safe_dump(preset), encoding="utf-8")
    result = copier_cli(
        "copy", "--trust", "--defaults", "--data-file", data_file, template_dir, "out", cwd=tmp_path
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == sentence(name)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_answers_file_naming_a_derived_value_is_refused_on_update(
    tmp_path: Path, name: str
) -> None:
    """A hand-edited answers file: the update refuses before it touches the project."""
    history = TemplateHistory.start(tmp_path / "template")
    project = copy_version(
        history, tmp_path / "project", "v1.0.0", tasks=False, project_kind="application"
    )
    answers_file = project / ".copier-answers.yml"
    recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    recorded[name] = hostile_value(name)
    answers_file.write_text(yaml.safe_dump(recorded), encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "hand-edited answers")
    history.release("v1.1.0", lambda _root: None)
    before = git(project, "rev-parse", "HEAD")
    with pytest.raises(UserMessageError) as raised:
        copier.run_update(
            str(project), vcs_ref="v1.1.0", defaults=True, overwrite=True, unsafe=True, quiet=True
        )
    assert str(raised.value) == sentence(name)
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == before
    assert not list(project.rglob("PWNED"))


@pytest.mark.parametrize("tool", choices("package_manager"))
def test_rendered_commands_are_the_tables(tmp_path: Path, template_dir: Path, tool: str) -> None:
    """The README shows the table's install, lock and build lines, in order."""
    project = render(tmp_path / "p", template_dir, project_kind="application", package_manager=tool)
    readme = (project / "README.md").read_text(encoding="utf-8")
    facts = derived.manager_facts(
        tool,
        answers(python_version="3.13")
        | {
            "distribution_name": "keel-sample",
            "import_name": "keel_sample",
        },
    )
    block = "\n".join([*facts["environment"], *facts["install_locked"]])
    assert f"```console\n{block}\n{facts['run_pre_commit']} install\n```" in readme
    assert " && ".join(facts["lock"]) in readme
    assert "\n".join(facts["build"]) in readme


def test_a_new_tool_is_a_table_row_a_folder_and_a_choice(tmp_path: Path) -> None:
    """The contributing guide's recipe, done: a fourth tool (a twin of uv) needs its row, its
    folder and its choice, and the template renders it with nothing else touched."""
    template = snapshot_template(tmp_path / "template")
    shutil.copytree(template / "tools" / "uv", template / "tools" / "twin")
    row = tomllib.loads((template / "tools" / "tools.toml").read_text(encoding="utf-8"))["uv"]
    with (template / "tools" / "tools.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[twin]\n")
        for key, value in {**row, "label": "twin"}.items():
            handle.write(f"{key} = {json.dumps(value)}\n")
    config = template / "copier.yml"
    text = config.read_text(encoding="utf-8")
    assert text.count("    uv: uv\n") == 1
    config.write_text(
        text.replace("    uv: uv\n", "    uv: uv\n    twin: twin\n"), encoding="utf-8"
    )

    project = copy_template(
        tmp_path / "project", template, {"project_kind": "application", "package_manager": "twin"}
    )
    data = pyproject(project)
    assert data["build-system"]["build-backend"] == row["build_backend"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "\n".join(row["install_locked"]) in readme
    assert (project / row["lock_files"][0]).name in (project / ".dockerignore").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_after_copy_message_gives_the_readme_s_commands(
    tmp_path: Path, template_dir: Path, kind: str, tool: str
) -> None:
    """The after-copy message and the README show one set of install and test commands."""
    result = copier_cli(
        "copy", "--trust", "--defaults", "--skip-tasks",
        "--data", "project_name=Keel Sample",
        "--data", f"project_kind={kind}",
        "--data", f"package_manager={tool}",
        template_dir, "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    message = result.stderr.split("Next steps:", 1)[1].splitlines()
    shown = [line.strip() for line in message if line.startswith("  ")]
    facts = tools.facts(tool, "3.11" if kind == "library" else "3.13")
    install = [*facts["environment"], *facts["install" if kind == "library" else "install_locked"]]
    assert shown[2 : 2 + len(install) + 1] == [*install, f"{facts['run']} pytest"]
    if kind == "application":
        # The copy ran no task, so there is no lock, and the message says so (and only that).
        assert "No lock was made; make it before the locked install:" in result.stderr
        assert " && ".join(facts["lock"]) in result.stderr
        assert "was made with" not in result.stderr
    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "\n".join(install) in readme
    assert f"{facts['run']} pytest" in readme


def test_after_copy_message_reports_the_lock_it_made(tmp_path: Path, template_dir: Path) -> None:
    """With its task, an application's copy makes the lock, and the message says which."""
    result = copier_cli(
        "copy", "--trust", "--defaults",
        "--data", "project_name=Keel Sample",
        "--data", "project_kind=application",
        "--data", "python_version=3.11",
        template_dir, "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "uv.lock").is_file()
    assert "The lock (uv.lock) was made with: uv lock" in result.stderr
    assert "No lock was made" not in result.stderr


def test_placeholders_are_copier_yml_s_stand_in_defaults() -> None:
    """Each placeholder is what copier.yml falls back to when nothing better is known."""
    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    for name, value in derived.PLACEHOLDERS.items():
        assert value in str(config[name]["default"]), name


def test_after_copy_message_names_the_placeholders_in_use(
    tmp_path: Path, template_dir: Path
) -> None:
    result = copier_cli(
        "copy", "--trust", "--defaults", "--skip-tasks",
        "--data", "project_name=Keel Sample",
        "--data", "author_name=Ada Lovelace",
        "--data", "author_email=ada@example.org",
        "--data", "repository_org=my-org",
        template_dir, "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Placeholders in use: repository_org kept Keel's stand-in" in result.stderr
    assert "--defaults --data repository_org=...\n" in result.stderr
    real = copier_cli(
        "copy", "--trust", "--defaults", "--skip-tasks",
        "--data", "project_name=Keel Sample",
        "--data", "author_name=Ada Lovelace",
        "--data", "author_email=ada@example.org",
        "--data", "repository_org=acme",
        template_dir, "out2", cwd=tmp_path,
    )  # fmt: skip
    assert real.returncode == 0, real.stderr
    assert "Placeholders" not in real.stderr


# --- an application's interface, against the answers already recorded -----------------------


def recorded_context(project: Path, phase: str, data: dict[str, str], **answers: str) -> Any:  # noqa: ANN401
    """A render context as Copier builds it for a project whose answers file exists."""
    conf = {"dst_path": project, "answers_file": ".copier-answers.yml", "data": data}
    return {**answers, "_copier_conf": conf, "_copier_phase": phase}


@pytest.mark.parametrize(
    ("recorded", "phase", "data", "answers", "refused"),
    [
        pytest.param(
            {"project_kind": "application"},
            "migrate",
            {"app_interface": "http"},
            {},
            True,
            id="before-migration-data",
        ),
        pytest.param(
            {"project_kind": "application", "app_interface": "http"},
            "render",
            {},
            {"project_kind": "application", "app_interface": "cli"},
            True,
            id="render-answered-interactively",
        ),
        pytest.param(
            {"project_kind": "application"},
            "prompt",
            {"app_interface": "http"},
            {"project_kind": "application", "app_interface": "http"},
            False,
            id="prompt-is-left-to-later-phases",
        ),
        pytest.param(
            {"project_kind": "application"},
            "render",
            {},
            {"project_kind": "application", "app_interface": "cli"},
            False,
            id="unchanged-recorded-before-the-question",
        ),
        pytest.param(
            {"project_kind": "library"},
            "migrate",
            {"project_kind": "application", "app_interface": "http"},
            {},
            False,
            id="library-becomes-a-service",
        ),
        pytest.param(
            {"project_kind": "application"},
            "migrate",
            {"project_kind": "library", "app_interface": "http"},
            {},
            False,
            id="application-becomes-a-library",
        ),
    ],
)
def test_an_application_s_interface_cannot_change(
    tmp_path: Path,
    recorded: dict[str, str],
    phase: str,
    data: dict[str, str],
    answers: dict[str, str],
    refused: bool,
) -> None:
    (tmp_path / ".copier-answers.yml").write_text(yaml.safe_dump(recorded), encoding="utf-8")
    context = recorded_context(tmp_path, phase, data, **answers)
    if refused:
        with pytest.raises(UserMessageError, match="an update cannot change it"):
            derived.refuse_interface_switch(context)
    else:
        derived.refuse_interface_switch(context)


def test_a_new_project_has_no_interface_on_record(tmp_path: Path) -> None:
    context = recorded_context(
        tmp_path, "render", {}, project_kind="application", app_interface="http"
    )
    assert derived.recorded_answers(context) == {}
    derived.refuse_interface_switch(context)


def test_each_template_string_compiles_once_per_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The extension keeps compiled strings: renders still differ, errors still raise."""
    compiled: list[str] = []
    compile_uncached = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, *args: Any) -> Any:  # noqa: ANN401
        compiled.append(source)
        return compile_uncached(self, source, *args)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    environment = jinja2.Environment(extensions=[derived.DerivedValues])
    greeting = "Hello {{ name }}"
    rendered = [environment.from_string(greeting).render(name=n) for n in ("Ada", "Bo", "Ada")]
    assert rendered == ["Hello Ada", "Hello Bo", "Hello Ada"]
    assert compiled == [greeting]
    for _ in range(2):
        with pytest.raises(jinja2.TemplateSyntaxError):
            environment.from_string("{{ unclosed")
    assert compiled == [greeting, "{{ unclosed", "{{ unclosed"]
    # Another environment (another render of an update) compiles for itself.
    jinja2.Environment(extensions=[derived.DerivedValues]).from_string(greeting)
    assert compiled == [greeting, "{{ unclosed", "{{ unclosed", greeting]
