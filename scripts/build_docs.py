"""Build Keel's documentation site: write the questions reference, then run Zensical strictly.

The questions reference is generated from copier.yml and template/ on every build, never
written by hand, so it cannot drift from what Copier really asks. Zensical has no build
hooks (it ignores MkDocs `hooks:`), so this script is the build:

    uv run python scripts/build_docs.py                   # docs/reference/questions.md + site/
    uv run python scripts/build_docs.py --reference-only  # only the generated page

`--project DIR` builds a copy of the site (DIR holds zensical.toml and docs/) instead of
Keel's own checkout; Zensical insists that the site is written inside the project folder,
so a copy is how tests build without touching the working tree. `--keel DIR` reads another
template's copier.yml and template/ (the tests use a throwaway template).
"""

from __future__ import annotations

import argparse
import functools
import glob
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import meta, nodes

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_PAGE = Path("docs/reference/questions.md")

# ─── Reading the template ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class TemplateFile:
    """One file under the template's subdirectory, and the variables its Jinja reads."""

    path: str
    in_path: frozenset[str]
    in_content: frozenset[str]


@dataclass(frozen=True)
class Template:
    """What the reference is made of: copier.yml's entries and the rendered tree's files."""

    config: Mapping[str, Any]
    files: tuple[TemplateFile, ...]
    env: jinja2.Environment = field(repr=False)

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        """Questions and computed values: every key not starting with `_`."""
        return {
            k: v if isinstance(v, dict) else {"default": v}
            for k, v in self.config.items()
            if not k.startswith("_")
        }

    @property
    def asked(self) -> dict[str, dict[str, Any]]:
        """The questions a user can be asked (computed values say `when: false`)."""
        return {k: v for k, v in self.entries.items() if v.get("when", True) is not False}

    @property
    def computed(self) -> dict[str, dict[str, Any]]:
        """Values derived from the answers, never asked and never stored."""
        return {k: v for k, v in self.entries.items() if v.get("when", True) is False}

    def variables(self, value: object) -> set[str]:
        """Every variable any Jinja string inside `value` reads."""
        return set().union(*(jinja_variables(self.env, text) for text in strings_in(value)))

    @functools.cached_property
    def computed_dependencies(self) -> dict[str, set[str]]:
        """For each computed value, every entry it derives from, directly or through others."""
        direct = {name: self.variables(spec.get("default")) for name, spec in self.computed.items()}
        resolved: dict[str, set[str]] = {}

        def resolve(name: str, seen: frozenset[str]) -> set[str]:
            if name not in resolved:
                found = set(direct[name])
                for dep in direct[name] & direct.keys() - seen:
                    found |= resolve(dep, seen | {dep})
                resolved[name] = found
            return resolved[name]

        for name in direct:
            resolve(name, frozenset({name}))
        return resolved

    def derived_from(self, question: str) -> list[str]:
        """The computed values whose value depends on `question`, in copier.yml's order."""
        return [c for c, deps in self.computed_dependencies.items() if question in deps]

    def settings_using(self, names: set[str]) -> list[str]:
        """copier.yml settings (`_tasks`, `_message_after_copy`...) that read any of `names`."""
        return [
            key
            for key, value in self.config.items()
            if key.startswith("_") and self.variables(value) & names
        ]

    def questions_fed(self, question: str, names: set[str]) -> list[str]:
        """Other questions whose default, help, choices or condition read any of `names`."""
        fed = []
        for other, spec in self.asked.items():
            if other == question:
                continue
            parts = [spec.get(k) for k in ("default", "help", "choices", "when", "validator")]
            if self.variables(parts) & names:
                fed.append(other)
        return fed


def strings_in(value: object) -> Iterator[str]:
    """Every string inside a YAML value, however nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def jinja_variables(env: jinja2.Environment, text: str) -> set[str]:
    """The top-level variables a Jinja source reads (loop and `set` names excluded).

    Parsing, not rendering: Keel's filters and tests need not exist to be found. A tag only
    an extension knows makes the parse fail; then every identifier between the delimiters
    counts, which can only over-report.
    """
    if env.variable_start_string not in text and env.block_start_string not in text:
        return set()
    try:
        return set(meta.find_undeclared_variables(env.parse(text)))
    except jinja2.TemplateSyntaxError:
        spans = re.findall(
            re.escape(env.block_start_string)
            + "(.*?)"
            + re.escape(env.block_end_string)
            + "|"
            + re.escape(env.variable_start_string)
            + "(.*?)"
            + re.escape(env.variable_end_string),
            text,
            flags=re.DOTALL,
        )
        return {word for span in spans for word in re.findall(r"[A-Za-z_]\w*", "".join(span))}


def parsing_environment(envops: Mapping[str, object]) -> jinja2.Environment:
    """A Jinja environment with the template's own delimiters; nothing else matters to parsing."""

    def option(name: str) -> str | None:
        value = envops.get(name)
        return value if isinstance(value, str) else None

    return jinja2.Environment(
        block_start_string=option("block_start_string") or "{%",
        block_end_string=option("block_end_string") or "%}",
        variable_start_string=option("variable_start_string") or "{{",
        variable_end_string=option("variable_end_string") or "}}",
        comment_start_string=option("comment_start_string") or "{#",
        comment_end_string=option("comment_end_string") or "#}",
        line_statement_prefix=option("line_statement_prefix"),
        line_comment_prefix=option("line_comment_prefix"),
    )


def included_files(env: jinja2.Environment, text: str, keel: Path) -> list[Path]:
    """Files an `{% include %}` / `{% import %}` in `text` may pull in, relative to `keel`.

    A name built from an answer (`'includes/licenses/' ~ license ~ '.txt'`) stands for every
    file matching its constant start and end, so all of them count.
    """
    try:
        tree = env.parse(text)
    except jinja2.TemplateSyntaxError:
        return []
    found: list[Path] = []
    names = [n.template for n in tree.find_all(nodes.Include)]
    names += [n.template for n in tree.find_all(nodes.Import)]
    names += [n.template for n in tree.find_all(nodes.FromImport)]
    for name in names:
        if isinstance(name, nodes.Const) and isinstance(name.value, str):
            candidates = [keel / name.value]
        elif isinstance(name, nodes.Concat) and len(name.nodes) > 1:
            head, tail = (_constant(name.nodes[0]), _constant(name.nodes[-1]))
            if not head and not tail:
                continue  # nothing constant to go by: it could be any file
            candidates = sorted(keel.glob(glob.escape(head) + "*" + glob.escape(tail)))
        else:
            continue
        found += [path for path in candidates if path.is_file()]
    return found


def _constant(node: nodes.Node) -> str:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else ""


def content_variables(env: jinja2.Environment, text: str, keel: Path) -> set[str]:
    """Variables a file's content reads, including those of the files it includes."""
    found, seen, queue = jinja_variables(env, text), set[Path](), included_files(env, text, keel)
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        included = path.read_text(encoding="utf-8", errors="replace")
        found |= jinja_variables(env, included)
        queue += included_files(env, included, keel)
    return found


def load_template(keel: Path) -> Template:
    """Read copier.yml and every file under its `_subdirectory`."""
    config = yaml.safe_load((keel / "copier.yml").read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        raise SystemExit(f"{keel / 'copier.yml'} is not a mapping")
    env = parsing_environment(config.get("_envops") or {})
    suffix = str(config.get("_templates_suffix", ".jinja"))
    subdirectory = keel / str(config.get("_subdirectory", ""))
    files = []
    for path in sorted(p for p in subdirectory.rglob("*") if p.is_file()):
        relative = path.relative_to(subdirectory).as_posix()
        if "__pycache__" in relative:
            continue
        content = ""
        if not suffix or relative.endswith(suffix):
            content = path.read_text(encoding="utf-8", errors="replace")
        files.append(
            TemplateFile(
                path=relative,
                in_path=frozenset(jinja_variables(env, relative)),
                in_content=frozenset(content_variables(env, content, keel)),
            )
        )
    return Template(config=config, files=tuple(files), env=env)


# ─── Validators ───────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Rule:
    """One branch of a validator: the Jinja condition and the sentence shown when it holds."""

    condition: str
    message: str


def validator_rules(env: jinja2.Environment, source: str) -> list[Rule] | None:
    """Split an `{% if %}…{% elif %}…{% endif %}` validator into its rules, in checking order.

    Returns None for any other shape; the reference then shows the validator as it is.
    """
    tag = re.compile(
        re.escape(env.block_start_string)
        + r"-?\s*(if|elif|else|endif)\b(.*?)-?\s*"
        + re.escape(env.block_end_string),
        re.DOTALL,
    )
    rules: list[Rule] = []
    position, condition, depth_seen = 0, None, False
    for match in tag.finditer(source):
        text = source[position : match.start()]
        if condition is None:
            if text.strip() or depth_seen:
                return None
        else:
            rules.append(Rule(condition, " ".join(text.split())))
        keyword, argument = match.group(1), " ".join(match.group(2).split())
        if keyword == "if":
            if depth_seen:
                return None  # nested or repeated if: not the simple shape
            depth_seen, condition = True, argument
        elif keyword == "elif":
            condition = argument
        elif keyword == "else":
            condition = "otherwise"
        else:
            condition = None
        position = match.end()
    if source[position:].strip() or not rules:
        return None
    return rules


# ─── Markdown ─────────────────────────────────────────────────────────────────

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def code(text: str) -> str:
    """An inline code span that survives backticks inside `text`."""
    text = " ".join(text.split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def prose(text: str) -> str:
    """Plain text as Markdown: code spans kept, everything else escaped, one line."""
    out, position = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape(text[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_escape(text[position:]))
    return " ".join("".join(out).split())


def _escape(text: str) -> str:
    return re.sub(r"([\\*_\[\]<>#|])", r"\\\1", text)


def message(env: jinja2.Environment, text: str) -> str:
    """A validator's sentence, with the answer it quotes shown as the Jinja that inserts it."""
    variable = re.compile(
        re.escape(env.variable_start_string) + ".*?" + re.escape(env.variable_end_string),
        re.DOTALL,
    )
    out, position = [], 0
    for match in variable.finditer(text):
        out.append(_spaced(text[position : match.start()]))
        out.append(code(match.group(0)))
        position = match.end()
    out.append(_spaced(text[position:]))
    return "".join(out).strip()


def _spaced(text: str) -> str:
    """prose(), keeping one space where the text met an inserted value with a space."""
    before = " " if text[:1].isspace() else ""
    after = " " if text[-1:].isspace() and text.strip() else ""
    return before + prose(text) + after if text.strip() else (" " if text else "")


def yaml_text(value: object) -> str:
    """A default as copier.yml spells it: `true`, not Python's `True`."""
    if isinstance(value, str):
        return value
    return (
        yaml.safe_dump(value, default_flow_style=True, width=1000)
        .strip()
        .removesuffix("...")
        .strip()
    )


def has_jinja(env: jinja2.Environment, text: str) -> bool:
    return env.variable_start_string in text or env.block_start_string in text


def choice_lines(choices: object) -> list[str]:
    """`value` (label) for each choice, in copier.yml's order."""
    if isinstance(choices, Mapping):
        pairs = [(str(label), value) for label, value in choices.items()]
    elif isinstance(choices, list):
        pairs = [(str(value), value) for value in choices]
    else:
        return [code(str(choices))]  # a Jinja expression or another form: show it as it is
    lines = []
    for label, value in pairs:
        shown = str(value.get("value") if isinstance(value, Mapping) else value)
        extra = f" (shown as “{prose(label)}”)" if label != shown else ""
        lines.append(f"{code(shown)}{extra}")
    return lines


def file_line(file: TemplateFile, names: set[str], question: str) -> str:
    """One affected file: its path, what the answer decides about it, and through what."""
    what = []
    if file.in_path & names:
        what.append("name or existence")
    if file.in_content & names:
        what.append("content")
    via = sorted((file.in_path | file.in_content) & names - {question})
    through = f" (through {', '.join(code(v) for v in via)})" if via else ""
    return f"{code(file.path)}: {', '.join(what)}{through}"


def question_section(template: Template, name: str, spec: Mapping[str, Any]) -> list[str]:
    env = template.env
    lines = [f"## {code(name)} {{ #{name} }}", ""]
    help_text = str(spec.get("help", "")).strip()
    if help_text and has_jinja(env, help_text):
        lines += ["The help text depends on earlier answers:", "", "```jinja", help_text, "```", ""]
    elif help_text:
        lines += [prose(help_text), ""]

    facts = [f"**Type:** {code(str(spec.get('type', 'str')))}"]
    if spec.get("secret"):
        facts.append("**Secret:** yes; the answer is not stored in the answers file")
    if "when" in spec:
        facts.append(f"**Asked only when:** {code(str(spec['when']))}")
    if "default" in spec:
        facts.append(f"**Default:** {code(yaml_text(spec['default']))}")
    else:
        facts.append("**Default:** none; give it with `--data` when using `--defaults`")
    lines += [f"- {fact}" for fact in facts]

    if "choices" in spec:
        lines += ["- **Choices:**", ""] + [f"    - {c}" for c in choice_lines(spec["choices"])]
        lines.append("")

    validator = spec.get("validator")
    if isinstance(validator, str) and validator.strip():
        rules = validator_rules(env, validator)
        if rules is None:
            lines += ["- **Validation:**", "", "    ```jinja"]
            lines += [f"    {line}" for line in validator.strip().splitlines()]
            lines += ["    ```", ""]
        else:
            lines += ["- **Refused, checked in this order, when:**", ""]
            lines += [f"    1. {code(r.condition)}: {message(env, r.message)}" for r in rules]
            lines.append("")
    elif "choices" not in spec:
        lines.append("- **Validation:** none beyond the type")

    derived = template.derived_from(name)
    names = {name, *derived}
    if derived:
        lines.append(
            "- **Computed values derived from it:** "
            + ", ".join(f"[{code(c)}](#{c})" for c in derived)
        )
    fed = template.questions_fed(name, names)
    if fed:
        lines.append("- **Feeds the questions:** " + ", ".join(f"[{code(q)}](#{q})" for q in fed))
    settings = template.settings_using(names)
    if settings:
        lines.append("- **Read by copier.yml settings:** " + ", ".join(code(s) for s in settings))

    affected = [f for f in template.files if (f.in_path | f.in_content) & names]
    if affected:
        lines += ["- **Template files it affects:**", ""]
        lines += [f"    - {file_line(f, names, name)}" for f in affected]
    else:
        lines.append("- **Template files it affects:** none directly")
    return [*lines, ""]


def computed_section(template: Template) -> list[str]:
    lines = [
        "## Computed values { #computed-values }",
        "",
        "Never asked and never stored: copier.yml derives them from the answers (`when: false`),",
        "so templates test a named predicate instead of repeating a comparison.",
        "",
    ]
    for name, spec in template.computed.items():
        asked_deps = sorted(template.computed_dependencies[name] & template.asked.keys())
        used = [f.path for f in template.files if name in (f.in_path | f.in_content)]
        lines += [
            f"### {code(name)} {{ #{name} }}",
            "",
            f"- **Value:** {code(yaml_text(spec.get('default')))}",
        ]
        if asked_deps:
            lines.append(
                "- **From the answers to:** " + ", ".join(f"[{code(q)}](#{q})" for q in asked_deps)
            )
        if used:
            lines.append("- **Read directly by:** " + ", ".join(code(p) for p in used))
        lines.append("")
    return lines


class _Placeholder(jinja2.Undefined):
    """An answer not known while documenting renders as `<name>`."""

    def __str__(self) -> str:
        return f"<{self._undefined_name}>"


def rendered_patterns(template: Template, setting: str, operation: str) -> list[str]:
    """A path-pattern setting (`_exclude`, `_skip_if_exists`) as Copier sees it for `operation`."""
    env = template.env.overlay(undefined=_Placeholder)
    patterns = template.config.get(setting) or []
    rendered = [
        env.from_string(str(p)).render(_copier_operation=operation).strip() for p in patterns
    ]
    return [r for r in rendered if r]


def ownership_section(template: Template) -> list[str]:
    """The files `copier update` leaves to the user, from `_exclude` and `_skip_if_exists`."""
    on_copy = set(rendered_patterns(template, "_exclude", "copy"))
    only_on_update = [
        p for p in rendered_patterns(template, "_exclude", "update") if p not in on_copy
    ]
    skipped = rendered_patterns(template, "_skip_if_exists", "update")
    if not only_on_update and not skipped:
        return []
    lines = [
        "## Files an update leaves alone { #files-an-update-leaves-alone }",
        "",
        "`copier update` merges the template's changes into every generated file except these,",
        "which belong to the project once it exists (from `_exclude` and `_skip_if_exists`).",
        "",
    ]
    if only_on_update:
        lines += ["Never rendered again by an update, not even when deleted:", ""]
        lines += [f"- {code(p)}" for p in only_on_update] + [""]
    if skipped:
        lines += ["Created by an update when missing, never changed once they exist:", ""]
        lines += [f"- {code(p)}" for p in skipped] + [""]
    return lines


def reference_markdown(template: Template) -> str:
    """The whole questions reference page."""
    lines = [
        "<!-- Generated by scripts/build_docs.py from copier.yml and template/. Do not edit. -->",
        "",
        "# Questions",
        "",
        "Every question Keel asks, in the order Copier asks it. This page is generated from",
        "`copier.yml` and the files under `template/` each time the site is built, so it always",
        "matches the template it documents. Defaults and conditions are shown as the raw Jinja",
        "in `copier.yml`; a file is listed as affected when its name or content reads the",
        "answer, or reads a computed value derived from it.",
        "",
        "Give any answer on the command line with `--data name=value`, or many at once with",
        "`--data-file answers.yml`.",
        "",
    ]
    for name, spec in template.asked.items():
        lines += question_section(template, name, spec)
    lines += computed_section(template)
    lines += ownership_section(template)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


# ─── Command line ─────────────────────────────────────────────────────────────


def write_reference(keel: Path, project: Path) -> Path:
    """Generate the questions reference into `project`'s docs and return its path."""
    target = project / REFERENCE_PAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(reference_markdown(load_template(keel)), encoding="utf-8")
    return target


def build_site(project: Path) -> int:
    """`zensical build --strict --clean` in `project`: a warning fails the build."""
    command = [
        sys.executable,
        "-m",
        "zensical",
        "build",
        "--strict",
        "--clean",
        "--config-file",
        str(project / "zensical.toml"),
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
        "--reference-only",
        action="store_true",
        help="write the questions reference, do not build the site",
    )
    args = parser.parse_args(argv)
    page = write_reference(args.keel.resolve(), args.project.resolve())
    print(f"wrote {page}")
    if args.reference_only:
        return 0
    return build_site(args.project.resolve())


if __name__ == "__main__":
    raise SystemExit(main())
