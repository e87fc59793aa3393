"""keel-fleet: see and move every repository generated from Keel at once.

    uv run keel-fleet status REPO...  [--json] [--max-behind N] [--jobs N]
    uv run keel-fleet update REPO...  [--json] [--branch NAME] [--jobs N]

A REPO is a local clone, a git URL, or a file listing them (one a line, `#` comments).

`status` says, for each repository, which template and which commit of it the repository
was last generated or updated from, how far that is behind the template's newest version,
its key answers, its drift (the template-owned files whose content differs from a fresh
render of its own answers at its own recorded commit: what the team edited by hand), and
whether `copier update` to the newest version would apply cleanly or conflict. It exits
with 1 when any repository is behind by more than `--max-behind`, would conflict, or cannot
be read, so a scheduled job can alert.

`update` runs the documented update (`copier update --trust --defaults`) for each
repository and commits a clean result on a new branch of that repository; a result with
conflicts is reported and never committed.

Every repository is worked on in a temporary clone of its current commit (HEAD): its
working tree, index and checked-out branch are never touched, and `update` only adds the
new branch. Template-owned files are every file the template renders except those
`copier update` leaves to the user (copier.yml's `_exclude` on update and
`_skip_if_exists`, read by keel/updating.py, as the update tier's tests read them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

import copier
import yaml

# Copier's own reading of a template location (`gh:` shorthands) and of its newest version
# (PEP 440 tags, pre-releases skipped, HEAD when untagged): the fleet must call "newest"
# exactly what `copier update` moves to. Internal modules, so Keel's lock pins Copier and
# tests/test_fleet.py fails loudly if they move.
from copier._vcs import get_latest_tag, get_repo, valid_version
from packaging.version import Version

from keel.updating import conflicted_files, user_owned

ANSWERS_FILE: Final = ".copier-answers.yml"
# The answers the report shows for each repository: {column: question in copier.yml}.
KEY_ANSWERS: Final = {"kind": "project_kind", "tool": "package_manager", "python": "python_version"}
DEFAULT_BRANCH: Final = "keel/update-{version}"
COMMIT_MESSAGE: Final = "Update from Keel {version}"
# In each repository's scratch folder: what Copier and its tasks printed.
LOG: Final = "output.log"

UP_TO_DATE: Final = "up to date"
CLEAN: Final = "clean"
CONFLICT: Final = "conflict"
FAILS: Final = "fails"
COMMITTED: Final = "committed"


class FleetError(Exception):
    """A repository that cannot be inspected or updated; the message is one sentence."""


# ─── Where the repositories are ───────────────────────────────────────────────


@dataclass(frozen=True)
class Source:
    """A repository as the user named it, and where git finds it."""

    name: str
    location: str
    local: bool


def sources(arguments: Sequence[str]) -> list[Source]:
    """Each REPO argument: a directory, a git URL, or a file listing either (relative
    entries of a list are read from the list's folder)."""
    found: list[Source] = []
    for argument in arguments:
        path = Path(argument).expanduser()
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            entries = [line.strip() for line in lines]
            found += [
                _source(entry, path.parent)
                for entry in entries
                if entry and not entry.startswith("#")
            ]
        else:
            found.append(_source(argument, Path.cwd()))
    return found


def _source(entry: str, base: Path) -> Source:
    path = base / Path(entry).expanduser()
    if path.is_dir():
        return Source(entry, str(path.resolve()), local=True)
    url = get_repo(entry) or (entry if "://" in entry else None)
    return Source(entry, url or "", local=False)


# ─── What one repository says about itself ───────────────────────────────────


def _git(where: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """git's output; a failure becomes the FleetError of git's own first line."""
    result = subprocess.run(
        ["git", *args], cwd=where, capture_output=True, text=True, check=False, env=env
    )
    if result.returncode != 0:
        reason = next(iter(result.stderr.strip().splitlines()), f"exit {result.returncode}")
        raise FleetError(f"git {args[0]} failed: {reason.removeprefix('fatal: ')}")
    return result.stdout.strip()


def clone(source: Source, destination: Path) -> Path:
    """A throwaway clone of the repository's current commit."""
    if not source.location:
        msg = f"{source.name} is neither a directory nor a git URL."
        raise FleetError(msg)
    if source.local and not Path(source.location, ".git").exists():
        msg = f"{source.name} is not the root of a git repository."
        raise FleetError(msg)
    depth = [] if source.local else ["--depth=1"]
    _git(Path.cwd(), "clone", "--quiet", *depth, "--", source.location, str(destination))
    return destination


def answers_of(project: Path) -> dict[str, Any]:
    """The project's `.copier-answers.yml`, with the two keys the fleet cannot do without."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        msg = f"no {ANSWERS_FILE}: the repository was not generated from a Copier template."
        raise FleetError(msg)
    answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(answers, dict):
        msg = f"{ANSWERS_FILE} is not a mapping of answers."
        raise FleetError(msg)
    missing = [key for key in ("_src_path", "_commit") if not answers.get(key)]
    if missing:
        msg = f"{ANSWERS_FILE} records no {' and no '.join(missing)}."
        raise FleetError(msg)
    return answers


@dataclass(frozen=True)
class Position:
    """Where a repository stands in its template's history."""

    template: str
    commit: str
    newest: str
    behind_commits: int
    behind_versions: int | None  # None: the template has no version tags

    @property
    def behind(self) -> int:
        """Versions behind, or commits where the template is not released by tags."""
        return self.behind_commits if self.behind_versions is None else self.behind_versions


def checkout_template(answers: dict[str, Any], destination: Path) -> tuple[Path, Position]:
    """The template at the repository's recorded commit, and how far that is from newest."""
    source, commit = str(answers["_src_path"]), str(answers["_commit"])
    url = get_repo(source)
    if url is None:
        msg = f"the template {source} is not a git repository Copier can reach."
        raise FleetError(msg)
    newest = get_latest_tag(url)
    _git(Path.cwd(), "clone", "--quiet", "--no-checkout", "--", url, str(destination))
    try:
        _git(destination, "checkout", "--quiet", "--detach", f"{commit}^{{commit}}", "--")
    except FleetError as error:
        msg = f"the recorded commit {commit} is not in the template's history ({error})."
        raise FleetError(msg) from None
    target = "origin/HEAD" if newest == "HEAD" else f"{newest}^{{commit}}"
    target = _git(destination, "rev-parse", "--verify", target)
    commits = int(_git(destination, "rev-list", "--count", f"HEAD..{target}"))
    versions = None
    if newest != "HEAD":
        tags = _git(destination, "tag", "--merged", target, "--no-merged", "HEAD").split()
        versions = len([t for t in tags if valid_version(t) and not Version(t).is_prerelease])
    return destination, Position(source, commit, newest, commits, versions)


def drift(project: Path, answers: dict[str, Any], template: Path, scratch: Path) -> list[str]:
    """Template-owned files whose content differs from a fresh render of the project's own
    answers at its own recorded commit (a deleted one included): the hand edits."""
    rendered = scratch / "render"
    try:
        copier.run_copy(
            str(answers["_src_path"]),
            rendered,
            data={k: v for k, v in answers.items() if not k.startswith("_")},
            vcs_ref=str(answers["_commit"]),
            defaults=True,
            unsafe=True,
            quiet=True,
            skip_tasks=True,
        )
    except Exception as error:  # Copier's failures: one line per repository
        msg = f"rendering its answers at {answers['_commit']} fails: {_reason(error, scratch)}"
        raise FleetError(msg) from None
    files = [
        p.relative_to(rendered).as_posix()
        for p in rendered.rglob("*")
        if p.is_file() and not p.is_symlink()
    ]
    owned = {ANSWERS_FILE, *user_owned(template, files)}
    return sorted(
        name
        for name in files
        if name not in owned
        and (
            not (project / name).is_file()
            or (project / name).read_bytes() != (rendered / name).read_bytes()
        )
    )


def dry_update(project: Path, scratch: Path) -> list[str]:
    """`copier update --trust --defaults` in `project` (a clone); the files it left
    conflicted. Raises FleetError with Keel's own sentence when the update fails."""
    try:
        copier.run_update(str(project), defaults=True, overwrite=True, unsafe=True, quiet=True)
    except Exception as error:  # Copier's and its tasks' failures: one line per repository
        raise FleetError(f"copier update fails: {_reason(error, scratch)}") from None
    return conflicted_files(project)


def _reason(error: BaseException, scratch: Path) -> str:
    """What went wrong in one line, preferring the sentence a Keel task printed (into the
    scratch folder's log) over Copier's."""
    sys.stdout.flush()
    sys.stderr.flush()
    log = scratch / LOG
    said = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    keel = [line.strip() for line in said.splitlines() if line.startswith("Keel:")]
    return keel[0] if keel else (str(error).strip().splitlines() or [type(error).__name__])[0]


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """Send what this process and its subprocesses (Copier's tasks) print to `log` for a
    while, so the report on stdout stays readable, and JSON stays JSON."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("a", encoding="utf-8") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            with contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
                yield
        finally:
            handle.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


class Report(Protocol):
    """A repository's line of either command's report."""

    def fail(self, sentence: str) -> None:
        """Record why the command could not finish with this repository."""


@contextlib.contextmanager
def workspace(report: Report) -> Iterator[Path]:
    """A scratch folder for one repository, with what Copier prints sent to its log; a
    failure inside becomes the report's one sentence, so one repository never stops a run."""
    with tempfile.TemporaryDirectory(prefix="keel-fleet-") as folder:
        scratch = Path(folder)
        try:
            with output_to(scratch / LOG):
                yield scratch
        except Exception as error:
            report.fail(str(error) if isinstance(error, FleetError) else _reason(error, scratch))


def locate(source: Source, scratch: Path) -> tuple[Path, dict[str, Any], Path, Position]:
    """A clone of the repository, its answers, its template at the recorded commit, and
    where that commit stands: what both commands start from."""
    project = clone(source, scratch / "repository")
    answers = answers_of(project)
    template, position = checkout_template(answers, scratch / "template")
    return project, answers, template, position


# ─── status ──────────────────────────────────────────────────────────────────


@dataclass
class Status:
    """One repository's line of the fleet report."""

    repository: str
    template: str | None = None
    commit: str | None = None
    newest: str | None = None
    behind: int | None = None
    behind_commits: int | None = None
    behind_versions: int | None = None
    kind: str | None = None
    tool: str | None = None
    python: str | None = None
    drift: list[str] = field(default_factory=list)
    update: str | None = None
    conflicts: list[str] = field(default_factory=list)
    error: str | None = None
    alerts: list[str] = field(default_factory=list)

    def fail(self, sentence: str) -> None:
        self.error = sentence
        if self.update != FAILS:
            self.update = None

    def judge(self, max_behind: int) -> None:
        """Why a scheduled job should alert on this repository (nothing: no alert)."""
        self.alerts = []
        if self.error is not None and self.update != FAILS:
            self.alerts.append("cannot be inspected")
        if self.behind is not None and self.behind > max_behind:
            self.alerts.append(f"behind by {self.behind} > {max_behind}")
        if self.update == CONFLICT:
            self.alerts.append("update would conflict")
        if self.update == FAILS:
            self.alerts.append("update fails")


def inspect(source: Source) -> Status:
    """Everything `status` reports about one repository, never touching it."""
    status = Status(source.name)
    with workspace(status) as scratch:
        project, answers, template, position = locate(source, scratch)
        status.template, status.commit = position.template, position.commit
        status.newest, status.behind = position.newest, position.behind
        status.behind_commits = position.behind_commits
        status.behind_versions = position.behind_versions
        for column, question in KEY_ANSWERS.items():
            value = answers.get(question)
            setattr(status, column, None if value is None else str(value))
        status.drift = drift(project, answers, template, scratch)
        if position.behind_commits == 0:
            status.update = UP_TO_DATE
        else:
            status.update = FAILS  # until the dry run says otherwise
            status.conflicts = dry_update(project, scratch)
            status.update = CONFLICT if status.conflicts else CLEAN
    return status


# ─── update ──────────────────────────────────────────────────────────────────


@dataclass
class Moved:
    """What `update` did to one repository."""

    repository: str
    template: str | None = None
    commit: str | None = None
    newest: str | None = None
    result: str | None = None
    branch: str | None = None
    revision: str | None = None
    files: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    error: str | None = None

    def fail(self, sentence: str) -> None:
        self.error = sentence
        if self.result != FAILS:
            self.result = None


def move(source: Source, branch_pattern: str) -> Moved:
    """Update one repository in a clone; commit a clean result to a new branch of it."""
    moved = Moved(source.name)
    with workspace(moved) as scratch:
        if not source.local:
            msg = f"update needs a local clone of {source.name}; clone it."
            raise FleetError(msg)
        repository = Path(source.location)
        project, _, _, position = locate(source, scratch)
        moved.template, moved.commit = position.template, position.commit
        moved.newest = position.newest
        if position.behind_commits == 0:
            moved.result = UP_TO_DATE
            return moved
        branch = branch_pattern.format(version=position.newest)
        if _has_branch(repository, branch):
            msg = f"the branch {branch} already exists; delete it or pass --branch."
            raise FleetError(msg)
        moved.result = FAILS  # until the update says otherwise
        moved.conflicts = dry_update(project, scratch)
        if moved.conflicts:
            moved.result = CONFLICT
            return moved
        _git(project, "add", "--all")
        message = COMMIT_MESSAGE.format(version=position.newest)
        _git(project, "commit", "--quiet", "-m", message, env=_identity(repository))
        _git(repository, "fetch", "--quiet", str(project), f"HEAD:refs/heads/{branch}")
        moved.result, moved.branch = COMMITTED, branch
        moved.revision = _git(repository, "rev-parse", f"refs/heads/{branch}")
        moved.files = _git(project, "diff", "--name-only", "HEAD~1").splitlines()
    return moved


def _has_branch(repository: Path, branch: str) -> bool:
    result = subprocess.run(
        ["git", "show-ref", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=repository,
        check=False,
    )
    return result.returncode == 0


def _identity(repository: Path) -> dict[str, str]:
    """The environment for the commit made in the clone: a committer set in the
    repository's own config (which a clone does not copy) applies, as it would there."""
    env = dict(os.environ)
    for key in ("name", "email"):
        value = subprocess.run(
            ["git", "config", "--local", f"user.{key}"],
            cwd=repository,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        for role in ("AUTHOR", "COMMITTER"):
            if value and f"GIT_{role}_{key.upper()}" not in env:
                env[f"GIT_{role}_{key.upper()}"] = value
    return env


# ─── Running over the fleet ──────────────────────────────────────────────────

Line = TypeVar("Line", Status, Moved)


def run_all(
    work: Callable[..., Line],
    found: Sequence[Source],
    jobs: int,
    say: Callable[[Line], str],
    *args: object,
) -> list[Line]:
    """`work` for every repository, `jobs` at a time, one progress line (stderr) as each
    finishes; the reports in the order the repositories were given.

    Separate processes, not threads: Copier changes the working directory while it runs.
    """
    results: dict[int, Line] = {}

    def done(index: int, report: Line) -> None:
        results[index] = report
        print(f"[{len(results)}/{len(found)}] {found[index].name}: {say(report)}", file=sys.stderr)

    if jobs <= 1 or len(found) <= 1:
        for index, source in enumerate(found):
            done(index, work(source, *args))
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(jobs, len(found)), mp_context=context) as pool:
            futures = {pool.submit(work, source, *args): i for i, source in enumerate(found)}
            for future in as_completed(futures):
                done(futures[future], future.result())
    return [results[index] for index in range(len(found))]


def _behind(status: Status) -> str:
    """Versions (and commits) behind; commits alone for an untagged template."""
    if status.behind_commits is None:
        return "-"
    commits = f"{status.behind_commits} commit{'' if status.behind_commits == 1 else 's'}"
    if status.behind_versions is None:
        return commits
    return f"{status.behind_versions} ({commits})" if status.behind_commits else "0"


def _update_cell(status: Status) -> str:
    if status.update == CONFLICT:
        return f"conflict: {', '.join(status.conflicts)}"
    if status.update == FAILS:
        return f"fails: {status.error}"
    if status.error is not None:
        return f"error: {status.error}"
    return status.update or "-"


def say_status(status: Status) -> str:
    """One progress line."""
    if status.commit is None:
        return f"error: {status.error}"
    return (
        f"{status.commit}, behind {_behind(status)}, "
        f"{len(status.drift)} drifted, update {_update_cell(status)}"
    )


def _detail(moved: Moved) -> str:
    if moved.result == COMMITTED:
        return f"{moved.branch} ({len(moved.files)} files changed)"
    if moved.result == CONFLICT:
        return ", ".join(moved.conflicts)
    return moved.error or ""


def say_moved(moved: Moved) -> str:
    """One progress line."""
    result = moved.result or "error"
    return f"{result}: {_detail(moved)}" if _detail(moved) else result


def table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def status_table(statuses: Sequence[Status]) -> str:
    """The readable report: each template with its newest version, then one row each."""
    templates = dict.fromkeys((s.template, s.newest) for s in statuses if s.template)
    lines = [f"Template {template}: newest {newest}" for template, newest in templates]
    header = ("REPOSITORY", "COMMIT", "BEHIND", "KIND", "TOOL", "PYTHON", "DRIFT", "UPDATE")
    rows = [
        (
            s.repository,
            s.commit or "-",
            _behind(s),
            s.kind or "-",
            s.tool or "-",
            s.python or "-",
            ", ".join(s.drift) or "-",
            _update_cell(s),
        )
        for s in statuses
    ]
    return "\n".join([*lines, "", table([header, *rows])] if lines else [table([header, *rows])])


def status_summary(statuses: Sequence[Status]) -> dict[str, int]:
    def count(test: Callable[[Status], bool]) -> int:
        return sum(1 for s in statuses if test(s))

    return {
        "repositories": len(statuses),
        "up_to_date": count(lambda s: s.update == UP_TO_DATE),
        "clean": count(lambda s: s.update == CLEAN),
        "conflict": count(lambda s: s.update == CONFLICT),
        "failed": count(lambda s: s.error is not None),
        "drifted": count(lambda s: bool(s.drift)),
        "alerts": count(lambda s: bool(s.alerts)),
    }


def moved_summary(moves: Sequence[Moved]) -> dict[str, int]:
    return {
        "repositories": len(moves),
        "committed": sum(1 for m in moves if m.result == COMMITTED),
        "up_to_date": sum(1 for m in moves if m.result == UP_TO_DATE),
        "conflict": sum(1 for m in moves if m.result == CONFLICT),
        "failed": sum(1 for m in moves if m.error is not None),
    }


def sentence(summary: dict[str, int], words: dict[str, str]) -> str:
    """A summary as one line: `6 repositories: 2 up to date, ...`."""
    parts = [f"{summary[key]} {word}" for key, word in words.items()]
    count = summary["repositories"]
    return f"{count} {'repository' if count == 1 else 'repositories'}: {', '.join(parts)}."


STATUS_WORDS: Final = {
    "up_to_date": "up to date",
    "clean": "would update cleanly",
    "conflict": "would conflict",
    "failed": "failed",
    "drifted": "drifted",
    "alerts": "need attention",
}
MOVED_WORDS: Final = {
    "committed": "committed",
    "up_to_date": "up to date",
    "conflict": "not committed (conflicts)",
    "failed": "failed",
}


# ─── Command line ─────────────────────────────────────────────────────────────


def parser() -> argparse.ArgumentParser:
    """`status` and `update`, each taking the repositories and --json / --jobs."""
    top = argparse.ArgumentParser(
        prog="keel-fleet", description="See and move every repository generated from Keel."
    )
    commands = top.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "repositories",
        nargs="+",
        metavar="REPO",
        help="a local clone, a git URL, or a file listing them (one a line)",
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    common.add_argument(
        "--jobs",
        type=_positive,
        default=min(4, os.cpu_count() or 1),
        metavar="N",
        help="repositories worked on at once (default: the CPUs, at most 4)",
    )
    status = commands.add_parser(
        "status",
        parents=[common],
        help="commit, behind-count, drift and update prediction of each repository",
    )
    status.add_argument(
        "--max-behind",
        type=_natural,
        default=0,
        metavar="N",
        help="exit 1 when a repository is more than N releases behind (commits, for a template "
        "without tags; default 0)",
    )
    update = commands.add_parser(
        "update",
        parents=[common],
        help="update each repository on a new branch; commit only clean results",
    )
    update.add_argument(
        "--branch",
        type=_branch,
        default=DEFAULT_BRANCH,
        help="the new branch; {version} is the template's newest (default %(default)s)",
    )
    return top


def _branch(pattern: str) -> str:
    """A branch name, where `{version}` stands for the template's newest version."""
    try:
        name = pattern.format(version="v1.0.0")
    except (KeyError, IndexError, ValueError):
        msg = f"{pattern!r} may use {{version}} and no other {{...}}"
        raise argparse.ArgumentTypeError(msg) from None
    valid = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    if valid.returncode != 0:
        msg = f"{pattern!r} is not a valid git branch name"
        raise argparse.ArgumentTypeError(msg)
    return pattern


def _natural(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"{text!r} is not a whole number of versions (0 or more)"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(text: str) -> int:
    value = _natural(text) if text.isdigit() else 0
    if value < 1:
        msg = f"{text!r} is not a number of jobs (1 or more)"
        raise argparse.ArgumentTypeError(msg)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """The `keel-fleet` command: 0 when nothing needs attention, 1 when something does,
    2 for a bad command line."""
    args = parser().parse_args(argv)
    found = sources(args.repositories)
    if not found:
        print("keel-fleet: no repositories given (the list files are empty).", file=sys.stderr)
        return 2
    if args.command == "status":
        statuses = run_all(inspect, found, args.jobs, say_status)
        for status in statuses:
            status.judge(args.max_behind)
        summary = status_summary(statuses)
        if args.json:
            report = {"repositories": [asdict(s) for s in statuses], "summary": summary}
            print(json.dumps(report, indent=2))
        else:
            print(status_table(statuses))
        sys.stdout.flush()
        print(sentence(summary, STATUS_WORDS), file=sys.stderr)
        return 1 if summary["alerts"] else 0
    moves = run_all(move, found, args.jobs, say_moved, args.branch)
    moved = moved_summary(moves)
    if args.json:
        print(json.dumps({"repositories": [asdict(m) for m in moves], "summary": moved}, indent=2))
    else:
        rows = [(m.repository, m.result or "error", _detail(m) or "-") for m in moves]
        print(table([("REPOSITORY", "RESULT", "DETAIL"), *rows]))
    sys.stdout.flush()
    print(sentence(moved, MOVED_WORDS), file=sys.stderr)
    return 1 if moved["conflict"] or moved["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
