"""The rule language: versioned JSON, validated into a tree before anything reads it.

    {"version": 1, "match": "all", "rules": [
        {"field": "last_seen_at", "operator": "less_than_days_ago", "value": 30},
        {"field": "custom.plan", "operator": "is", "value": "pro"},
        {"match": "any", "rules": [
            {"field": "tag", "operator": "has", "value": 12},
            {"field": "country", "operator": "is", "value": "Japan"}]}]}

Anything unknown (a field, an operator, a value of the wrong type, a tag or segment of
another workspace) is refused with a message naming where it is; a rule is never
"mostly" understood. An empty rule means everyone."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.utils.translation import gettext as _

from contacts.audience.fields import Field, FieldCatalogue
from contacts.audience.operators import (
    COUNT,
    DAY,
    DAYS,
    NO_VALUE,
    NUMERIC,
    SEGMENT_ID,
    STRING,
    TAG_ID,
    Operator,
    operator_for,
)

RULE_VERSION = 1
MAX_DEPTH = 4
MAX_CONDITIONS = 50
MAX_TEXT = 255
MAX_DAYS = 36_500
MAX_COUNT = 1_000_000_000
MAX_NUMBER = 1e15
MAX_JSON = 20_000


class RuleError(ValueError):
    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message, self.path = message, path


@dataclass(frozen=True)
class Condition:
    field: Field
    operator: Operator
    value: Any = None


@dataclass(frozen=True)
class Group:
    match: str  # "all" or "any"
    children: tuple[Group | Condition, ...]


@dataclass(frozen=True)
class Rule:
    root: Group
    # Tag and segment ids the rule names, with their names, for sentences.
    names: dict[tuple[str, int], str]
    # The workspace's fields the rule was read with, so compiling it reads them no second time.
    catalogue: FieldCatalogue | None = dataclass_field(default=None, compare=False, repr=False)

    @property
    def is_everyone(self) -> bool:
        return not self.root.children

    def as_json(self) -> dict[str, Any]:
        return {"version": RULE_VERSION, **_group_json(self.root)}


def _group_json(group: Group) -> dict[str, Any]:
    return {"match": group.match, "rules": [
        _group_json(child) if isinstance(child, Group)
        else {"field": child.field.key, "operator": child.operator.key,
              **({} if child.value is None else {"value": child.value.isoformat() if isinstance(child.value, dt.date) else child.value})}
        for child in group.children
    ]}


EVERYONE: dict[str, Any] = {"version": RULE_VERSION, "match": "all", "rules": []}


class _Parser:
    def __init__(self, catalogue: FieldCatalogue) -> None:
        self.catalogue = catalogue
        self.conditions = 0
        self.tag_ids: dict[int, str] = {}
        self.segment_ids: dict[int, str] = {}

    def group(self, raw: Any, path: str, depth: int) -> Group:
        if not isinstance(raw, dict):
            raise RuleError(_("A group must be an object with “match” and “rules”."), path)
        if depth > MAX_DEPTH:
            raise RuleError(_("Groups can be nested %(limit)d deep at most.") % {"limit": MAX_DEPTH}, path)
        unknown_keys = set(raw) - {"match", "rules", "version"}
        if unknown_keys:
            raise RuleError(_("Unknown key “%(key)s”.") % {"key": sorted(unknown_keys)[0]}, path)
        match = raw.get("match", "all")
        if match not in ("all", "any"):
            raise RuleError(_("“match” must be “all” or “any”."), path)
        rules = raw.get("rules", [])
        if not isinstance(rules, list):
            raise RuleError(_("“rules” must be a list."), path)
        children: list[Group | Condition] = []
        for index, child in enumerate(rules):
            child_path = f"{path}.rules[{index}]" if path else f"rules[{index}]"
            if isinstance(child, dict) and ("rules" in child or "match" in child):
                children.append(self.group(child, child_path, depth + 1))
            else:
                children.append(self.condition(child, child_path))
        return Group(match=match, children=tuple(children))

    def condition(self, raw: Any, path: str) -> Condition:
        if not isinstance(raw, dict):
            raise RuleError(_("A condition must be an object with “field” and “operator”."), path)
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise RuleError(_("A rule can have %(limit)d conditions at most.") % {"limit": MAX_CONDITIONS}, path)
        unknown_keys = set(raw) - {"field", "operator", "value"}
        if unknown_keys:
            raise RuleError(_("Unknown key “%(key)s”.") % {"key": sorted(unknown_keys)[0]}, path)
        field = self.catalogue.get(raw.get("field")) if isinstance(raw.get("field"), str) else None
        if field is None:
            raise RuleError(_("Unknown field “%(field)s”.") % {"field": str(raw.get("field"))[:80]}, path)
        operator = operator_for(field.type, raw.get("operator")) if isinstance(raw.get("operator"), str) else None
        if operator is None:
            raise RuleError(
                _("“%(operator)s” is not an operator for %(field)s.")
                % {"operator": str(raw.get("operator"))[:40], "field": field.label}, path
            )
        return Condition(field=field, operator=operator, value=self.value(field, operator, raw.get("value"), path))

    def value(self, field: Field, operator: Operator, raw: Any, path: str) -> Any:
        kind = operator.value
        if kind == NO_VALUE:
            if raw not in (None, ""):
                raise RuleError(_("This condition takes no value."), path)
            return None
        if raw is None or raw == "":
            raise RuleError(_("This condition needs a value."), path)
        if kind == STRING:
            if not isinstance(raw, str):
                raise RuleError(_("The value must be text."), path)
            if len(raw) > MAX_TEXT:
                raise RuleError(_("The value is longer than %(limit)d characters.") % {"limit": MAX_TEXT}, path)
            if field.choices and raw not in {key for key, _label in field.choices}:
                raise RuleError(_("“%(value)s” is not one of the choices.") % {"value": raw[:80]}, path)
            return raw
        if kind == NUMERIC:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or abs(raw) > MAX_NUMBER:
                raise RuleError(_("The value must be a number."), path)
            return raw
        if kind in (DAYS, COUNT):
            limit = MAX_DAYS if kind == DAYS else MAX_COUNT
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= limit:
                raise RuleError(_("The value must be a whole number from 0 to %(limit)d.") % {"limit": limit}, path)
            return raw
        if kind == DAY:
            try:
                return dt.date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else _bad_date(path)
            except ValueError:
                _bad_date(path)
        if kind in (TAG_ID, SEGMENT_ID):
            if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
                raise RuleError(_("The value must be the id of a tag or segment."), path)
            (self.tag_ids if kind == TAG_ID else self.segment_ids)[raw] = path
            return raw
        raise RuleError(_("This condition cannot be read."), path)  # pragma: no cover - every kind is above


def _bad_date(path: str) -> None:
    raise RuleError(_("The value must be a date like 2026-08-30."), path)


def parse_rule(raw: Any, *, catalogue: FieldCatalogue) -> Rule:
    """The rule `raw` (a dict, or its JSON text) as a validated tree, or RuleError."""
    from contacts.models import Segment
    from workspaces.models import Tag

    if isinstance(raw, (str, bytes)):
        if len(raw) > MAX_JSON:
            raise RuleError(_("The rule is too large."))
        try:
            raw = json.loads(raw) if raw else EVERYONE
        except ValueError as exc:
            raise RuleError(_("The rule is not valid JSON.")) from exc
    if not isinstance(raw, dict):
        raise RuleError(_("A rule must be an object with “match” and “rules”."))
    if raw.get("version", RULE_VERSION) != RULE_VERSION:
        raise RuleError(_("Unknown rule version %(version)s.") % {"version": str(raw.get("version"))[:10]})
    parser = _Parser(catalogue)
    root = parser.group(raw, "", 1)
    names: dict[tuple[str, int], str] = {}
    workspace_id = catalogue.workspace_id
    if parser.tag_ids:
        found = dict(Tag.objects.for_workspace(workspace_id).filter(pk__in=parser.tag_ids).values_list("pk", "name"))
        for pk, path in parser.tag_ids.items():
            if pk not in found:
                raise RuleError(_("There is no such tag."), path)
            names[("tag", pk)] = found[pk]
    if parser.segment_ids:
        found = dict(Segment.objects.for_workspace(workspace_id).filter(pk__in=parser.segment_ids).values_list("pk", "name"))
        for pk, path in parser.segment_ids.items():
            if pk not in found:
                raise RuleError(_("There is no such segment."), path)
            names[("segment", pk)] = found[pk]
    return Rule(root=root, names=names, catalogue=catalogue)


def conditions_of(group: Group):  # type: ignore[no-untyped-def]
    for child in group.children:
        if isinstance(child, Group):
            yield from conditions_of(child)
        else:
            yield child
