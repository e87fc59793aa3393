"""Copier migration: resolve the update conflicts Keel can prove it understands.

Git merges lines. It cannot know that a dependency list is a set, that a rule list is an
ordered set, or that of two versions the higher one wins, so a team's ordinary edits (a
dependency, a lint rule, a CI step) and its update bot's bumps collide with a Keel release
whenever they sit on neighbouring lines. This runs after Copier's own merge, before Keel
relocks and reports conflicts, and merges again by structure the files Keel owns:

- pyproject.toml, as TOML (tomlkit, which keeps comments and layout): tables key by key;
  dependency arrays (`project.dependencies`, optional dependencies, dependency groups,
  `build-system.requires`) as sets keyed by distribution name; other arrays as ordered sets;
- the YAML Keel owns (.github/, .pre-commit-config.yaml), as YAML (ruamel.yaml's round
  trip): mappings key by key; jobs' steps, hooks and update entries keyed by what names
  them (`id`, `name`, the action, the ecosystem).

Per key: what only one side changed is taken from that side (so the team's own keys and
tables always stay, and Keel's changes always arrive); what both changed to the same value is
that value; a version both moved follows tasks/versions.py (the higher wins). Anything else is
a genuine conflict: the file keeps conflict markers around exactly those places, stays
unmerged in git, and is reported. Files of other kinds, `*.rej` hunks, and files Keel cannot
parse or write back unchanged are left as Copier left them.

Copier records each file it marked as unmerged in git's index: stage 1 is the old render
(the base), 2 the project as it was, 3 the new render. Those three are all this needs, so
nothing is rendered a second time. A fully merged file is written and leaves the unmerged
state (`git reset`), like every other file the update changed.

Runs with the interpreter that runs Copier. tomlkit and ruamel.yaml are not Copier's own
dependencies: the update command installs them next to it (`uvx --with ...`); without them
this says so and leaves the conflicts to the user. No conflict, no import: a quiet update
costs one `git ls-files`.
"""

from __future__ import annotations

import bisect
import copy
import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Hashable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeAlias

# Run by Copier as a script from the template's tasks/ folder: the folder above holds the
# `tasks` namespace package this file shares with the version rule.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

Side = Literal["ours", "theirs", "base"]
# A value in a tomlkit or ruamel.yaml document: neither library types its nodes usefully.
Node: TypeAlias = Any
# Where a value sits: the keys (and item labels) from the document's top.
Where: TypeAlias = tuple[Any, ...]
MISSING: Node = object()  # a key or item one side does not have
LABELS = ("before updating", "last update", "after updating")
# The update command that brings the merge's libraries next to Copier (the README's).
UPDATE_COMMAND = "uvx --with copier-template-extensions --with tomlkit --with ruamel.yaml copier"

# pyproject.toml arrays of requirements: sets keyed by distribution name.
DEPENDENCY_ARRAYS = (
    ("project", "dependencies"),
    ("project", "optional-dependencies", "*"),
    ("dependency-groups", "*"),
    ("build-system", "requires"),
)


@dataclass(frozen=True)
class Conflict:
    """One place both sides changed differently, in words a person can act on."""

    path: str
    where: str
    ours: str
    theirs: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: yours {self.ours}, Keel's {self.theirs}"


@dataclass
class Report:
    """What the merge did: files resolved, genuine conflicts, files left as Copier left them."""

    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.merged:
            out.append(
                "Keel: merged what both sides changed in "
                + ", ".join(self.merged)
                + " (every addition kept; where both moved a version, the higher)."
            )
        if self.conflicts:
            out.append("Keel: both sides changed these differently; the markers show where:")
            out += [f"  {conflict}" for conflict in self.conflicts]
        out += [f"Keel: {path} left as Copier marked it: {why}" for path, why in self.left.items()]
        return out


# --- git --------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, encoding="utf-8"
    )
    return result.stdout


def unmerged(repo: Path) -> dict[str, set[int]]:
    """Unmerged files under `repo` (relative to it) and the index stages each has."""
    stages: dict[str, set[int]] = {}
    for entry in filter(None, git(repo, "ls-files", "--unmerged", "-z").split("\0")):
        info, path = entry.split("\t", 1)
        stages.setdefault(path, set()).add(int(info.split()[2]))
    return stages


def stage(repo: Path, number: int, path: str) -> str:
    return git(repo, "show", f":{number}:./{path}")


def conflict_markers(repo: Path, ours: str, base: str, theirs: str) -> str | None:
    """The three texts merged by lines with Copier's labels; None if git finds no conflict."""
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = Path(scratch) / name
            file.write_text(text, encoding="utf-8")
            files.append(str(file))
        labels = [arg for label in LABELS for arg in ("-L", label)]
        result = subprocess.run(
            ["git", "merge-file", "-p", *labels, *files],
            cwd=repo,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
    return result.stdout if result.returncode > 0 else None


# --- the merge, shared by TOML and YAML ---------------------------------------------------


def unique(keys: Iterable[Hashable]) -> list[Any]:
    return list(dict.fromkeys(keys))


def shown(value: Node) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


class Format:
    """How one file format reads, compares, edits and writes its documents."""

    def parse(self, text: str) -> Node:
        raise NotImplementedError

    def dump(self, document: Node) -> str:
        raise NotImplementedError

    def plain(self, value: Node) -> Node:
        """The value as plain Python data, for comparing the three sides."""
        raise NotImplementedError

    def is_map(self, value: object) -> bool:
        raise NotImplementedError

    def is_seq(self, value: object) -> bool:
        raise NotImplementedError

    def put(self, target: Node, key: Node, value: Node, source: Node) -> None:
        """Set `target[key]` to `source[key]` (= value), as `source` wrote it."""
        raise NotImplementedError

    def seq_insert(self, target: Node, index: int, value: Node) -> None:
        target.insert(index, copy.deepcopy(value))

    def seq_replace(self, target: Node, index: int, value: Node) -> None:
        target[index] = copy.deepcopy(value)

    def item_key(self, where: Where) -> Callable[[Any, dict[Any, int]], Hashable]:
        raise NotImplementedError

    def sorted_by_key(self, where: Where) -> bool:
        """Whether an array here keeps its items sorted when they already are."""
        return True

    def higher(
        self, where: Where, ours: Node, theirs: Node, ours_parent: Node, theirs_parent: Node
    ) -> Side | None:
        """Which side's value the version rule picks, when both moved a version."""
        raise NotImplementedError


class Merger:
    """A three-way merge of one document into the team's own (`ours`), edited in place."""

    def __init__(self, fmt: Format, path: str, side: Side) -> None:
        self.fmt = fmt
        self.path = path
        # For a genuine conflict: which side's value to write (three passes build markers).
        self.side = side
        self.conflicts: list[Conflict] = []

    def conflict(self, where: Where, ours: Node, theirs: Node) -> None:
        label = ".".join(str(part) for part in where) or "(the whole file)"
        plain = self.fmt.plain
        self.conflicts.append(Conflict(self.path, label, shown(plain(ours)), shown(plain(theirs))))

    def get(self, mapping: Node, key: Node) -> Node:
        return mapping[key] if mapping is not MISSING and key in mapping else MISSING

    def merge_map(self, where: Where, base: Node, ours: Node, theirs: Node) -> None:
        base_keys = list(base.keys()) if base is not MISSING else []
        for key in unique([*ours.keys(), *theirs.keys(), *base_keys]):
            self.merge_entry((*where, key), ours, theirs, base, key)

    def merge_entry(
        self, where: Where, ours_map: Node, theirs_map: Node, base_map: Node, key: Node
    ) -> None:
        fmt = self.fmt
        base, ours, theirs = (self.get(m, key) for m in (base_map, ours_map, theirs_map))
        plain_base, plain_ours, plain_theirs = (
            fmt.plain(v) if v is not MISSING else MISSING for v in (base, ours, theirs)
        )
        if plain_ours == plain_theirs or plain_theirs == plain_base:
            return
        take: Side | None = "theirs" if plain_ours == plain_base else None
        if take is None:
            if fmt.is_map(ours) and fmt.is_map(theirs) and (base is MISSING or fmt.is_map(base)):
                self.merge_map(where, base, ours, theirs)
                return
            if fmt.is_seq(ours) and fmt.is_seq(theirs) and (base is MISSING or fmt.is_seq(base)):
                self.merge_seq(where, base, ours, theirs)
                return
            if ours is not MISSING and theirs is not MISSING:
                take = fmt.higher(where, ours, theirs, ours_map, theirs_map)
            if take is None:
                self.conflict(where, ours, theirs)
                take = self.side
        if take == "ours":
            return
        value, source = (theirs, theirs_map) if take == "theirs" else (base, base_map)
        if value is MISSING:
            if key in ours_map:
                del ours_map[key]
        else:
            fmt.put(ours_map, key, value, source)

    def keyed(self, where: Where, items: Node) -> dict[Hashable, Any] | None:
        """The items of a sequence by their key; None if two items share one."""
        if items is MISSING:
            return {}
        key_of = self.fmt.item_key(where)
        seen: dict[Any, int] = {}
        found: dict[Hashable, Any] = {}
        for item in items:
            key = key_of(item, seen)
            if key in found:
                return None
            found[key] = item
        return found

    def merge_seq(self, where: Where, base: Node, ours: Node, theirs: Node) -> None:
        fmt = self.fmt
        by_base, by_ours, by_theirs = (self.keyed(where, items) for items in (base, ours, theirs))
        if by_base is None or by_ours is None or by_theirs is None:
            # Two items with one key: not a set, so no item-wise merge can be proved right.
            self.conflict(where, ours, theirs)
            if self.side != "ours":
                source = theirs if self.side == "theirs" else base
                ours[:] = [copy.deepcopy(item) for item in ([] if source is MISSING else source)]
            return
        theirs_order = list(by_theirs)
        for key in unique([*by_ours, *by_theirs, *by_base]):
            b, o, t = (side.get(key, MISSING) for side in (by_base, by_ours, by_theirs))
            pb, po, pt = (fmt.plain(v) if v is not MISSING else MISSING for v in (b, o, t))
            if po == pt or pt == pb:
                continue
            take: Side | None = "theirs" if po == pb else None
            if take is None:
                if fmt.is_map(o) and fmt.is_map(t) and (b is MISSING or fmt.is_map(b)):
                    self.merge_map((*where, self.label(key)), b, o, t)
                    continue
                if o is not MISSING and t is not MISSING:
                    take = fmt.higher((*where, self.label(key)), o, t, ours, theirs)
                if take is None:
                    self.conflict((*where, self.label(key)), o, t)
                    take = self.side
            if take == "ours":
                continue
            value = t if take == "theirs" else b
            self.place(where, ours, key, value, theirs_order)

    @staticmethod
    def label(key: Hashable) -> str:
        return "[" + (":".join(map(str, key)) if isinstance(key, tuple) else str(key)) + "]"

    def place(
        self, where: Where, ours: Node, key: Hashable, value: Node, order: list[Hashable]
    ) -> None:
        """Make `ours` hold `value` under `key` (None: not at all), where it belongs."""
        current = list(self.keyed(where, ours) or {})
        if key in current:
            index = current.index(key)
            if value is MISSING:
                del ours[index]
            else:
                self.fmt.seq_replace(ours, index, value)
            return
        if value is MISSING:
            return
        sort_keys = [self.sort_key(k) for k in current]
        if len(current) > 1 and self.fmt.sorted_by_key(where) and sort_keys == sorted(sort_keys):
            index = bisect.bisect(sort_keys, self.sort_key(key))
        else:
            # After the nearest item before it on Keel's side that the project still has.
            position = order.index(key) if key in order else len(order)
            earlier = [k for k in order[:position] if k in current]
            index = current.index(earlier[-1]) + 1 if earlier else len(current)
            later = [k for k in order[position + 1 :] if k in current]
            if not earlier and later:
                index = current.index(later[0])
        self.fmt.seq_insert(ours, index, value)

    @staticmethod
    def sort_key(key: Hashable) -> str:
        return str(key).lower()


# --- TOML ---------------------------------------------------------------------------------


class TomlFormat(Format):
    def __init__(self) -> None:
        import tomlkit
        import tomlkit.items

        self.tomlkit = tomlkit
        self.items = tomlkit.items

    def parse(self, text: str) -> Node:
        return self.tomlkit.parse(text)

    def dump(self, document: Node) -> str:
        return str(self.tomlkit.dumps(document))

    def plain(self, value: Node) -> Node:
        return value.unwrap() if hasattr(value, "unwrap") else value

    def is_map(self, value: object) -> bool:
        # Tables, inline tables, and the proxy tomlkit gives for a table split in parts.
        return isinstance(value, MutableMapping)

    def is_seq(self, value: object) -> bool:
        return isinstance(value, (self.items.Array, self.items.AoT))

    def put(self, target: Node, key: Node, value: Node, source: Node) -> None:
        target[key] = copy.deepcopy(value)

    def seq_insert(self, target: Node, index: int, value: Node) -> None:
        target.insert(index, copy.deepcopy(self.plain(value)))

    def seq_replace(self, target: Node, index: int, value: Node) -> None:
        target[index] = copy.deepcopy(self.plain(value))

    @staticmethod
    def is_dependency_array(where: Where) -> bool:
        return any(
            len(where) == len(pattern)
            and all(p in ("*", w) for p, w in zip(pattern, where, strict=True))
            for pattern in DEPENDENCY_ARRAYS
        )

    def item_key(self, where: Where) -> Callable[[Any, dict[Any, int]], Hashable]:
        from packaging.utils import canonicalize_name

        from tasks.versions import requirement

        dependencies = self.is_dependency_array(where)

        def key(item: Node, _seen: dict[Any, int]) -> Hashable:
            value = self.plain(item)
            if isinstance(value, str):
                parsed = requirement(value) if dependencies else None
                return canonicalize_name(parsed.name) if parsed else value
            return json.dumps(value, sort_keys=True, default=str)

        return key

    def higher(
        self, where: Where, ours: Node, theirs: Node, ours_parent: Node, theirs_parent: Node
    ) -> Side | None:
        from tasks.versions import higher_requirement

        one, other = self.plain(ours), self.plain(theirs)
        if not (isinstance(one, str) and isinstance(other, str)):
            return None
        winner = higher_requirement(one, other)
        return None if winner is None else ("ours" if winner == one else "theirs")


# --- YAML ---------------------------------------------------------------------------------

# Keys that name an item of a YAML sequence (a step, a hook, an update entry), most telling
# first; `repo` and `package-ecosystem` repeat, so a second key or the count tells them apart.
NAMING_KEYS = ("id", "package-ecosystem", "repo", "name", "uses", "run")


class YamlFormat(Format):
    def __init__(self) -> None:
        from ruamel.yaml import YAML
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        self.yaml = YAML()
        self.yaml.preserve_quotes = True
        self.yaml.width = 4096
        # Keel's layout: `key:` then `  - item` under it, nested mappings by two.
        self.yaml.indent(mapping=2, sequence=4, offset=2)
        self.maps = CommentedMap
        self.seqs = CommentedSeq

    def parse(self, text: str) -> Node:
        return self.yaml.load(text)

    def dump(self, document: Node) -> str:
        out = io.StringIO()
        self.yaml.dump(document, out)
        return out.getvalue()

    def plain(self, value: Node) -> Node:
        if isinstance(value, dict):
            return {str(k): self.plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.plain(v) for v in value]
        if isinstance(value, str):
            return str(value)
        return value

    def is_map(self, value: object) -> bool:
        return isinstance(value, dict)

    def is_seq(self, value: object) -> bool:
        return isinstance(value, list)

    @staticmethod
    def comment(mapping: Node, key: Node) -> Node:
        """The comment token after `mapping[key]`'s value (a pin's `# vX.Y.Z`), if any."""
        tokens = getattr(mapping, "ca", None)
        entry = tokens.items.get(key) if tokens is not None else None
        return entry[2] if entry and len(entry) > 2 else None

    def put(self, target: Node, key: Node, value: Node, source: Node) -> None:
        copied = copy.deepcopy(value)
        if key in target:
            target[key] = copied
        else:
            order = list(source.keys())
            earlier = [k for k in order[: order.index(key)] if k in target]
            position = list(target.keys()).index(earlier[-1]) + 1 if earlier else len(target)
            target.insert(position, key, copied)
        new = self.comment(source, key)
        old = self.comment(target, key)
        if new is None:
            return
        if old is None:
            target.ca.items[key] = copy.deepcopy(source.ca.items[key])
            return
        # Keep what follows the comment's first line on the project's side (blank lines
        # and comments belonging to the next entry); take the new first line.
        first = new.value.split("\n", 1)[0]
        rest = old.value.split("\n", 1)[1] if "\n" in old.value else ""
        old.value = f"{first}\n{rest}" if "\n" in old.value or "\n" in new.value else first

    def item_key(self, where: Where) -> Callable[[Any, dict[Any, int]], Hashable]:
        def key(item: Node, seen: dict[Any, int]) -> Hashable:
            if isinstance(item, dict):
                for name in NAMING_KEYS:
                    if name in item and isinstance(item[name], str):
                        value = str(item[name])
                        if name == "uses":
                            value = value.split("@", 1)[0]
                        if name == "package-ecosystem":
                            value = f"{value} {item.get('directory', '/')}"
                        found: tuple[str, ...] = (name, value)
                        count = seen.get(found, 0)
                        seen[found] = count + 1
                        return (*found, str(count)) if count else found
            plain = self.plain(item)
            return plain if isinstance(plain, str | int | float | bool) else json.dumps(plain)

        return key

    def sorted_by_key(self, where: Where) -> bool:
        # Steps, hooks and jobs run in order: never re-sort them.
        return False

    def higher(
        self, where: Where, ours: Node, theirs: Node, ours_parent: Node, theirs_parent: Node
    ) -> Side | None:
        from tasks.versions import higher_pin, higher_requirement

        one, other = self.plain(ours), self.plain(theirs)
        if not (isinstance(one, str) and isinstance(other, str)):
            return None
        if where and where[-1] == "uses" and one.split("@")[0] == other.split("@")[0]:
            comments = (self.comment(ours_parent, "uses"), self.comment(theirs_parent, "uses"))
            winner = higher_pin(*(token.value if token else None for token in comments))
            return None if winner is None else ("ours", "theirs")[winner]
        picked = higher_requirement(one, other)
        return None if picked is None else ("ours" if picked == one else "theirs")


# --- files ----------------------------------------------------------------------------------


def format_for(path: str) -> str | None:
    """Which structured merge a file gets: only files Keel owns and knows the shape of."""
    pure = PurePosixPath(path)
    if path == "pyproject.toml":
        return "toml"
    if pure.suffix in (".yml", ".yaml") and (
        path == ".pre-commit-config.yaml" or pure.parts[0] == ".github"
    ):
        return "yaml"
    return None


def merge_texts(
    fmt: Format, path: str, base: str, ours: str, theirs: str, side: Side
) -> tuple[str, list[Conflict]]:
    """The team's text with Keel's change merged in; conflicts resolved to `side`."""
    base_doc, ours_doc, theirs_doc = (fmt.parse(text) for text in (base, ours, theirs))
    merger = Merger(fmt, path, side)
    if not (fmt.is_map(ours_doc) and fmt.is_map(theirs_doc)):
        raise ValueError("not a mapping at the top")
    merger.merge_map((), base_doc if fmt.is_map(base_doc) else MISSING, ours_doc, theirs_doc)
    return fmt.dump(ours_doc), merger.conflicts


def merge_file(repo: Path, path: str, fmt: Format, report: Report, stages: set[int]) -> None:
    base = stage(repo, 1, path) if 1 in stages else ""
    ours, theirs = stage(repo, 2, path), stage(repo, 3, path)
    if fmt.dump(fmt.parse(ours)) != ours:
        report.left[path] = "its layout is not one Keel can write back unchanged."
        return
    merged, conflicts = merge_texts(fmt, path, base, ours, theirs, "ours")
    target = repo / path
    if not conflicts:
        target.write_text(merged, encoding="utf-8")
        git(repo, "reset", "-q", "--", path)
        report.merged.append(path)
        return
    # Markers around exactly the conflicting places: the merge written three times, each
    # conflict taking one side, then merged by lines.
    with_theirs, _ = merge_texts(fmt, path, base, ours, theirs, "theirs")
    with_base, _ = merge_texts(fmt, path, base, ours, theirs, "base")
    marked = conflict_markers(repo, merged, with_base, with_theirs)
    if marked is not None:
        target.write_text(marked, encoding="utf-8")
    report.conflicts += conflicts


def merge_conflicts(repo: Path) -> Report:
    """Resolve what can be resolved among the files Copier left unmerged under `repo`."""
    report = Report()
    files = unmerged(repo)
    if not files:
        return report
    formats: dict[str, Format | str] = {}
    for path, stages in sorted(files.items()):
        kind = format_for(path)
        if kind is None:
            continue
        if not {2, 3} <= stages:
            report.left[path] = "one side deleted it."
            continue
        if kind not in formats:
            try:
                formats[kind] = TomlFormat() if kind == "toml" else YamlFormat()
            except ImportError as missing:
                formats[kind] = (
                    f"{missing.name} is not installed next to Copier; update with"
                    f" `{UPDATE_COMMAND} update` to let Keel merge it."
                )
        fmt = formats[kind]
        if isinstance(fmt, str):
            report.left[path] = fmt
            continue
        try:
            merge_file(repo, path, fmt, report, stages)
        except Exception as error:  # any failure leaves Copier's result
            report.left[path] = f"Keel could not merge it ({type(error).__name__}: {error})."
    return report


def main(argv: list[str]) -> int:
    repo = Path(argv[0]) if argv else Path.cwd()
    report = merge_conflicts(repo)
    lines = report.lines()
    if lines:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
