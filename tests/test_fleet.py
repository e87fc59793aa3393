"""`keel-fleet` over a throwaway fleet: what `status` reports for each repository, and what
`update` commits and refuses.

The fleet (tests/support/fleet.py): six repositories generated from a throwaway tagged
history of the template, in different kinds and tools, at different commits, some with
hand edits an update will conflict with and one with edits it merges. It is generated once
per worker, each repository when a test first asks for it; `update` only adds branches, so
tests cannot disturb each other.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from keel import fleet
from tests.support.fleet import FLEET, NEWEST, Fleet
from tests.support.history import git
from tests.support.questionnaire import ROOT
from tests.support.toolchain import KEEL_BIN, python_for, run, tool_env

pytestmark = pytest.mark.update


@pytest.fixture(scope="module")
def the_fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    if python_for("3.11") is None:
        pytest.fail("Python 3.11 is required: billing's update relocks with it")
    return Fleet(tmp_path_factory.mktemp("fleet"))


def keel_fleet(*args: str | Path, cwd: Path) -> tuple[int, str, str]:
    """`uv run keel-fleet ...`: the console script the project installs, as users run it."""
    result = run([KEEL_BIN / "keel-fleet", *args], cwd, env=tool_env(), check=False)
    return result.returncode, result.stdout, result.stderr


def untouched(repository: Path) -> tuple[str, str]:
    """Everything a command could have changed: refs and HEAD, index and working tree."""
    refs = git(repository, "for-each-ref") + git(repository, "symbolic-ref", "HEAD")
    return refs, git(repository, "status", "--porcelain", "--ignored", "--untracked=all")


# --- status --------------------------------------------------------------------------------


def expected_status(the_fleet: Fleet, name: str, **facts: Any) -> dict[str, Any]:  # noqa: ANN401
    member = FLEET[name]
    return {
        "repository": name,
        "template": str(the_fleet.history.path),
        "commit": the_fleet.recorded(name),
        "newest": NEWEST,
        "kind": member.kind,
        "tool": member.tool,
        "python": member.python,
        "drift": [],
        "conflicts": [],
        "error": None,
        "alerts": [],
        **facts,
    }


def test_status_reports_every_repository_of_the_fleet(the_fleet: Fleet) -> None:
    """One run over all six, named in a list file, two at a time, as JSON."""
    listing = the_fleet.listing()
    before = {name: untouched(the_fleet[name]) for name in FLEET}

    code, stdout, stderr = keel_fleet(
        "status", "--json", "--max-behind", "1", "--jobs", "2", listing, cwd=the_fleet.root
    )

    report = json.loads(stdout)
    two_behind = {"behind": 2, "behind_commits": 3, "behind_versions": 2}
    one_behind = {"behind": 1, "behind_commits": 1, "behind_versions": 1}
    current = {"behind": 0, "behind_commits": 0, "behind_versions": 0, "update": "up to date"}
    assert report["repositories"] == [
        expected_status(
            the_fleet,
            "billing",
            **two_behind,
            drift=["README.md"],
            update="conflict",
            conflicts=["README.md"],
            alerts=["behind by 2 > 1", "update would conflict"],
        ),
        expected_status(
            the_fleet,
            "ledger",
            **{**one_behind, "behind_commits": 2},
            drift=[".pre-commit-config.yaml"],
            update="conflict",
            conflicts=[".pre-commit-config.yaml"],
            alerts=["update would conflict"],
        ),
        expected_status(
            the_fleet,
            "reports",
            **two_behind,
            drift=[".gitignore", "pyproject.toml"],
            update="clean",
            alerts=["behind by 2 > 1"],
        ),
        expected_status(the_fleet, "gateway", **one_behind, update="clean"),
        expected_status(the_fleet, "console", **current, drift=["Dockerfile"]),
        expected_status(the_fleet, "intake", **current),
    ]
    assert report["repositories"][3]["commit"].startswith("v1.1.0-1-g")
    assert report["summary"] == {
        "repositories": 6,
        "up_to_date": 2,
        "clean": 2,
        "conflict": 2,
        "failed": 0,
        "drifted": 4,
        "alerts": 3,
    }
    assert code == 1, stderr
    # One progress line per repository as it finishes, then the summary.
    *progress, summary = stderr.strip().splitlines()
    assert sorted(re.sub(r"^\[\d/6\] ", "", line) for line in progress) == sorted(
        [
            "billing: v1.0.0, behind 2 (3 commits), 1 drifted, update conflict: README.md",
            "console: v1.2.0, behind 0, 1 drifted, update up to date",
            f"gateway: {the_fleet.recorded('gateway')}, behind 1 (1 commit), 0 drifted, "
            "update clean",
            "intake: v1.2.0, behind 0, 0 drifted, update up to date",
            "ledger: v1.1.0, behind 1 (2 commits), 1 drifted, "
            "update conflict: .pre-commit-config.yaml",
            "reports: v1.0.0, behind 2 (3 commits), 2 drifted, update clean",
        ]
    )
    assert [line[:5] for line in progress] == [f"[{i}/6]" for i in range(1, 7)]
    assert summary == (
        "6 repositories: 2 up to date, 2 would update cleanly, 2 would conflict, 0 failed, "
        "4 drifted, 3 need attention."
    )
    # The dry runs happened in clones: no repository changed in any way.
    assert {name: untouched(the_fleet[name]) for name in FLEET} == before


def cells(line: str) -> list[str]:
    return re.split(r" {2,}", line.strip())


def test_status_table_for_people_and_a_quiet_exit(the_fleet: Fleet) -> None:
    """The default output, for a clone and a git URL that need nothing: exit 0."""
    url = f"file://{the_fleet['intake']}"
    code, stdout, stderr = keel_fleet("status", "--jobs", "1", "console", url, cwd=the_fleet.root)

    assert code == 0, stderr
    header, blank, *table = stdout.splitlines()
    assert header == f"Template {the_fleet.history.path}: newest {NEWEST}"
    assert blank == ""
    assert [cells(line) for line in table] == [
        ["REPOSITORY", "COMMIT", "BEHIND", "KIND", "TOOL", "PYTHON", "DRIFT", "UPDATE"],
        ["console", "v1.2.0", "0", "application", "poetry", "3.13", "Dockerfile", "up to date"],
        [url, "v1.2.0", "0", "application", "setuptools", "3.12", "-", "up to date"],
    ]
    assert stderr.splitlines() == [
        "[1/2] console: v1.2.0, behind 0, 1 drifted, update up to date",
        f"[2/2] {url}: v1.2.0, behind 0, 0 drifted, update up to date",
        "2 repositories: 2 up to date, 0 would update cleanly, 0 would conflict, 0 failed, "
        "1 drifted, 0 need attention.",
    ]


def test_status_names_what_it_cannot_read(
    the_fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each unreadable repository is one sentence in its row, and the run still exits 1."""
    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    git(plain, "init", "-q", "-b", "main")
    git(plain, "commit", "-q", "--allow-empty", "-m", "Not generated")

    def answered(name: str, answers: dict[str, str]) -> Path:
        repository = tmp_path / name
        repository.mkdir()
        (repository / fleet.ANSWERS_FILE).write_text(yaml.safe_dump(answers), encoding="utf-8")
        git(repository, "init", "-q", "-b", "main")
        git(repository, "add", "-A")
        git(repository, "commit", "-q", "-m", "Answers only")
        return repository

    answered("lost", {"_src_path": str(tmp_path / "nowhere"), "_commit": "v1.0.0"})
    answered("rewritten", {"_src_path": str(the_fleet.history.path), "_commit": "v0.9.0"})
    answered("uncommitted", {"_src_path": str(the_fleet.history.path)})

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        names = ["missing", "plain/sub", "plain", "lost", "rewritten", "uncommitted"]
        code = fleet.main(["status", "--json", "--jobs", "1", *names])

    rows = json.loads(capsys.readouterr().out)["repositories"]
    errors = {row["repository"]: row["error"] for row in rows}
    assert errors["rewritten"].startswith(
        "the recorded commit v0.9.0 is not in the template's history"
    )
    assert errors | {"rewritten": ""} == {
        "missing": "missing is neither a directory nor a git URL.",
        "plain/sub": "plain/sub is not the root of a git repository.",
        "plain": f"no {fleet.ANSWERS_FILE}: the repository was not generated from a Copier "
        "template.",
        "lost": f"the template {tmp_path / 'nowhere'} is not a git repository Copier can reach.",
        "rewritten": "",
        "uncommitted": f"{fleet.ANSWERS_FILE} records no _commit.",
    }
    assert {tuple(row["alerts"]) for row in rows} == {("cannot be inspected",)}
    assert code == 1


def template_repository(path: Path, tags: list[str | None]) -> list[str]:
    """A git repository with one commit per entry, tagged as given; the commits' hashes."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commits = []
    for number, tag in enumerate(tags):
        (path / "copier.yml").write_text(f"_subdirectory: template{number}\n", encoding="utf-8")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", f"Commit {number}")
        commits.append(git(path, "rev-parse", "HEAD").strip())
        if tag is not None:
            git(path, "tag", tag)
    return commits


@pytest.mark.parametrize(
    ("tags", "recorded", "newest", "commits", "versions", "behind"),
    [
        pytest.param(
            ["v1.0.0", None, "v1.1.0", "v2.0.0rc1"],
            "v1.0.0",
            "v1.1.0",
            2,
            1,
            1,
            id="releases-skip-pre-releases-as-copier-does",
        ),
        pytest.param([None, None, None], 0, "HEAD", 2, None, 2, id="untagged-counts-commits"),
    ],
)
def test_how_far_behind(
    tmp_path: Path,
    tags: list[str | None],
    recorded: str | int,
    newest: str,
    commits: int,
    versions: int | None,
    behind: int,
) -> None:
    """Releases between the recorded commit and the newest, which is what `copier update`
    moves to; commits where the template has no release tags."""
    hashes = template_repository(tmp_path / "template", tags)
    commit = hashes[recorded] if isinstance(recorded, int) else recorded
    answers = {"_src_path": str(tmp_path / "template"), "_commit": commit}

    _, position = fleet.checkout_template(answers, tmp_path / "checkout")

    assert position == fleet.Position(str(tmp_path / "template"), commit, newest, commits, versions)
    assert position.behind == behind


@pytest.mark.parametrize(
    ("command", "option", "value", "sentence"),
    [
        ("status", "--max-behind", "-1", "'-1' is not a whole number of versions (0 or more)"),
        ("status", "--jobs", "0", "'0' is not a number of jobs (1 or more)"),
        ("update", "--branch", "keel/{tag}", "'keel/{tag}' may use {version} and no other {...}"),
        (
            "update",
            "--branch",
            "keel..{version}",
            "'keel..{version}' is not a valid git branch name",
        ),
    ],
)
def test_a_bad_option_is_one_sentence(
    capsys: pytest.CaptureFixture[str], command: str, option: str, value: str, sentence: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        fleet.main([command, "somewhere", f"{option}={value}"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"argument {option}: {sentence}")


# --- update --------------------------------------------------------------------------------


def branches(repository: Path) -> list[str]:
    return git(repository, "branch", "--format=%(refname:short)").split()


def test_update_commits_clean_results_and_refuses_the_rest(the_fleet: Fleet) -> None:
    """A clean update lands on a new branch; a conflict, an up-to-date repository, an
    existing branch and a URL are reported and nothing is committed for them."""
    ledger = the_fleet["ledger"]
    branch = f"keel/update-{NEWEST}"
    git(ledger, "branch", branch)
    url = f"file://{the_fleet['console']}"
    names = ["reports", "billing", "intake", "ledger"]
    before = {name: untouched(the_fleet[name]) for name in names}

    code, stdout, stderr = keel_fleet(
        "update", "--json", "--jobs", "2", *names, url, cwd=the_fleet.root
    )

    reports = the_fleet["reports"]
    report = json.loads(stdout)

    def moved(name: str, **facts: Any) -> dict[str, Any]:  # noqa: ANN401
        return {
            "repository": name,
            "template": str(the_fleet.history.path),
            "commit": the_fleet.recorded(name),
            "newest": NEWEST,
            "branch": None,
            "revision": None,
            "files": [],
            "conflicts": [],
            "error": None,
            **facts,
        }

    assert report["repositories"] == [
        moved(
            "reports",
            result="committed",
            branch=branch,
            revision=git(reports, "rev-parse", branch).strip(),
            files=[
                fleet.ANSWERS_FILE,
                ".gitignore",
                ".pre-commit-config.yaml",
                "README.md",
                "pyproject.toml",
            ],
        ),
        moved("billing", result="conflict", conflicts=["README.md"]),
        moved("intake", result="up to date"),
        moved(
            "ledger",
            result=None,
            error=f"the branch {branch} already exists; delete it or pass --branch.",
        ),
        {
            "repository": url,
            "template": None,
            "commit": None,
            "newest": None,
            "result": None,
            "branch": None,
            "revision": None,
            "files": [],
            "conflicts": [],
            "error": f"update needs a local clone of {url}; clone it.",
        },
    ]
    assert report["summary"] == {
        "repositories": 5,
        "committed": 1,
        "up_to_date": 1,
        "conflict": 1,
        "failed": 2,
    }
    assert code == 1, stderr
    assert stderr.strip().splitlines()[-1] == (
        "5 repositories: 1 committed, 1 up to date, 1 not committed (conflicts), 2 failed."
    )

    # The clean update is one commit on top of the repository's HEAD, which stays put.
    assert untouched(reports)[1] == before["reports"][1]
    assert branches(reports) == [branch, "main"]
    assert (
        git(reports, "rev-parse", f"{branch}^").strip() == git(reports, "rev-parse", "main").strip()
    )
    assert git(reports, "log", "-1", "--format=%s", branch).strip() == f"Update from Keel {NEWEST}"
    answers = yaml.safe_load(git(reports, "show", f"{branch}:{fleet.ANSWERS_FILE}"))
    assert answers["_commit"] == NEWEST
    ignored = git(reports, "show", f"{branch}:.gitignore").splitlines()
    assert {"/scratch/", "*.so"} <= set(ignored), "the team's line and Keel's, merged"
    assert "warn_unreachable = true" in git(reports, "show", f"{branch}:pyproject.toml")
    # Nothing else changed anywhere: no branch, no commit, no file.
    for name in ("billing", "intake", "ledger"):
        assert untouched(the_fleet[name]) == before[name], name


# --- the organisation page -----------------------------------------------------------------

ORGANISATION = ROOT / "docs" / "how-to" / "organisation.md"


def test_the_organisation_page_shows_the_report_as_the_command_prints_it() -> None:
    """The sample report's columns and its JSON keys are the command's own."""
    page = ORGANISATION.read_text(encoding="utf-8")
    [sample] = re.findall(r"```json\n(.*?)```", page, flags=re.DOTALL)
    assert list(json.loads(sample)) == [f.name for f in dataclasses.fields(fleet.Status)]
    header = fleet.status_table([]).strip()
    assert cells(header) in [cells(line) for line in page.splitlines()]
    assert "uv run keel-fleet status" in page
    assert "copier check-update --output-format json" not in page, "the hand-written loop"
