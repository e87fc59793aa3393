"""Every bad answer is refused with its own sentence, and nothing is written; every awkward
answer that is accepted gives a project that passes its own lint."""

from __future__ import annotations

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
from tests.support.questionnaire import answers, asked, kind_tool_pairs
from tests.support.rendering import load_yaml, pyproject, render, render_with_copie
from tests.support.toolchain import KEEL_BIN, run
from tests.test_render import assert_lint_clean

CONTROL = "must not contain control characters (such as NUL, ESC or DEL)."
YEAR = (
    f"The copyright year must be four ASCII digits from {FIRST_YEAR} to "
    f"{last_copyright_year()}, e.g. 2026."
)
LONG = "a" * (NAME_LIMIT + 1)


def refused(question: str, value: object, sentence: str, id: str, *, by: str | None = None) -> Any:  # noqa: ANN401 - pytest's ParameterSet is not public
    """A rejection case: answering `question` with `value` gets `sentence` from `by`."""
    return pytest.param({question: value}, by or question, sentence, id=id)


REJECTIONS = [
    refused("project_name", "", "The project name must not be empty.", "empty-project-name"),
    refused("project_name", "   ", "The project name must not be empty.", "blank-project-name"),
    refused(
        "project_name",
        "!!!",
        "The project name needs at least one letter or digit.",
        "symbols-only-name",
    ),
    refused(
        "project_name",
        "two\nlines",
        "The project name must be a single line.",
        "multiline-project-name",
    ),
    refused(
        "project_name",
        "Keel\n",
        "The project name must be a single line.",
        "project-name-trailing-newline",
    ),
    refused(
        "project_name",
        "x" * (PROJECT_NAME_LIMIT + 1),
        f"The project name has {PROJECT_NAME_LIMIT + 1} characters; at most "
        f"{PROJECT_NAME_LIMIT} are allowed.",
        "project-name-too-long",
    ),
    refused(
        "project_name",
        "日本語ツール",
        'No distribution name can be derived from "日本語ツール" (it has no letter or digit '
        "with an ASCII spelling); give one with ASCII letters, digits and . _ -.",
        "other-script-name",
        by="distribution_name",
    ),
    refused(
        "project_name",
        "Acme " * 12,
        f"The distribution name has {len('acme-' * 11 + 'acme')} characters; at most "
        f"{NAME_LIMIT} are allowed.",
        "derived-name-too-long",
        by="distribution_name",
    ),
    refused(
        "distribution_name",
        "-bad-",
        '"-bad-" is not a valid distribution name: use letters, digits and . _ - '
        "(not at either end).",
        "dist-dash",
    ),
    refused(
        "distribution_name",
        "has space",
        '"has space" is not a valid distribution name: use letters, digits and . _ - '
        "(not at either end).",
        "dist-space",
    ),
    refused(
        "distribution_name",
        "",
        '"" is not a valid distribution name: use letters, digits and . _ - (not at either end).',
        "dist-empty",
    ),
    refused("distribution_name", "foo\n", f"The distribution name {CONTROL}", "dist-newline"),
    refused(
        "distribution_name",
        LONG,
        f"The distribution name has {NAME_LIMIT + 1} characters; at most {NAME_LIMIT} are allowed.",
        "dist-too-long",
    ),
    refused(
        "import_name",
        "my-pkg",
        '"my-pkg" is not a valid import name: use ASCII letters, digits and underscores, '
        "not starting with a digit.",
        "import-dash",
    ),
    refused(
        "import_name",
        "1pkg",
        '"1pkg" is not a valid import name: use ASCII letters, digits and underscores, '
        "not starting with a digit.",
        "import-digit",
    ),
    refused(
        "import_name",
        "",
        '"" is not a valid import name: use ASCII letters, digits and underscores, '
        "not starting with a digit.",
        "import-empty",
    ),
    refused(
        "import_name",
        "pâté",
        '"pâté" is not a valid import name: use ASCII letters, digits and underscores, '
        "not starting with a digit.",
        "import-non-ascii",
    ),
    refused(
        "import_name",
        "class",
        '"class" is a Python keyword and cannot be imported; choose another import name.',
        "import-keyword",
    ),
    refused(
        "import_name",
        "import",
        '"import" is a Python keyword and cannot be imported; choose another import name.',
        "import-keyword-2",
    ),
    *(
        refused(
            "import_name",
            name,
            f'"{name}" would shadow the standard-library module of that name; choose another '
            "import name.",
            f"stdlib-{name}",
        )
        # `compression` and `annotationlib` are standard-library modules only from 3.14 on:
        # refused whatever Python runs Copier.
        for name in ("json", "typing", "test", "compression", "annotationlib", "distutils")
    ),
    refused(
        "import_name",
        LONG,
        f"The import name has {NAME_LIMIT + 1} characters; at most {NAME_LIMIT} are allowed.",
        "import-too-long",
    ),
    *(
        refused(
            "project_name",
            project,
            message,
            f"derived-{project}",
            by="import_name",
        )
        for project, message in [
            (
                "Typing",
                '"typing" would shadow the standard-library module of that name; choose '
                "another import name.",
            ),
            (
                "Calendar",
                '"calendar" would shadow the standard-library module of that name; choose '
                "another import name.",
            ),
            (
                "email",
                '"email" would shadow the standard-library module of that name; choose '
                "another import name.",
            ),
            (
                "2fast",
                '"2fast" is not a valid import name: use ASCII letters, digits and '
                "underscores, not starting with a digit.",
            ),
        ]
    ),
    refused("description", "", "The description must not be empty.", "empty-description"),
    refused(
        "description",
        "one\ntwo",
        "The description is the package's one-line summary and must not contain line breaks; "
        "put longer text in README.md.",
        "desc-newline",
    ),
    refused(
        "description",
        "one\r\ntwo",
        "The description is the package's one-line summary and must not contain line breaks; "
        "put longer text in README.md.",
        "desc-crlf",
    ),
    refused(
        "description",
        "d" * (SUMMARY_LIMIT + 1),
        f"The description has {SUMMARY_LIMIT + 1} characters, more than the {SUMMARY_LIMIT} "
        "PyPI allows in a summary; put longer text in README.md.",
        "desc-too-long",
    ),
    refused("author_name", "", "The author name must not be empty.", "empty-author"),
    *(
        refused(
            "author_email",
            email,
            f'"{email}" is not a valid email address (expected something like name@example.com).',
            f"email-{name}",
        )
        for email, name in [
            ("not-an-email", "no-at"),
            ("a@b", "no-dot"),
            ("a b@example.com", "space"),
            ("a@@example.com", "two-at"),
        ]
    ),
    refused("author_email", "a@example.com\n", f"The email address {CONTROL}", "email-newline"),
    *(
        refused(
            "repository_url",
            url,
            "The repository URL must be an https:// URL with a host, e.g. "
            "https://github.com/acme/billing.",
            f"url-{name}",
        )
        for url, name in [
            ("http://example.com/x", "http"),
            ("git@github.com:a/b.git", "ssh"),
            ("https://", "no-host"),
            ("https://[oops/x", "bad-host"),
        ]
    ),
    *(
        refused(
            "repository_url",
            url,
            "The repository URL must not contain a user name or token: credentials never "
            "belong in the URL, which is written into pyproject.toml and the image label.",
            f"url-{name}",
        )
        for url, name in [
            ("https://user:token@github.com/org/repo", "credentials"),
            ("https://ghp_secret@github.com/org/repo", "token-only"),
        ]
    ),
    refused(
        "repository_url",
        "https://evil.example\\@github.com/x",
        'The repository URL must not contain a backslash: browsers read it as "/", so the '
        "link could lead to another host.",
        "url-backslash",
    ),
    refused(
        "repository_host",
        "https://github.com",
        '"https://github.com" is not a host name (expected something like github.com).',
        "host-scheme",
    ),
    refused("repository_host", "github.com\n", f"The host name {CONTROL}", "host-trailing-newline"),
    refused(
        "repository_org",
        "my org",
        '"my org" is not a valid organisation name: use letters, digits and . _ -.',
        "org-space",
    ),
    refused(
        "repository_name",
        "a/b",
        '"a/b" is not a valid repository name: use letters, digits and . _ -.',
        "repo-slash",
    ),
    refused("copyright_year", "26", YEAR, "year-short"),
    refused("copyright_year", "٢٠٢٦", YEAR, "year-arabic-indic-digits"),
    refused("copyright_year", "0000", YEAR, "year-zero"),
    refused("copyright_year", str(FIRST_YEAR - 1), YEAR, "year-too-early"),
    refused("copyright_year", str(last_copyright_year() + 1), YEAR, "year-too-late"),
    refused("copyright_year", "2026\n", f"The copyright year {CONTROL}", "year-newline"),
    *(
        pytest.param(
            {"project_kind": "application", "docker": value},
            "docker",
            f'docker is a yes-or-no question, but it was given "{value}"; give true or false.',
            id=f"docker-{value}",
        )
        for value in ("maybe", "2", "")
    ),
]

# Every free-text question refuses each kind of character no answer may carry. Where a
# question checks for line breaks first, NEL (U+0085) gets that sentence instead; the
# characters here are not line breaks.
CONTROL_CHARACTERS = {
    "nul": "\x00",
    "esc": "\x1b[31m",
    "del": "\x7f",
    "c1-csi": "\x9b",
    "tab": "\t",
    "bidi-override": "\u202e",
    "lone-surrogate": "\ud800",
}
CONTROL_SUBJECT = {
    "project_name": "The project name",
    "distribution_name": "The distribution name",
    "import_name": "The import name",
    "description": "The description",
    "author_name": "The author name",
    "author_email": "The email address",
    "repository_host": "The host name",
    "repository_org": "The organisation name",
    "repository_name": "The repository name",
    "repository_url": "The repository URL",
    "copyright_year": "The copyright year",
}
VALID_TEXT = {
    "project_name": "Keel Sample",
    "distribution_name": "keel-sample",
    "import_name": "keel_sample",
    "description": "A sample.",
    "author_name": "Keel Tester",
    "author_email": "tester@example.com",
    "repository_host": "github.com",
    "repository_org": "keel-org",
    "repository_name": "keel-sample",
    "repository_url": "https://github.com/keel-org/keel-sample",
    "copyright_year": "2026",
}
REJECTIONS += [
    refused(
        question,
        VALID_TEXT[question][:4] + char + VALID_TEXT[question][4:],
        f"{subject} {CONTROL}",
        f"{question}-{name}",
    )
    for question, subject in CONTROL_SUBJECT.items()
    for name, char in CONTROL_CHARACTERS.items()
]


@pytest.mark.parametrize(("given", "question", "sentence"), REJECTIONS)
def test_bad_answer_is_refused_with_one_sentence(
    copie: Copie, template_dir: Path, given: dict[str, Any], question: str, sentence: str
) -> None:
    result = render_with_copie(copie, template_dir, **given)
    assert isinstance(result.exception, ValueError), result
    assert str(result.exception) == f"Validation error for question '{question}': {sentence}"
    assert result.project_dir is None
    # Nothing was written: pytest-copie's output folder for this copy stays empty.
    outputs = list(copie.test_dir.glob("copie*"))
    assert outputs
    assert all(not any(out.iterdir()) for out in outputs)


# What a data file (`--data-file`) says, as YAML reads it: the path where Copier casts the
# answer before any validator sees it.
DATA_FILE_REFUSALS = [
    pytest.param(
        "python_version: 3.10\n",
        UserMessageError,
        "python_version was read as the number 3.1 (YAML reads an unquoted 3.10 as 3.1); "
        'quote the version, e.g. python_version: "3.13".',
        id="python-version-3.10",
    ),
    pytest.param(
        "project_kind: application\ndocker: maybe\n",
        ValueError,
        "Validation error for question 'docker': docker is a yes-or-no question, but it was "
        'given "maybe"; give true or false.',
        id="docker-maybe",
    ),
    pytest.param(
        "project_kind: library\ndocker: maybe\n",
        ValueError,
        "Validation error for question 'docker': docker is a yes-or-no question, but it was "
        'given "maybe"; give true or false.',
        id="docker-maybe-for-a-library",
    ),
]


@pytest.mark.parametrize(("data_file", "error", "sentence"), DATA_FILE_REFUSALS)
def test_data_file_answers_are_refused_as_written(
    tmp_path: Path, template_dir: Path, data_file: str, error: type[Exception], sentence: str
) -> None:
    given = yaml.safe_load(data_file)
    destination = tmp_path / "p"
    with pytest.raises(error) as refusal:
        render(destination, template_dir, **given)
    assert str(refusal.value) == sentence
    assert not destination.exists()


def free_text_questions() -> set[str]:
    return {
        name
        for name, spec in asked().items()
        if spec.get("type") == "str" and "choices" not in spec
    }


def test_every_free_text_question_has_a_rejection_test() -> None:
    tested = {question for p in REJECTIONS for question in p.values[0]}
    assert free_text_questions() <= tested, free_text_questions() - tested


def test_every_free_text_question_refuses_control_characters() -> None:
    assert set(CONTROL_SUBJECT) == set(VALID_TEXT) == free_text_questions()


def test_every_yes_no_question_refuses_other_text() -> None:
    yes_no = {name for name, spec in asked().items() if spec.get("type") == "bool"}
    tested = {p.values[1] for p in REJECTIONS if "yes-or-no" in p.values[2]}
    assert yes_no == tested


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
    ],
)
def test_awkward_but_valid_text_is_accepted(
    tmp_path: Path, template_dir: Path, question: str, value: str
) -> None:
    project = render(tmp_path / "p", template_dir, **{question: value})
    assert load_yaml(project / ".copier-answers.yml")[question] == value


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
    assert result.stderr.strip() == (
        "python_version was read as the number 3.1 (YAML reads an unquoted 3.10 as 3.1); "
        'quote the version, e.g. python_version: "3.13".'
    )
    assert not destination.exists()
