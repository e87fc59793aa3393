"""The one rule for a version both sides moved: the higher version wins.

Between two Keel releases a project's update bot (Keel's dependabot.yml asks for it) raises
action pins and dependency floors; a Keel release raises them too. Dependabot only ever
moves a version up, and so do Keel's releases, so when both moved the same one the higher
is what each side meant: a lower one would undo a fix the other side took on purpose.
tasks/merge.py applies this rule during `copier update`, and docs/how-to/updating.md quotes
RULE word for word (a test holds them together).

Two versions the rule cannot order (a floor next to a changed cap, a pin next to a range,
two commits with no version comment) stay a conflict: guessing there could lose a choice.
`packaging` is Copier's own dependency, so this runs in the interpreter that runs Copier.
"""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

RULE = (
    "Where your project (or its update bot) and Keel both moved the same version, the"
    " higher version wins; two versions that cannot be ordered stay a conflict for you."
)

# The clauses of a requirement that set its lowest acceptable version.
FLOOR_OPERATORS = frozenset({">=", ">", "==", "~=", "==="})
# The release an action pin stands for, as Dependabot and Keel's pins write it:
# `uses: owner/repo@<sha> # vX.Y.Z`.
PIN_COMMENT = re.compile(r"#\s*v?(\d+(?:\.\d+)*)\b")


def version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def pin_version(comment: str | None) -> Version | None:
    """The release in a pin's `# vX.Y.Z` comment, or None when it names none."""
    match = PIN_COMMENT.search(comment or "")
    return version(match.group(1)) if match else None


def requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def floor(req: Requirement) -> tuple[Version, frozenset[str]] | None:
    """A requirement's one lower bound, and its other clauses; None without exactly one."""
    floors = [spec for spec in req.specifier if spec.operator in FLOOR_OPERATORS]
    if len(floors) != 1:
        return None
    bound = version(floors[0].version)
    if bound is None:
        return None
    others = frozenset(str(spec) for spec in req.specifier if spec not in floors)
    return bound, others


def higher_requirement(one: str, other: str) -> str | None:
    """Of two requirements for one distribution, the one with the higher lower bound.

    Only when everything but the floor agrees (name, extras, marker, caps and exclusions)
    and the floors differ; otherwise None: the two cannot be ordered.
    """
    first, second = requirement(one), requirement(other)
    if first is None or second is None or first.url or second.url:
        return None
    same = (
        canonicalize_name(first.name) == canonicalize_name(second.name)
        and first.extras == second.extras
        and str(first.marker) == str(second.marker)
    )
    bounds = floor(first), floor(second)
    if not same or bounds[0] is None or bounds[1] is None or bounds[0][1] != bounds[1][1]:
        return None
    if bounds[0][0] == bounds[1][0]:
        return None
    return one if bounds[0][0] > bounds[1][0] else other


def higher_pin(one: str | None, other: str | None) -> int | None:
    """Which of two pin comments names the higher release (0 or 1); None if not both do."""
    first, second = pin_version(one), pin_version(other)
    if first is None or second is None or first == second:
        return None
    return 0 if first > second else 1
