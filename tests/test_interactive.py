"""The questionnaire as a person answers it: `copier copy` in a pseudo-terminal.

Copier checks a question's default before it shows the question, so a derived default that
the validator refuses used to end the session with a traceback. These tests type into the
real prompt (pexpect) and read what the screen shows: a refused answer gets its sentence
and the question again, and a name Keel cannot derive is asked for, never guessed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest

from tests.support.questionnaire import answers, asked
from tests.support.rendering import load_yaml
from tests.support.toolchain import KEEL_BIN

# The three name questions are typed; every other answer is given as --data, so a new
# question elsewhere in copier.yml does not change what these tests type.
TYPED = ("project_name", "distribution_name", "import_name")
CTRL_U = "\x15"  # prompt_toolkit: delete the line typed so far


@dataclass
class Prompt:
    """A running `copier copy` session whose screen is read as a person would read it."""

    child: pexpect.spawn[str]
    destination: Path
    screen: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self.child.logfile_read = self.screen

    def expect(self, text: str) -> None:
        """Wait until `text` appears on the screen (plain text, never a regex)."""
        self.child.expect_exact(text)

    def answer(self, text: str) -> None:
        """Clear whatever the prompt holds (a default, a refused answer), type, press Enter."""
        self.child.send(CTRL_U + text + "\r")

    def finish(self) -> str:
        """Wait for Copier to end; return everything it printed in the whole session."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        output = self.screen.getvalue()
        assert self.child.exitstatus == 0, output[-3000:]
        assert "Traceback" not in output
        return output


def start_copy(template_dir: Path, home: Path, destination: Path, typed: tuple[str, ...]) -> Prompt:
    """`copier copy` with every question but `typed` answered by --data, run as a user whose
    home (and git identity) is `home`."""
    every = answers(
        distribution_name="keel-sample",
        import_name="keel_sample",
        project_kind="library",
        package_manager="uv",
        python_version="3.11",
        license="MIT",
        docker=False,
        app_interface="cli",
        repository_host="github.com",
        repository_name="sample",
        repository_url="https://github.com/keel-org/sample",
    )
    given = {k: v for k, v in every.items() if k not in typed}
    assert set(given) | set(typed) == set(asked()), "every other question is answered"
    env = {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    args = ["copy", "--trust", *(f"--data={k}={v}" for k, v in given.items())]
    child = pexpect.spawn(
        str(KEEL_BIN / "copier"),
        [*args, str(template_dir), str(destination)],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 250),
    )
    return Prompt(child, destination)


@pytest.fixture
def prompt(template_dir: Path, tmp_path: Path) -> Iterator[Prompt]:
    """The name questions typed, as a user with no git identity (Keel's own defaults)."""
    home = tmp_path / "home"
    home.mkdir()
    session = start_copy(template_dir, home, tmp_path / "project", TYPED)
    try:
        yield session
    finally:
        if session.child.isalive():
            session.child.terminate(force=True)


@pytest.mark.parametrize(
    ("project_name", "distribution", "why", "refusal", "import_name"),
    [
        pytest.param(
            "json",
            "json",
            '"json", made from the distribution name, would shadow the standard-library module',
            '"json" would shadow the standard-library module of that name; choose another',
            "json_tools",
            id="stdlib",
        ),
        pytest.param(
            "Calendar",
            "calendar",
            '"calendar", made from the distribution name, would shadow the standard-library',
            '"calendar" would shadow the standard-library module of that name',
            "team_calendar",
            id="stdlib-capitalised",
        ),
        pytest.param(
            "2fast",
            "2fast",
            '"2fast", made from the distribution name, starts with a digit',
            '"2fast" is not a valid import name: use ASCII letters, digits and underscores',
            "twofast",
            id="leading-digit",
        ),
    ],
)
def test_a_name_that_cannot_be_imported_is_asked_for_not_a_traceback(
    prompt: Prompt,
    project_name: str,
    distribution: str,
    why: str,
    refusal: str,
    import_name: str,
) -> None:
    prompt.expect("human name")
    prompt.answer(project_name)
    prompt.expect("`pip install` (PEP 503 normalised)")
    prompt.answer(distribution)
    # No default is offered, and the question says why.
    prompt.expect(f"None is suggested: {why}")
    # Typing the derived name anyway gets the validator's sentence; the question stays.
    prompt.answer(distribution)
    prompt.expect(refusal)
    prompt.answer(import_name)
    prompt.finish()

    recorded = load_yaml(prompt.destination / ".copier-answers.yml")
    assert recorded["project_name"] == project_name
    assert recorded["import_name"] == import_name
    assert (prompt.destination / "src" / import_name / "__init__.py").is_file()


def test_a_name_in_another_script_asks_for_a_distribution_name(
    prompt: Prompt,
) -> None:
    prompt.expect("human name")
    prompt.answer("日本語ツール")
    prompt.expect('None is suggested: "日本語ツール" has no letter or digit with an ASCII spelling')
    prompt.answer("")
    prompt.expect('No distribution name can be derived from "日本語ツール"')
    prompt.answer("nihongo-tools")
    # From a typed distribution name the import name is derived again, and offered.
    prompt.expect("The name you `import` (a Python identifier)")
    prompt.answer("nihongo_tools")
    prompt.finish()

    recorded = load_yaml(prompt.destination / ".copier-answers.yml")
    assert recorded["project_name"] == "日本語ツール"
    assert recorded["distribution_name"] == "nihongo-tools"
    assert (prompt.destination / "src" / "nihongo_tools").is_dir()


def test_a_transliterated_name_is_offered_and_accepted_with_enter(
    prompt: Prompt,
) -> None:
    prompt.expect("human name")
    prompt.answer("Café Straße")
    prompt.expect("cafe-strasse")  # the derived default, shown in the prompt
    prompt.child.send("\r")
    prompt.expect("cafe_strasse")
    prompt.child.send("\r")
    prompt.finish()

    recorded = load_yaml(prompt.destination / ".copier-answers.yml")
    assert (recorded["distribution_name"], recorded["import_name"]) == (
        "cafe-strasse",
        "cafe_strasse",
    )


def test_an_invalid_git_email_is_not_offered_as_the_default(
    template_dir: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\temail = me@localhost\n", encoding="utf-8")
    prompt = start_copy(template_dir, home, tmp_path / "project", ("author_email",))
    try:
        prompt.expect('None is suggested: git\'s user.email, "me@localhost", is not a valid')
        prompt.answer("me@localhost")
        prompt.expect('"me@localhost" is not a valid email address')
        prompt.answer("me@example.org")
        prompt.finish()
    finally:
        if prompt.child.isalive():
            prompt.child.terminate(force=True)
    assert load_yaml(prompt.destination / ".copier-answers.yml")["author_email"] == "me@example.org"
