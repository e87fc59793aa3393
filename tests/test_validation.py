"""Every bad answer is refused with its own sentence, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from keel.questionnaire import examples
from tests.support.questionnaire import answers, asked
from tests.support.rendering import render_with_copie

# The one list of bad answers, shared with the questions reference (keel/answers.yml).
REJECTIONS = [pytest.param(r.question, r.answer, r.expect, id=r.id) for r in examples().rejections]


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
