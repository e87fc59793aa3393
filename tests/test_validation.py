"""Every bad answer is refused with its own sentence, and nothing is written; every awkward
answer that is accepted gives a project that passes its own lint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier.errors import UserMessageError
from pytest_copie.plugin import Copie

from extensions.validation import (
    FIRST_YEAR,
    NAME_LIMIT,
    PROJECT_NAME_LIMIT,
    SUMMARY_LIMIT,
    last_copyright_year,
)
from keel.questionnaire import examples
from tests.conftest import snapshot_template
from tests.support.questionnaire import answers, asked, kind_tool_pairs
from tests.support.rendering import (
    copy_template,
    load_yaml,
    pyproject,
    render,
    render_with_copie,
)
from tests.support.toolchain import KEEL_BIN, run
from tests.test_render import assert_lint_clean

# The one list of bad answers, shared with the questions reference (keel/answers.yml).
REJECTIONS = [
    pytest.param({r.question: r.answer}, r.expect, id=r.id) for r in examples().rejections
]
_COPIER_MESSAGE = re.compile(r"Validation error for question '(\w+)': (.*)", re.DOTALL)


def assert_refused(copie: Copie, template_dir: Path, given: dict[str, Any], sentence: str) -> None:
    """Copier stops on `given` with exactly `sentence` (one line), and writes nothing."""
    result = render_with_copie(copie, template_dir, **given)
    assert isinstance(result.exception, ValueError), result
    said = _COPIER_MESSAGE.fullmatch(str(result.exception))
    assert said is not None, str(result.exception)
    assert said.group(2) == sentence
    assert "\n" not in sentence
    assert result.project_dir is None
    # Nothing was written: pytest-copie's output folder for this copy stays empty.
    outputs = list(copie.test_dir.glob("copie*"))
    assert outputs
    assert all(not any(out.iterdir()) for out in outputs)


@pytest.mark.parametrize(("given", "sentence"), REJECTIONS)
def test_bad_answer_is_refused_with_one_sentence(
    copie: Copie, template_dir: Path, given: dict[str, Any], sentence: str
) -> None:
    assert_refused(copie, template_dir, given, sentence)


def free_text_questions() -> set[str]:
    return {
        name
        for name, spec in asked().items()
        if spec.get("type") == "str" and "choices" not in spec
    }


def test_every_free_text_question_has_a_rejection_test() -> None:
    tested = {r.question for r in examples().rejections}
    assert free_text_questions() <= tested, free_text_questions() - tested


# --- control characters: every kind, in every free-text answer ------------------------------

# Each free-text question's control-character example (keel/answers.yml, id
# `<question>-control`) gives its sentence; every other kind of character must get the same.
CONTROL_EXAMPLES = {
    r.question: r
    for r in examples().rejections
    if r.id == r.question.replace("_", "-") + "-control"
}
# Not line breaks: where a question checks for those first, NEL (U+0085) gets that sentence.
CONTROL_CHARACTERS = {
    "nul": "\x00",
    "esc": "\x1b[31m",
    "del": "\x7f",
    "c1-csi": "\x9b",
    "tab": "\t",
    "bidi-override": "\u202e",
    "bidi-isolate": "\u2066",
    "lone-surrogate": "\ud800",
}


def test_every_free_text_question_has_a_control_character_example() -> None:
    assert set(CONTROL_EXAMPLES) == free_text_questions()


@pytest.mark.parametrize("character", CONTROL_CHARACTERS.values(), ids=CONTROL_CHARACTERS.keys())
@pytest.mark.parametrize("question", sorted(CONTROL_EXAMPLES))
def test_control_characters_are_refused_in_every_free_text_answer(
    copie: Copie, template_dir: Path, question: str, character: str
) -> None:
    # Control characters are checked before anything else is, so the rest need not be valid.
    answer = f"ke{character}el"
    assert_refused(copie, template_dir, {question: answer}, CONTROL_EXAMPLES[question].expect)


# --- answers Copier casts before any validator runs ----------------------------------------

# What a data file (`--data-file`) says, as YAML reads it. Copier casts these answers before
# a validator sees them, so `when` refuses them (a UserMessageError: one line in the CLI).
DATA_FILE_REFUSALS = [
    pytest.param(
        "python_version: 3.10\n",
        "python_version was read as the number 3.1 (YAML reads an unquoted 3.10 as 3.1); "
        'quote the version, e.g. python_version: "3.13".',
        id="python-version-3.10",
    ),
    *(
        pytest.param(
            f"project_kind: {kind}\ndocker: {value}\n",
            f'docker is a yes-or-no question, but it was given "{value}"; give true or false.',
            id=f"docker-{value}-{kind}",
        )
        for kind in ("application", "library")
        for value in ("maybe", "2", "sometimes")
    ),
]


@pytest.mark.parametrize(("data_file", "sentence"), DATA_FILE_REFUSALS)
def test_data_file_answers_are_refused_as_written(
    tmp_path: Path, template_dir: Path, data_file: str, sentence: str
) -> None:
    given = yaml.safe_load(data_file)
    destination = tmp_path / "p"
    with pytest.raises(UserMessageError) as refusal:
        render(destination, template_dir, **given)
    assert str(refusal.value) == sentence
    assert not destination.exists()


@pytest.mark.parametrize(("data_file", "sentence"), DATA_FILE_REFUSALS[:2])
def test_answers_given_through_the_api_are_refused_as_given(
    copie: Copie, template_dir: Path, data_file: str, sentence: str
) -> None:
    """pytest-copie passes answers as Copier's user_defaults, not as data: the same check."""
    result = render_with_copie(copie, template_dir, **yaml.safe_load(data_file))
    assert isinstance(result.exception, UserMessageError), result
    assert str(result.exception) == sentence
    assert result.project_dir is None


def test_every_yes_no_question_refuses_other_text() -> None:
    yes_no = {name for name, spec in asked().items() if spec.get("type") == "bool"}
    tested = {
        question
        for p in DATA_FILE_REFUSALS
        for question, value in yaml.safe_load(str(p.values[0])).items()
        if question in yes_no and "yes-or-no" in str(p.values[1])
    }
    assert yes_no == tested


def test_unquoted_python_version_is_one_line_from_the_cli(
    tmp_path: Path, template_dir: Path
) -> None:
    """Copier's CLI prints this refusal as one line (a validator's would end a traceback)."""
    data_file = tmp_path / "answers.yml"
    data_file.write_text("python_version: 3.10\n", encoding="utf-8")
    destination = tmp_path / "p"
    given = [f"--data={k}={v}" for k, v in answers().items()]
    result = run(
        [
            KEEL_BIN / "copier",
            "copy",
            "--trust",
            "--defaults",
            f"--data-file={data_file}",
            *given,
            template_dir,
            destination,
        ],
        tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == str(DATA_FILE_REFUSALS[0].values[1])
    assert not destination.exists()


def test_answers_helper_refuses_unknown_keys() -> None:
    with pytest.raises(AssertionError, match=r"not questions in copier\.yml"):
        answers(projct_name="typo")


# --- awkward but accepted: each gives a project that passes its own lint ---------------------


@pytest.mark.parametrize(("kind", "tool"), kind_tool_pairs())
def test_names_at_the_length_limit_render_lint_clean(
    tmp_path: Path, template_dir: Path, kind: str, tool: str
) -> None:
    distribution = "d" * (NAME_LIMIT - 2) + ".x"
    package = "p" * NAME_LIMIT
    description = "s" * SUMMARY_LIMIT
    project = render(
        tmp_path / "p",
        template_dir,
        project_kind=kind,
        package_manager=tool,
        project_name="N" * PROJECT_NAME_LIMIT,
        distribution_name=distribution,
        import_name=package,
        description=description,
    )
    meta = pyproject(project)["project"]
    assert (meta["name"], meta["description"]) == (distribution, description)
    assert (project / "src" / package / "__init__.py").exists()
    assert_lint_clean(project)


@pytest.mark.parametrize(
    ("project_name", "distribution", "package"),
    [
        pytest.param("Café Tools", "cafe-tools", "cafe_tools", id="accents"),
        pytest.param("Straße Æsir Øre Łódź", "strasse-aesir-ore-lodz", "strasse_aesir_ore_lodz"),
        pytest.param("Ｆｕｌｌ ﬁle", "full-file", "full_file", id="compatibility-forms"),
    ],
)
@pytest.mark.parametrize("kind", ["library", "application"])
def test_non_ascii_names_are_transliterated(
    tmp_path: Path,
    template_dir: Path,
    kind: str,
    project_name: str,
    distribution: str,
    package: str,
) -> None:
    project = render(tmp_path / "p", template_dir, project_kind=kind, project_name=project_name)
    assert pyproject(project)["project"]["name"] == distribution
    assert (project / "src" / package / "__init__.py").exists()
    assert (project / "README.md").read_text(encoding="utf-8").startswith(f"# {project_name}\n")
    assert_lint_clean(project)


def test_a_name_in_another_script_is_accepted_with_a_distribution_name(
    tmp_path: Path, template_dir: Path
) -> None:
    project = render(
        tmp_path / "p",
        template_dir,
        project_name="日本語ツール",
        distribution_name="nihongo-tools",
    )
    assert load_yaml(project / ".copier-answers.yml")["import_name"] == "nihongo_tools"
    assert_lint_clean(project)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("yes", True),
        ("No", False),
        ("true", True),
        ("off", False),
        ("1", True),
        ("0", False),
        (True, True),
        (False, False),
    ],
)
def test_yes_or_no_answers_mean_what_they_say(
    tmp_path: Path, template_dir: Path, given: str | bool, expected: bool
) -> None:
    project = render(tmp_path / "p", template_dir, project_kind="application", docker=given)
    assert load_yaml(project / ".copier-answers.yml")["docker"] is expected
    assert (project / "Dockerfile").exists() is expected


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("copyright_year", str(FIRST_YEAR)),
        ("copyright_year", str(last_copyright_year())),
        ("repository_url", "https://git.example.com:8443/team/sample"),
        ("author_email", "first.last+tag@sub.example.org"),
        ("description", "Ünïcödé, 日本語 and emoji 🚀 — fine"),
        # Every backend's Author-email reads these back as typed (tests/test_e2e_awkward.py).
        ("author_name", "J. R. R. Tolkien"),
        ("author_name", "Zoë O'Brien-Çelik"),
        ("author_name", "日本 太郎 & Co. #1 ~ {x} | ! $ % * + / ? ^ _ ` = '"),
        # Near a dependency's name but not it, PEP 503 normalised: py-test is not pytest.
        ("distribution_name", "py-test"),
        ("distribution_name", "wheel"),
    ],
)
def test_awkward_but_valid_text_is_accepted(
    tmp_path: Path, template_dir: Path, question: str, value: str
) -> None:
    project = render(tmp_path / "p", template_dir, **{question: value})
    assert load_yaml(project / ".copier-answers.yml")[question] == value


def test_a_dependency_added_to_the_template_is_refused_at_once(tmp_path: Path) -> None:
    """The names come from what the template renders, not from a copy: a dependency added
    to template/pyproject.toml.jinja is refused without regenerating anything."""
    template = snapshot_template(tmp_path / "template")
    source = template / "template" / "pyproject.toml.jinja"
    text = source.read_text(encoding="utf-8")
    dev_group = "dev = [\n"
    assert text.count(dev_group) >= 1  # one complete stanza per application shape
    source.write_text(text.replace(dev_group, dev_group + '  "httpx>=0.27",\n'), "utf-8")
    with pytest.raises(ValueError, match="Validation error") as refused:
        copy_template(tmp_path / "p", template, {"distribution_name": "HTTPX"})
    assert str(refused.value).endswith(
        '"HTTPX" is the name of httpx (a development tool of Keel\'s projects), and a project '
        "cannot share its name with a package it installs or runs; choose another "
        "distribution name."
    )
    assert not (tmp_path / "p").exists()
