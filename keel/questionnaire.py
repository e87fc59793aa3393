"""copier.yml, read once: Keel's questionnaire as typed objects, rendered the way Copier does.

Tests take their answer matrix from here and scripts/build_docs.py writes the questions
reference from here, so neither re-reads copier.yml its own way. Defaults, conditions and
validators are rendered, not re-parsed: with the Jinja environment Copier builds from
copier.yml (`_envops`, `_jinja_extensions`, Keel's extensions loaded by path, its
ContextHook included), in the order Copier asks. So the sentence the reference shows for a
bad answer is the one the user gets, and a new validator needs no new code here.

What Copier leaves implicit is read by parsing Jinja (never by rendering it): which
variables a default, a setting or a template file reads, so the reference can say what
each answer reaches.
"""

from __future__ import annotations

import functools
import glob
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Final

import jinja2
import yaml
from copier_template_extensions import ContextHook
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

ROOT: Final = Path(__file__).resolve().parents[1]
# Answers the tests and the docs give: a valid base, and bad answers with their refusals.
EXAMPLES: Final = Path(__file__).with_name("answers.yml")

# Copier loads this before a template's own extensions, so validators may use its filters.
COPIER_DEFAULT_EXTENSIONS: Final = ("jinja2_ansible_filters.AnsibleCoreFiltersExtension",)


class _Missing:
    """The absence of a default (None is a valid YAML default)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def cast_to_bool(value: object) -> bool:
    """Copier's reading of a rendered `when` or a bool answer ("false", "no", "0"... are False)."""
    try:
        return bool(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        lower = value.strip().lower()
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
        if not lower or lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
    return bool(value)


# ─── Questions ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Choice:
    """One accepted answer of a choice question, and the label Copier shows for it."""

    value: Any
    label: str


@dataclass(frozen=True)
class Question:
    """One entry of copier.yml's questions, as written (`spec`) and as typed properties."""

    name: str
    spec: Mapping[str, Any]

    @property
    def type(self) -> str:
        return str(self.spec.get("type", "str"))

    @property
    def help(self) -> str:
        return str(self.spec.get("help") or "").strip()

    @property
    def default(self) -> Any:  # noqa: ANN401 - any YAML value, or MISSING
        return self.spec.get("default", MISSING)

    @property
    def when(self) -> Any:  # noqa: ANN401 - a bool or a Jinja string
        return self.spec.get("when", True)

    @property
    def validator(self) -> str:
        return str(self.spec.get("validator") or "")

    @property
    def secret(self) -> bool:
        return bool(self.spec.get("secret", False))

    @property
    def asked(self) -> bool:
        """False for a computed value (`when: false`): Copier never asks it."""
        return self.when is not False

    @property
    def choices(self) -> tuple[Choice, ...]:
        """The choices in copier.yml's order; none for free text (or choices built by Jinja)."""
        raw = self.spec.get("choices")
        if isinstance(raw, Mapping):
            pairs = list(raw.items())
        elif isinstance(raw, list):
            pairs = [tuple(c) if isinstance(c, list) and len(c) == 2 else (c, c) for c in raw]
        else:
            return ()
        return tuple(
            Choice(value=value.get("value") if isinstance(value, Mapping) else value, label=label)
            for label, value in ((str(label), value) for label, value in pairs)
        )

    @property
    def closed(self) -> bool:
        """A closed set of answers: choices, or yes/no."""
        return bool(self.choices) or self.type == "bool"

    def values(self) -> list[Any]:
        """Every answer a closed question accepts, in order (a bool: both)."""
        if self.type == "bool":
            return [True, False]
        return [choice.value for choice in self.choices]

    def jinja_parts(self) -> dict[str, Any]:
        """What Copier renders for this question: help, default, choices, when, validator."""
        return {
            part: self.spec[part]
            for part in ("help", "default", "choices", "when", "validator")
            if part in self.spec
        }

    def cast(self, answer: Any) -> Any:  # noqa: ANN401 - answers are any YAML value
        """An answer as Copier stores it for this question's type."""
        if self.type == "bool":
            return cast_to_bool(answer)
        if self.type == "int":
            return int(answer)
        if self.type == "float":
            return float(answer)
        if self.type in {"json", "yaml"}:
            return yaml.safe_load(answer) if isinstance(answer, str) else answer
        return str(answer)


@dataclass(frozen=True)
class Refusal:
    """Why Copier stops on an answer: the question refusing it and what the user reads."""

    question: str
    sentence: str
    message: str


class Refused(ValueError):
    """Raised by Questionnaire.resolve; carries the Refusal."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


@dataclass(frozen=True)
class TemplateFile:
    """One file under the template's subdirectory, and the variables its Jinja reads."""

    path: str
    in_path: frozenset[str]
    in_content: frozenset[str]

    @property
    def reads(self) -> frozenset[str]:
        return self.in_path | self.in_content


# ─── The questionnaire ────────────────────────────────────────────────────────


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """copier.yml of the template at `root`: its settings, questions and Jinja environment."""

    root: Path
    config: Mapping[str, Any]
    _compiled: dict[str, jinja2.Template] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def questions(self) -> dict[str, Question]:
        """Every question in copier.yml's order, computed values (`when: false`) included."""
        return {
            name: Question(name, spec if isinstance(spec, Mapping) else {"default": spec})
            for name, spec in self.config.items()
            if not name.startswith("_")
        }

    @property
    def asked(self) -> dict[str, Question]:
        return {name: q for name, q in self.questions.items() if q.asked}

    @property
    def settings(self) -> dict[str, Any]:
        """Every `_` key of copier.yml (`_exclude`, `_tasks`...)."""
        return {name: value for name, value in self.config.items() if name.startswith("_")}

    # ─── Rendering, as Copier renders ─────────────────────────────────────────

    @functools.cached_property
    def environment(self) -> SandboxedEnvironment:
        """The environment Copier builds: `_envops` and `_jinja_extensions`, loaded from root."""
        envops = dict(self.config.get("_envops") or {})
        undefined = envops.pop("undefined", None)
        if undefined is not None:
            envops["undefined"] = {
                "jinja2.Undefined": jinja2.Undefined,
                "jinja2.StrictUndefined": jinja2.StrictUndefined,
            }[undefined]
        return SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(self.root),
            extensions=[*COPIER_DEFAULT_EXTENSIONS, *self.config.get("_jinja_extensions", [])],
            **envops,
        )

    def context(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """What a default, condition or validator sees. ContextHooks (Keel's derived values)
        only run when Copier's `_copier_conf` is present, so a small one is."""
        conf = {"src_path": PurePath(self.root), "defaults": True, "data": dict(answers)}
        return {**answers, "_copier_conf": conf, "_copier_python": sys.executable}

    def render(self, source: Any, answers: Mapping[str, Any]) -> Any:  # noqa: ANN401
        """A copier.yml value rendered like Copier's `render_value`: strings and list items."""
        if isinstance(source, list):
            return [self.render(item, answers) for item in source]
        if not isinstance(source, str):
            return source
        if source not in self._compiled:
            self._compiled[source] = self.environment.from_string(source)
        return self._compiled[source].render(self.context(answers))

    def derived(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every derived value for these answers (defaults fill the rest): computed values
        (`when: false`) and what the ContextHooks add to each render (Keel's are all there)."""
        answers = self.resolve(given, validate=False)
        if "" not in self._compiled:
            self._compiled[""] = self.environment.from_string("")
        template = self._compiled[""]
        context = self.context(answers)
        parent = template.new_context(context).parent
        hooked = {
            name: value
            for name, value in parent.items()
            if name not in context and name not in template.globals and not name.startswith("_")
        }
        computed = {n: v for n, v in answers.items() if not self.questions[n].asked}
        return {**computed, **hooked}

    def derived_from(self, base: Mapping[str, Any]) -> dict[str, list[str]]:
        """For each asked question, the derived values that change when its answer alone does.

        Found by trying answers, not by reading the hook's code: from `base` with defaults,
        and from each closed answer changed once (a value may depend on two answers, such as
        `has_dockerfile`), each question is given each of its choices, or other text, while
        every other answer is held.
        """
        starts = [dict(base)] + [
            {**base, name: value} for name, q in self.asked.items() for value in q.values()
        ]
        found: dict[str, set[str]] = {name: set() for name in self.asked}
        for start in starts:
            answers = self.resolve(start, validate=False)
            held = {n: v for n, v in answers.items() if n in self.asked}
            before = self.derived(held)
            for name, question in self.asked.items():
                others = question.values() if question.closed else [f"{held.get(name, '')}x"]
                for other in others:
                    after = self.derived({**held, name: other})
                    found[name] |= {
                        key
                        for key in before.keys() | after.keys()
                        if before.get(key, MISSING) != after.get(key, MISSING)
                    }
        order = {key: i for i, key in enumerate(self.derived(base))}
        return {
            name: sorted(keys, key=lambda key: (order.get(key, len(order)), key))
            for name, keys in found.items()
        }

    def resolve(self, given: Mapping[str, Any], *, validate: bool = True) -> dict[str, Any]:
        """Every answer, as `copier copy --defaults --data` settles them, in asking order.

        A given answer is validated even when its question is skipped, a default only when
        the question is asked, as Copier does. Raises Refused with Copier's message.
        `validate=False` only fills in defaults (to see what an answer changes).
        """
        answers: dict[str, Any] = {}
        for question in self.questions.values():
            context = {**given, **answers}
            asked = cast_to_bool(self.render(question.when, context))
            if question.name in given:
                value = question.cast(given[question.name])
                check = validate
            elif question.default is MISSING:
                if not asked:
                    continue
                if validate:
                    message = f'Question "{question.name}" is required'
                    raise Refused(Refusal(question.name, message, message))
                value = question.cast(question.name)  # a stand-in: only defaults matter here
                check = False
            else:
                value = question.cast(self.render(question.default, context))
                check = validate and asked and not question.secret
            if check:
                self._check(question, value, context)
            answers[question.name] = value
        return answers

    def refusal(self, given: Mapping[str, Any]) -> Refusal | None:
        """What Copier says when it stops on `given`, or None when it accepts them."""
        try:
            self.resolve(given)
        except Refused as refused:
            return refused.refusal
        return None

    def _check(self, question: Question, value: Any, context: Mapping[str, Any]) -> None:  # noqa: ANN401
        accepted = [question.cast(v) for v in question.values()] if question.choices else []
        if accepted and value not in accepted:
            sentence = f"{value!r} is not in {accepted}"
            message = f"Invalid choice for '{question.name}': {sentence}"
            raise Refused(Refusal(question.name, sentence, message))
        try:
            sentence = str(self.render(question.validator, {**context, question.name: value}))
        except Exception as error:  # Copier shows a failing validator's error as its sentence
            sentence = str(error)
        if sentence := sentence.strip():
            message = f"Validation error for question '{question.name}': {sentence}"
            raise Refused(Refusal(question.name, sentence, message))

    def patterns(self, setting: str, operation: str) -> list[str]:
        """A path-pattern setting (`_exclude`, `_skip_if_exists`) as Copier sees it for
        `operation`; an answer not known before the questions is shown as `<name>`."""
        env = self.environment.overlay(undefined=_Placeholder)
        context = {"_copier_operation": operation}
        rendered = [env.from_string(str(p)).render(context) for p in self.settings.get(setting, [])]
        return [text.strip() for text in rendered if text.strip()]

    def descriptions(self) -> dict[str, str]:
        """One line per derived value, from a `DERIVED` mapping next to each ContextHook
        (extensions/derived.py's), so the names are described where they are computed."""
        found: dict[str, str] = {}
        for extension in self.environment.extensions.values():
            if isinstance(extension, ContextHook):
                module = sys.modules.get(type(extension).__module__)
                found.update(getattr(module, "DERIVED", {}))
        return found

    # ─── What each answer reaches (parsing, not rendering) ────────────────────

    @functools.cached_property
    def parser(self) -> jinja2.Environment:
        """The template's delimiters and nothing else: Keel's filters need not exist to parse."""
        envops = self.config.get("_envops") or {}
        keys = [
            "block_start_string",
            "block_end_string",
            "variable_start_string",
            "variable_end_string",
            "comment_start_string",
            "comment_end_string",
            "line_statement_prefix",
            "line_comment_prefix",
        ]
        return jinja2.Environment(**{k: envops[k] for k in keys if isinstance(envops.get(k), str)})

    def reads(self, value: object) -> set[str]:
        """Every variable any Jinja string inside a copier.yml value reads."""
        return set().union(*(self._variables(text) for text in _strings_in(value)))

    def _variables(self, text: str) -> set[str]:
        """The top-level variables a Jinja source reads (loop and `set` names excluded).

        A tag only an extension knows makes the parse fail; then every identifier between
        the delimiters counts, which can only over-report.
        """
        env = self.parser
        if env.variable_start_string not in text and env.block_start_string not in text:
            return set()
        try:
            return set(meta.find_undeclared_variables(env.parse(text)))
        except jinja2.TemplateSyntaxError:
            spans = re.findall(
                f"{re.escape(env.block_start_string)}(.*?){re.escape(env.block_end_string)}|"
                f"{re.escape(env.variable_start_string)}(.*?){re.escape(env.variable_end_string)}",
                text,
                flags=re.DOTALL,
            )
            return {word for span in spans for word in re.findall(r"[A-Za-z_]\w*", "".join(span))}

    def questions_reading(self, names: set[str]) -> list[str]:
        """Asked questions whose help, default, choices, condition or validator read `names`."""
        return [
            name
            for name, question in self.asked.items()
            if name not in names and self.reads(question.jinja_parts()) & names
        ]

    def settings_reading(self, names: set[str]) -> list[str]:
        """copier.yml settings (`_tasks`, `_message_after_copy`...) that read any of `names`."""
        return [key for key, value in self.settings.items() if self.reads(value) & names]

    @functools.cached_property
    def files(self) -> tuple[TemplateFile, ...]:
        """Every file under `_subdirectory`, with what its path and its content read."""
        suffix = str(self.config.get("_templates_suffix", ".jinja"))
        subdirectory = self.root / str(self.config.get("_subdirectory", ""))
        found = []
        for path in sorted(p for p in subdirectory.rglob("*") if p.is_file()):
            relative = path.relative_to(subdirectory).as_posix()
            if "__pycache__" in relative:
                continue
            rendered = not suffix or relative.endswith(suffix)
            content = path.read_text(encoding="utf-8", errors="replace") if rendered else ""
            found.append(
                TemplateFile(
                    path=relative,
                    in_path=frozenset(self._variables(relative)),
                    in_content=frozenset(self._content_variables(content)),
                )
            )
        return tuple(found)

    def _content_variables(self, text: str) -> set[str]:
        """Variables a file's content reads, including those of the files it includes."""
        found, seen, queue = self._variables(text), set[Path](), self._included(text)
        while queue:
            path = queue.pop()
            if path not in seen:
                seen.add(path)
                included = path.read_text(encoding="utf-8", errors="replace")
                found |= self._variables(included)
                queue += self._included(included)
        return found

    def _included(self, text: str) -> list[Path]:
        """Files an `{% include %}` / `{% import %}` may pull in. A name built from an answer
        (`'includes/licenses/' ~ license ~ '.txt'`) stands for every file it can match."""
        try:
            tree = self.parser.parse(text)
        except jinja2.TemplateSyntaxError:
            return []
        found: list[Path] = []
        for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
            name = node.template  # type: ignore[attr-defined]
            if isinstance(name, nodes.Const) and isinstance(name.value, str):
                candidates = [self.root / name.value]
            elif isinstance(name, nodes.Concat) and len(name.nodes) > 1:
                head, tail = _constant(name.nodes[0]), _constant(name.nodes[-1])
                if not head and not tail:
                    continue  # nothing constant to go by: it could be any file
                pattern = glob.escape(head) + "*" + glob.escape(tail)
                candidates = sorted(self.root.glob(pattern))
            else:
                continue
            found += [path for path in candidates if path.is_file()]
        return found


class _Placeholder(jinja2.Undefined):
    """An answer not known while documenting renders as `<name>`."""

    def __str__(self) -> str:
        return f"<{self._undefined_name}>"


def _strings_in(value: object) -> Iterator[str]:
    """Every string inside a YAML value, however nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)


def _constant(node: nodes.Node) -> str:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else ""


@functools.cache
def load(root: Path = ROOT) -> Questionnaire:
    """The questionnaire of the template at `root` (Keel's checkout by default), read once."""
    config = yaml.safe_load((root / "copier.yml").read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        msg = f"{root / 'copier.yml'} is not a mapping of settings and questions."
        raise SystemExit(msg)
    return Questionnaire(root=root, config=config)


# ─── Example answers ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Rejection:
    """A bad answer, and a fragment of the sentence Copier must refuse it with."""

    id: str
    question: str
    answer: Any
    expect: str


@dataclass(frozen=True)
class Examples:
    """keel/answers.yml: what the tests render from, and what the reference shows refused."""

    base: dict[str, Any]
    rejections: tuple[Rejection, ...]

    def for_question(self, question: str) -> list[Rejection]:
        return [r for r in self.rejections if r.question == question]


@functools.cache
def examples(path: Path = EXAMPLES) -> Examples:
    """The example answers in `path` (Keel's keel/answers.yml by default)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Examples(
        base=dict(data.get("base") or {}),
        rejections=tuple(Rejection(**entry) for entry in data.get("rejections") or []),
    )
