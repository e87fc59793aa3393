"""The documentation site: generated questions reference, complete navigation, strict build.

Builds run on a copy of zensical.toml and docs/ (Zensical writes its site and cache inside
the project folder), through scripts/build_docs.py, exactly as a contributor builds them.
The reference is also committed, so links to it work on a forge; a test keeps it current.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from jinja2 import nodes
from packaging.version import Version

from extensions import derived
from keel.questionnaire import Questionnaire, Rejection, examples, load
from tests.support.questionnaire import ROOT, asked, choices
from tests.support.rendering import copy_template

BUILD_SCRIPT = ROOT / "scripts" / "build_docs.py"
REFERENCE = Path("docs/reference/questions.md")


def build_docs(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run scripts/build_docs.py with Keel's interpreter; the caller checks the result."""
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def copy_site(destination: Path) -> Path:
    """zensical.toml and docs/ (without a previously generated reference) in `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "zensical.toml", destination / "zensical.toml")
    shutil.copytree(ROOT / "docs", destination / "docs")
    (destination / REFERENCE).unlink(missing_ok=True)
    return destination


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the site with the questions reference generated into it."""
    project = copy_site(tmp_path_factory.mktemp("site"))
    result = build_docs("--project", project, "--reference-only")
    assert result.returncode == 0, result.stderr
    return project


def sections(markdown: str, level: str = "##") -> dict[str, str]:
    """`{name: body}` for each heading `## `name` { #name }`; a body ends at the next heading."""
    pattern = re.compile(rf"^{level} `([^`]+)` \{{ #\1 \}}$", re.MULTILINE)
    headings = [m.start() for m in re.finditer(r"^#+ ", markdown, re.MULTILINE)]
    found: dict[str, str] = {}
    for match in pattern.finditer(markdown):
        end = next((h for h in headings if h > match.start()), len(markdown))
        found[match.group(1)] = markdown[match.end() : end]
    return found


def affected_files(section: str) -> dict[str, str]:
    """The "Template files it affects" list of a reference section: `{path: how}`."""
    if "**Template files it affects:**" not in section:
        return {}
    listing = section.split("**Template files it affects:**", 1)[1]
    return dict(re.findall(r"^ {4}- `([^`]+)`: (.*)$", listing, flags=re.MULTILINE))


def as_written(value: object) -> str:
    """A copier.yml value as the reference shows it: YAML's spelling (`true`), one line."""
    if isinstance(value, str):
        return " ".join(value.split())
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


# ─── (1) Every asked question is in the generated reference ───────────────────


def test_every_asked_question_is_in_the_reference_in_order(site: Path) -> None:
    documented = sections((site / REFERENCE).read_text(encoding="utf-8"))
    questions = [name for name in documented if name in asked()]
    assert questions == list(asked())


@pytest.mark.parametrize("question", list(asked()))
def test_reference_shows_default_and_choices(site: Path, question: str) -> None:
    body = sections((site / REFERENCE).read_text(encoding="utf-8"))[question]
    spec = asked()[question]
    if "default" in spec:
        assert f"**Default:** `{as_written(spec['default'])}`" in body
    if "choices" in spec:
        for value in choices(question):
            assert f"- `{value}`" in body


def test_committed_reference_is_current(site: Path) -> None:
    """Docs link to the page, so it is committed; it must be what the build writes now."""
    generated = (site / REFERENCE).read_text(encoding="utf-8")
    committed = (ROOT / REFERENCE).read_text(encoding="utf-8")
    assert committed == generated, (
        f"{REFERENCE} is stale: run `uv run python scripts/build_docs.py --reference-only` "
        "and commit the result"
    )


def test_every_derived_value_is_in_the_reference(site: Path) -> None:
    documented = sections((site / REFERENCE).read_text(encoding="utf-8"), "###")
    assert set(documented) == set(derived.derived_names())
    for name, description in derived.DERIVED.items():
        assert f"**Holds:** {description}" in documented[name].replace("\\", "")


def test_every_rejection_is_shown_under_its_question(site: Path) -> None:
    documented = sections((site / REFERENCE).read_text(encoding="utf-8"))
    for rejection in examples().rejections:
        shown = json.dumps(rejection.answer, ensure_ascii=False)
        assert f"    - `{shown}`: " in documented[rejection.question], rejection.id


@pytest.mark.parametrize("rejection", examples().rejections, ids=lambda r: r.id)
def test_shown_refusal_is_what_copier_says(
    tmp_path: Path, template_dir: Path, rejection: Rejection
) -> None:
    """The model renders validators the way Copier does: the page shows Copier's message."""
    given = {**examples().base, rejection.question: rejection.answer}
    predicted = load().refusal(given)
    assert predicted is not None, f"{rejection.id} is accepted"
    with pytest.raises(ValueError, match=r"^Validation error") as refused:
        copy_template(tmp_path / "out", template_dir, {rejection.question: rejection.answer})
    assert str(refused.value) == predicted.message
    assert rejection.expect in predicted.sentence


def fired_branches(model: Questionnaire, given: dict[str, object]) -> set[tuple[str, int]]:
    """Which sentence of which validator stops Copier on `given`: (question, branch number).

    Each validator is rendered with a marker added to every branch that says something, so
    the branch is known without reading the sentence.
    """
    refusal = model.refusal(given)
    assert refusal is not None
    question = model.questions[refusal.question]
    tree = model.environment.parse(question.validator)
    for number, body in enumerate(speaking_branches(tree)):
        body.insert(0, nodes.Output([nodes.TemplateData(f"\x00{number}\x00")]))
    answers = model.resolve(given, validate=False)
    context = model.context({**given, **answers})
    rendered = model.environment.from_string(tree).render(context)
    return {(question.name, int(n)) for n in re.findall("\x00(\\d+)\x00", rendered)}


def speaking_branches(tree: nodes.Template) -> list[list[nodes.Node]]:
    """The bodies of every `if`, `elif` and `else` that output text of their own."""
    found = []
    for node in tree.find_all(nodes.If):
        for body in (node.body, node.else_):
            outputs = [n for n in body if isinstance(n, nodes.Output)]
            if any(
                isinstance(d, nodes.TemplateData) and d.data.strip()
                for o in outputs
                for d in o.nodes
            ):
                found.append(body)
    return found


def test_every_sentence_a_validator_says_has_an_example() -> None:
    """So the reference shows each one, and each is tested against Copier above."""
    model = load()
    sentences = {
        (name, number)
        for name, question in model.asked.items()
        if question.validator
        for number in range(len(speaking_branches(model.environment.parse(question.validator))))
    }
    shown: set[tuple[str, int]] = set()
    for rejection in examples().rejections:
        shown |= fired_branches(model, {**examples().base, rejection.question: rejection.answer})
    assert sentences <= shown, sorted(sentences - shown)


# ─── The generator's analysis, on a throwaway template ────────────────────────

THROWAWAY: dict[str, str] = {
    "copier.yml": """\
_subdirectory: tree
_exclude:
  - "{% if _copier_operation == 'update' %}/menu.txt{% endif %}"
_skip_if_exists:
  - /{{ flavour }}.notes
flavour:
  type: str
  help: Which flavour
  choices:
    Vanilla ice: vanilla
    chocolate: chocolate
  default: vanilla
topping:
  type: str
  help: The topping
  default: "{{ flavour }} sprinkles"
  validator: >-
    {% if not topping.strip() %}The topping must not be empty.
    {% elif topping == 'sand' %}"{{ topping }}" is not edible.
    {% endif %}
is_sweet:
  type: bool
  default: "{{ flavour == 'chocolate' }}"
  when: false
sweet_label:
  type: str
  default: "{{ 'sweet' if is_sweet else 'plain' }}"
  when: false
""",
    "tree/{% if is_sweet %}sugar.txt{% endif %}": "not rendered: {{ topping }}\n",
    "tree/label.md.jinja": "{{ sweet_label }}\n",
    "tree/plain.txt": "no .jinja suffix, so never rendered: {{ flavour }}\n",
    "tree/menu.txt.jinja": "{% include 'parts/' ~ flavour ~ '.txt' %}\n",
    "tree/other.md.jinja": "{% for item in [1, 2] %}{{ item }}{% endfor %}\n",
    "parts/vanilla.txt": "Served with {{ topping }}.\n",
    "parts/chocolate.txt": "Served plain.\n",
    "answers.yml": """\
rejections:
  - {id: empty, question: topping, answer: "", expect: must not be empty}
  - {id: sand, question: topping, answer: sand, expect: not edible}
""",
}


@pytest.fixture(scope="module")
def throwaway_markdown(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The reference generated for THROWAWAY."""
    keel = tmp_path_factory.mktemp("throwaway")
    for name, text in THROWAWAY.items():
        (keel / name).parent.mkdir(parents=True, exist_ok=True)
        (keel / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    result = build_docs(
        "--keel", keel, "--examples", keel / "answers.yml", "--project", out, "--reference-only"
    )
    assert result.returncode == 0, result.stderr
    return (out / REFERENCE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def throwaway_reference(throwaway_markdown: str) -> dict[str, str]:
    """THROWAWAY's reference by section: questions (`##`) and computed values (`###`)."""
    return {**sections(throwaway_markdown), **sections(throwaway_markdown, "###")}


def test_affected_files_follow_computed_values_and_includes(
    throwaway_reference: dict[str, str],
) -> None:
    assert affected_files(throwaway_reference["flavour"]) == {
        # Through a computed value in the path, and through one derived from that.
        "{% if is_sweet %}sugar.txt{% endif %}": "name or existence (through `is_sweet`)",
        "label.md.jinja": "content (through `sweet_label`)",
        "menu.txt.jinja": "content",
    }
    # An included file's variables count; a file without the suffix is never rendered.
    assert affected_files(throwaway_reference["topping"]) == {"menu.txt.jinja": "content"}


def test_refusals_show_the_rendered_sentence(throwaway_reference: dict[str, str]) -> None:
    refusals = throwaway_reference["topping"].split("**Refused, for example:**", 1)[1]
    assert re.findall(r"^ {4}- `([^`]+)`: (.*)$", refusals.split("- **", 1)[0], re.MULTILINE) == [
        ('""', "The topping must not be empty."),
        ('"sand"', '"sand" is not edible.'),
    ]


def test_choices_defaults_and_derived_values(throwaway_reference: dict[str, str]) -> None:
    flavour = throwaway_reference["flavour"]
    assert "- `vanilla` (shown as “Vanilla ice”)" in flavour
    assert "**Feeds the questions:** [`topping`](#topping)" in flavour
    assert "[`is_sweet`](#is_sweet), [`sweet_label`](#sweet_label)" in flavour
    assert "**Default:** `{{ flavour }} sprinkles`" in throwaway_reference["topping"]
    assert "**From the answers to:** [`flavour`](#flavour)" in throwaway_reference["sweet_label"]


def test_files_an_update_leaves_alone(throwaway_markdown: str) -> None:
    ownership = throwaway_markdown.split("## Files an update leaves alone", 1)[1]
    never, created = ownership.split("Created by an update when missing", 1)
    assert re.findall(r"^- `([^`]+)`$", never, re.MULTILINE) == ["/menu.txt"]
    assert re.findall(r"^- `([^`]+)`$", created, re.MULTILINE) == ["/<flavour>.notes"]


# ─── (2) Every page is reachable from the navigation ──────────────────────────


def nav_pages(entries: object) -> Iterator[str]:
    """Every page a Zensical/MkDocs `nav` names, however deeply nested."""
    if isinstance(entries, str):
        if not re.match(r"^[a-z][a-z0-9+.-]*://", entries):
            yield entries
    elif isinstance(entries, list):
        for entry in entries:
            yield from nav_pages(entry)
    elif isinstance(entries, dict):
        for value in entries.values():
            yield from nav_pages(value)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists(site: Path) -> None:
    with (site / "zensical.toml").open("rb") as handle:
        config = tomllib.load(handle)
    nav = list(nav_pages(config["project"]["nav"]))
    assert len(nav) == len(set(nav)), "a page is listed twice"
    docs = site / config["project"].get("docs_dir", "docs")
    pages = {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")}
    assert set(nav) == pages, {
        "not in nav": sorted(pages - set(nav)),
        "missing": sorted(set(nav) - pages),
    }


# ─── (3) The strict build ─────────────────────────────────────────────────────


ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def require_zensical() -> None:
    """A missing builder must fail the docs tests, never skip them."""
    assert importlib.util.find_spec("zensical") is not None, "zensical missing: run `uv sync`"


def test_strict_build_succeeds(tmp_path: Path) -> None:
    require_zensical()
    project = copy_site(tmp_path / "site")
    result = build_docs("--project", project)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (project / "site" / "index.html").is_file()
    assert (project / "site" / "reference" / "questions" / "index.html").is_file()


def test_strict_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    # Proves strict mode is real: older Zensical releases accepted --strict and ignored it.
    require_zensical()
    project = copy_site(tmp_path / "site")
    with (project / "docs" / "index.md").open("a", encoding="utf-8") as index:
        index.write("\nSee [nowhere](no-such-page.md).\n")
    result = build_docs("--project", project)
    assert result.returncode != 0, result.stdout[-4000:]
    assert "no-such-page.md" in ANSI_STYLE.sub("", result.stdout + result.stderr)


def test_changelog_names_the_version_keel_is_at() -> None:
    """Keel's own CHANGELOG: an Unreleased section first, then released versions newest
    first, the newest equal to Keel's pyproject version (the release procedure's rule)."""
    headings = [
        line.removeprefix("## ")
        for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    assert headings[0] == "Unreleased"
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    assert headings[1] == version
    released = [Version(h) for h in headings[1:]]
    assert released == sorted(released, reverse=True)
