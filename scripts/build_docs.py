"""Build Keel's documentation site: write the questions reference, then run Zensical strictly.

The questions reference is generated from the questionnaire model (keel/questionnaire.py:
copier.yml, the template's files, the derived values its ContextHook computes) and the
example answers in keel/answers.yml, through scripts/templates/questions.md.jinja. A bad
answer is documented by rendering its validator, so the page shows the very sentence the
user reads. Zensical has no build hooks (it ignores MkDocs `hooks:`), so this script is
the build:

    uv run python scripts/build_docs.py                   # docs/reference/questions.md + site/
    uv run python scripts/build_docs.py --reference-only  # only the generated page

`--project DIR` builds a copy of the site (DIR holds zensical.toml and docs/) instead of
Keel's own checkout; Zensical insists that the site is written inside the project folder,
so a copy is how tests build without touching the working tree. `--keel DIR` and
`--examples FILE` document another template (the tests use a throwaway one).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keel.questionnaire import (  # noqa: E402
    MISSING,
    Examples,
    Question,
    Questionnaire,
    Refusal,
    examples,
    load,
)
from keel.updating import owned_patterns  # noqa: E402

REFERENCE_PAGE = Path("docs/reference/questions.md")
PAGE_TEMPLATE = Path(__file__).with_name("templates") / "questions.md.jinja"

# ─── What the page says, gathered from the model ──────────────────────────────


@dataclass(frozen=True)
class QuestionFacts:
    """One question's section: what it changes, reads and refuses (answer, refusal)."""

    question: Question
    derived: list[str]
    fed: list[str]
    settings: list[str]
    files: list[tuple[str, str]]
    refused: list[tuple[Any, Refusal]]


@dataclass(frozen=True)
class DerivedFacts:
    """One derived value's section: what it holds, comes from and is read by."""

    name: str
    description: str
    computed_as: Any
    answers: list[str]
    settings: list[str]
    files: list[str]
    example: Any


def question_facts(
    model: Questionnaire, question: Question, derived: list[str], sample: Examples
) -> QuestionFacts:
    names = {question.name, *derived}
    files = []
    for file in model.files:
        if file.reads & names:
            how = [
                w
                for w, part in (("name or existence", file.in_path), ("content", file.in_content))
                if part & names
            ]
            via = sorted(file.reads & names - {question.name})
            through = f" (through {', '.join(code(v) for v in via)})" if via else ""
            files.append((file.path, ", ".join(how) + through))
    refused = []
    for rejection in sample.for_question(question.name):
        refusal = model.refusal({**sample.base, question.name: rejection.answer})
        if refusal is None:
            msg = f"Example {rejection.id}: {rejection.answer!r} is accepted by {question.name}."
            raise SystemExit(msg)
        refused.append((rejection.answer, refusal))
    return QuestionFacts(
        question=question,
        derived=derived,
        fed=model.questions_reading(names),
        settings=model.settings_reading(names),
        files=files,
        refused=refused,
    )


def reference_markdown(model: Questionnaire, sample: Examples) -> str:
    """The whole questions reference page."""
    named = {r.question for r in sample.rejections} | set(sample.base)
    unknown = sorted(named - set(model.asked))
    if unknown:
        raise SystemExit(f"The example answers name what copier.yml does not ask: {unknown}.")
    fed = model.derived_from(sample.base)
    descriptions = model.descriptions()
    derived = [
        DerivedFacts(
            name=name,
            description=descriptions.get(name, ""),
            computed_as=model.questions[name].default if name in model.questions else MISSING,
            answers=[q for q in model.asked if name in fed[q]],
            settings=model.settings_reading({name}),
            files=[f.path for f in model.files if name in f.reads],
            example=value,
        )
        for name, value in model.derived(sample.base).items()
    ]
    owned = owned_patterns(model.root)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGE_TEMPLATE.parent),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(code=code, prose=prose, yaml_text=yaml_text, literal=literal)
    starts = (model.parser.variable_start_string, model.parser.block_start_string)
    env.tests["jinja"] = lambda text: any(start in str(text) for start in starts)
    env.tests["scalar"] = lambda v: not isinstance(v, Mapping) and v is not MISSING
    return env.get_template(PAGE_TEMPLATE.name).render(
        MISSING=MISSING,
        questions=[question_facts(model, q, fed[q.name], sample) for q in model.asked.values()],
        derived=derived,
        never_updated=owned["_exclude"],
        created_when_missing=owned["_skip_if_exists"],
    )


# ─── Markdown ─────────────────────────────────────────────────────────────────

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def code(value: object) -> str:
    """An inline code span on one line (runs of whitespace become one space)."""
    return _span(" ".join(str(value).split()))


def _span(text: str) -> str:
    """`text` in a code span whose fence outlasts any backticks inside it."""
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def prose(text: str) -> str:
    """Plain text as Markdown: code spans kept, everything else escaped, one line."""
    out, position = [], 0
    for match in _CODE_SPAN.finditer(text):
        out += [_escape(text[position : match.start()]), match.group(0)]
        position = match.end()
    out.append(_escape(text[position:]))
    return " ".join("".join(out).split())


def _escape(text: str) -> str:
    return re.sub(r"([\\*_\[\]<>#|])", r"\\\1", text)


def literal(value: object) -> str:
    """An answer exactly as typed, quotes and line breaks visible: `"two\\nlines"`."""
    return _span(json.dumps(value, ensure_ascii=False))


def yaml_text(value: object) -> str:
    """A value as YAML spells it (`true`, not Python's `True`); strings as they are."""
    if isinstance(value, str):
        return value
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1000)
    return dumped.strip().removesuffix("...").strip()


# ─── Command line ─────────────────────────────────────────────────────────────


def write_reference(keel: Path, project: Path, sample: Path | None = None) -> Path:
    """Generate the questions reference into `project`'s docs and return its path."""
    target = project / REFERENCE_PAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    text = reference_markdown(load(keel), examples(sample) if sample else examples())
    target.write_text(text, encoding="utf-8")
    return target


def build_site(project: Path) -> int:
    """`zensical build --strict --clean` in `project`: a warning fails the build."""
    config = str(project / "zensical.toml")
    command = [
        sys.executable,
        "-m",
        "zensical",
        "build",
        "--strict",
        "--clean",
        "--config-file",
        config,
    ]
    return subprocess.run(command, cwd=project, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--project",
        type=Path,
        default=ROOT,
        help="folder holding zensical.toml and docs/ (default: Keel's checkout)",
    )
    parser.add_argument(
        "--keel",
        type=Path,
        default=ROOT,
        help="template whose copier.yml is documented (default: Keel's checkout)",
    )
    parser.add_argument(
        "--examples",
        type=Path,
        default=None,
        help="example answers to document refusals with (default: keel/answers.yml)",
    )
    parser.add_argument(
        "--reference-only",
        action="store_true",
        help="write the questions reference, do not build the site",
    )
    args = parser.parse_args(argv)
    page = write_reference(args.keel.resolve(), args.project.resolve(), args.examples)
    print(f"wrote {page}")
    if args.reference_only:
        return 0
    return build_site(args.project.resolve())


if __name__ == "__main__":
    raise SystemExit(main())
