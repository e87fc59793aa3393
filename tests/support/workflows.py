"""The gate a generated project's GitHub workflows must pass, and readers for what they say.

The clean test and the mutation tests in tests/test_workflows.py call the same `gate`, so a
mutation it lets through is a hole in what the clean test proves, not in a copy of it.

The gate is three linters plus a short policy for what they do not enforce:

* actionlint, with shellcheck on every `run:` script;
* zizmor, offline, with the pedantic persona: the default persona does not report a
  workflow-level `id-token: write` (measured with zizmor 1.32); the generated
  `.github/zizmor.yml` is honoured, as it would be in the project;
* check-jsonschema with its vendored SchemaStore schemas for workflows and dependabot.yml;
* `policy`: Keel's rules, read from the parsed YAML, among them least privilege per job:
  a job may write only the scopes WRITE_SCOPES grants it.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from check_jsonschema.cli import main as check_jsonschema_cli  # type: ignore[import-untyped]
from click.testing import CliRunner

from tests.support.rendering import load_yaml
from tests.support.toolchain import KEEL_BIN, run

# `owner/repo@<commit SHA> # vX.Y.Z`, as written by includes/workflow_pins.jinja.
PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40} # v\d+(?:\.\d+){0,2}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>.+?)\s*$")
SHELL_SEPARATORS = {";", "&&", "||", "|", "(", ")", "$("}

# Least privilege, the one table: (workflow file, job id) -> each scope that job may
# `write`, with why it needs it. Any other write is a finding, and so is an entry here that
# its job no longer uses (the table must say what the workflows need, no more).
WRITE_SCOPES: dict[tuple[str, str], dict[str, str]] = {
    ("template-update.yml", "pull-request"): {
        "contents": "pushes the keel/template-update branch",
        "pull-requests": "opens or refreshes the update's pull request",
    },
    ("release-image.yml", "image"): {
        "packages": "pushes the image to ghcr.io",
        "id-token": "signs the image's attestation (Sigstore, by OIDC)",
        "attestations": "stores the attestation with the repository",
    },
    ("publish.yml", "pypi"): {
        "id-token": "trusted publishing to PyPI and the attestations' signatures",
    },
    ("publish.yml", "testpypi"): {
        "id-token": "trusted publishing to TestPyPI and the attestations' signatures",
    },
}


@dataclass(frozen=True)
class Finding:
    """One complaint of one tool of the gate."""

    tool: str
    detail: str


def workflow_files(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


def workflows(project: Path) -> dict[str, dict[str, Any]]:
    """Every workflow by file name, parsed (PyYAML reads the key `on` as True)."""
    return {path.name: load_yaml(path) for path in workflow_files(project)}


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    raw = workflow.get("on", workflow.get(True))
    if isinstance(raw, str):
        return {raw: None}
    if isinstance(raw, list):
        return dict.fromkeys(raw)
    assert isinstance(raw, dict)
    return raw


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, step) for every step of every job."""
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def commands(script: str) -> list[list[str]]:
    """The words of each line of a `run:` script (continuations joined), for lookups."""
    lines = script.replace("\\\n", " ").splitlines()
    words: list[list[str]] = []
    for line in lines:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:  # an unbalanced quote inside $(...): fall back to plain words
            tokens = line.split()
        if tokens:
            words.append(tokens)
    return words


def runs(workflow: dict[str, Any], job: str | None = None) -> list[list[str]]:
    """The commands of every `run:` step (of one job, when given)."""
    found: list[list[str]] = []
    for job_id, step in steps(workflow):
        if "run" in step and job in (None, job_id):
            found += commands(step["run"])
    return found


def contains(words: list[str], sequence: tuple[str, ...]) -> bool:
    """Whether `sequence` occurs in `words` as consecutive words."""
    n = len(sequence)
    return any(tuple(words[i : i + n]) == sequence for i in range(len(words) - n + 1))


# --- the gate ---------------------------------------------------------------------------


def check_jsonschema(*args: str | Path) -> tuple[int, str]:
    """check-jsonschema's own command line, run in this process.

    Its imports take about a second per process and a check about a tenth of that, so the
    gate calls it in-process rather than twice per project in a subprocess.
    """
    result = CliRunner().invoke(check_jsonschema_cli, [str(arg) for arg in args])
    return result.exit_code, result.output.strip()


def gate(project: Path) -> list[Finding]:
    """Everything the linters and the policy report on the project's .github/; [] = clean."""
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is needed (scripts/provision.py installs it)"
    files = workflow_files(project)
    assert files, f"no workflows in {project}"
    checks: dict[str, list[str | Path]] = {
        "actionlint": [KEEL_BIN / "actionlint", "-no-color", "-shellcheck", shellcheck, *files],
        "zizmor": [
            *(KEEL_BIN / "zizmor", "--offline", "--persona", "pedantic"),
            *("--no-progress", "--format", "plain", project),
        ],
    }
    findings: list[Finding] = []
    for tool, args in checks.items():
        result = run(args, project, check=False)
        if result.returncode != 0:
            findings.append(Finding(tool, (result.stdout + result.stderr).strip()))
    schemas = {
        "vendor.github-workflows": files,
        "vendor.dependabot": [project / ".github" / "dependabot.yml"],
    }
    for schema, paths in schemas.items():
        code, output = check_jsonschema("--builtin-schema", schema, *paths)
        if code != 0:
            findings.append(Finding("check-jsonschema", output))
    findings += [Finding("policy", problem) for problem in policy(project)]
    return findings


def policy(project: Path) -> list[str]:
    """Keel's rules that the linters above leave out (or only some personas enforce)."""
    problems: list[str] = []
    for path in workflow_files(project):
        name = path.name
        workflow = load_yaml(path)
        if workflow.get("permissions") != {}:
            problems.append(f"{name}: top-level `permissions` must be {{}}, not per workflow")
        if "concurrency" not in workflow:
            problems.append(f"{name}: no `concurrency` group")
        for job_id, job in workflow["jobs"].items():
            if "permissions" not in job:
                problems.append(f"{name}: job {job_id} does not state its `permissions`")
            else:
                problems += least_privilege(name, job_id, job["permissions"])
        for job_id, step in steps(workflow):
            if "${{" in step.get("run", ""):
                problems.append(f"{name}: job {job_id}: `${{{{ }}}}` in `run:`; use `env:`")
        # Comments are not in the parsed YAML, so the `# vX.Y.Z` is read from the line.
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = USES_LINE.match(line)
            if match and not PINNED_USES.match(match["ref"]):
                problems.append(f"{name}:{number}: `{match['ref']}` is not `<action>@<sha> # vX`")
    # zizmor's dependabot-cooldown audit reads only the first entry (zizmor 1.32).
    for update in load_yaml(project / ".github" / "dependabot.yml")["updates"]:
        if not update.get("cooldown", {}).get("default-days"):
            problems.append(f"dependabot.yml: {update['package-ecosystem']} has no cooldown")
    return problems


def least_privilege(workflow: str, job: str, permissions: object) -> list[str]:
    """What a job's `permissions` grant beyond, or short of, its entry in WRITE_SCOPES.

    Read from the parsed YAML, so a trailing comment or odd spacing changes nothing. The
    shorthands (`write-all`, `read-all`) are refused: a job names each scope it needs.
    """
    where = f"{workflow}: job {job}"
    if not isinstance(permissions, dict):
        return [f"{where}: `permissions: {permissions}`; name each scope instead"]
    allowed = WRITE_SCOPES.get((workflow, job), {})
    writes = {str(scope) for scope, level in permissions.items() if level == "write"}
    problems = [
        f"{where}: `{scope}: write` is not in WRITE_SCOPES (least privilege)"
        for scope in sorted(writes - allowed.keys())
    ]
    problems += [
        f"{where}: WRITE_SCOPES grants `{scope}: write`, which the job no longer asks for"
        for scope in sorted(allowed.keys() - writes)
    ]
    problems += [
        f"{where}: `{scope}: {level}` is not read, write or none"
        for scope, level in permissions.items()
        if level not in {"read", "write", "none"}
    ]
    return problems


# --- readers ----------------------------------------------------------------------------


def pinned_actions(template_dir: Path) -> dict[str, str]:
    """includes/workflow_pins.jinja's actions: name -> `<sha> # vX.Y.Z`."""
    return _pins(template_dir, "actions")


def pinned_tools(template_dir: Path) -> dict[str, str]:
    """includes/workflow_pins.jinja's PyPI tools: name -> version."""
    return _pins(template_dir, "tools")


def _pins(template_dir: Path, table: str) -> dict[str, str]:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))
    module = environment.get_template("includes/workflow_pins.jinja").module
    pins = getattr(module, table)
    assert isinstance(pins, dict)
    return {str(name): str(pin) for name, pin in pins.items()}


def dockerfile_args(path: Path) -> dict[str, str | None]:
    """Each `ARG name[=default]` of a Dockerfile (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        words = line.split(None, 1)
        if len(words) == 2 and words[0].upper() == "ARG":
            for declaration in shlex.split(words[1]):
                name, equals, default = declaration.partition("=")
                if equals or name not in found:  # a later bare `ARG name` keeps the default
                    found[name] = default if equals else None
    return found


def console_lines(markdown: Path) -> set[str]:
    """The lines of every ```console block of a Markdown file."""
    lines: set[str] = set()
    inside = False
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside and line.strip() == "```console"
        elif inside:
            lines.add(line.split("#", 1)[0].strip())
    return lines
