"""Every bad answer is refused with its own sentence, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from tests.support.questionnaire import answers, asked
from tests.support.rendering import render_with_copie

REJECTIONS = [
    pytest.param("project_name", "", "must not be empty", id="empty-project-name"),
    pytest.param("project_name", "   ", "must not be empty", id="blank-project-name"),
    pytest.param("project_name", "!!!", "at least one letter or digit", id="symbols-only-name"),
    pytest.param("project_name", "two\nlines", "single line", id="multiline-project-name"),
    pytest.param("distribution_name", "-bad-", "not a valid distribution name", id="dist-dash"),
    pytest.param("distribution_name", "has space", "not a valid distribution", id="dist-space"),
    pytest.param("distribution_name", "", "not a valid distribution name", id="dist-empty"),
    pytest.param("import_name", "my-pkg", "not a valid import name", id="import-dash"),
    pytest.param("import_name", "1pkg", "not a valid import name", id="import-digit"),
    pytest.param("import_name", "", "not a valid import name", id="import-empty"),
    pytest.param("import_name", "pâté", "not a valid import name", id="import-non-ascii"),
    pytest.param("import_name", "class", "is a Python keyword", id="import-keyword"),
    pytest.param("import_name", "import", "is a Python keyword", id="import-keyword-2"),
    pytest.param("import_name", "json", "standard-library module", id="stdlib-json"),
    pytest.param("import_name", "typing", "standard-library module", id="stdlib-typing"),
    pytest.param("import_name", "test", "standard-library module", id="stdlib-test"),
    pytest.param("project_name", "Typing", "standard-library module", id="derived-stdlib"),
    pytest.param("description", "", "must not be empty", id="empty-description"),
    pytest.param("description", "one\ntwo", "must not contain line breaks", id="desc-newline"),
    pytest.param("description", "one\r\ntwo", "must not contain line breaks", id="desc-crlf"),
    pytest.param("author_name", "", "must not be empty", id="empty-author"),
    pytest.param("author_email", "not-an-email", "not a valid email", id="email-no-at"),
    pytest.param("author_email", "a@b", "not a valid email", id="email-no-dot"),
    pytest.param("author_email", "a b@example.com", "not a valid email", id="email-space"),
    pytest.param("author_email", "a@@example.com", "not a valid email", id="email-two-at"),
    pytest.param("repository_url", "http://example.com/x", "https://", id="url-http"),
    pytest.param("repository_url", "git@github.com:a/b.git", "https://", id="url-ssh"),
    pytest.param("repository_url", "https://", "https://", id="url-no-host"),
    pytest.param("repository_host", "https://github.com", "not a host name", id="host-scheme"),
    pytest.param("repository_org", "my org", "not a valid organisation", id="org-space"),
    pytest.param("repository_name", "a/b", "not a valid repository", id="repo-slash"),
    pytest.param("copyright_year", "26", "four digits", id="year-short"),
]


@pytest.mark.parametrize(("question", "value", "sentence"), REJECTIONS)
def test_bad_answer_is_refused_with_one_sentence(
    copie: Copie, template_dir: Path, question: str, value: str, sentence: str
) -> None:
    result = render_with_copie(copie, template_dir, **{question: value})
    assert isinstance(result.exception, ValueError), result
    message = str(result.exception)
    assert message.startswith("Validation error for question")
    assert sentence in message
    assert "\n" not in message.strip()
    assert result.project_dir is None
    # Nothing was written: pytest-copie's output folder for this copy stays empty.
    outputs = list(copie.test_dir.glob("copie*"))
    assert outputs
    assert all(not any(out.iterdir()) for out in outputs)


def test_every_free_text_question_has_a_rejection_test() -> None:
    free_text = {
        name
        for name, spec in asked().items()
        if spec.get("type") == "str" and "choices" not in spec
    }
    tested = {p.values[0] for p in REJECTIONS}
    assert free_text <= tested, free_text - tested


def test_answers_helper_refuses_unknown_keys() -> None:
    with pytest.raises(AssertionError, match=r"not questions in copier\.yml"):
        answers(projct_name="typo")
