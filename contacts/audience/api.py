"""The audience engine's API: what contacts, outbound, bots, tours and series call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.utils import OperationalError
from django.utils import formats
from django.utils.translation import gettext as _

from contacts.audience.engine import ContactFacts, Context, compile_group, evaluate_group
from contacts.audience.fields import CHOICE, SEGMENT, TAG, FieldCatalogue
from contacts.audience.operators import DAY, OPERATORS, STRING
from contacts.audience.rules import EVERYONE, Condition, Group, Rule, RuleError, parse_rule
from contacts.models import Contact, Segment
from workspaces.models import Tag, Workspace

__all__ = ["EVERYONE", "RuleError", "builder_schema", "catalogue", "contacts", "count", "describe", "matches",
           "parse", "q_for"]

COUNT_TIMEOUT_MS = 2_000


def catalogue(workspace: Workspace) -> FieldCatalogue:
    return FieldCatalogue(workspace.pk)


def parse(raw: Any, *, workspace: Workspace, fields: FieldCatalogue | None = None) -> Rule:
    """The validated rule, or RuleError saying what is wrong and where."""
    rule = parse_rule(raw, catalogue=fields or FieldCatalogue(workspace.pk))
    # Segments named in the rule are read now, so a cycle is refused when the rule is saved.
    q_for(rule, workspace=workspace)
    return rule


def q_for(rule: Rule, *, workspace: Workspace, now: dt.datetime | None = None) -> Q:
    """The rule as a Q over Contact, for the workspace's contacts (at `now`)."""
    fields = rule.catalogue if rule.catalogue is not None and rule.catalogue.workspace_id == workspace.pk else None
    return compile_group(rule.root, Context.for_workspace(workspace, now=now, catalogue=fields))


def contacts(rule: Rule, *, workspace: Workspace, now: dt.datetime | None = None) -> QuerySet[Contact]:
    """The workspace's contacts the rule selects (merged-away duplicates never included)."""
    people = Contact.objects.for_workspace(workspace).filter(merged_into__isnull=True)
    return people if rule.is_everyone else people.filter(q_for(rule, workspace=workspace, now=now))


def count(rule: Rule, *, workspace: Workspace, base: QuerySet[Contact] | None = None,
          timeout_ms: int = COUNT_TIMEOUT_MS) -> int:
    """How many contacts match, bounded in time: a rule that would scan for longer than
    `timeout_ms` is refused (RuleError) instead of holding the database."""
    people = contacts(rule, workspace=workspace)
    if base is not None:
        people = people & base
    if connection.vendor != "postgresql":
        return people.count()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [f"{int(timeout_ms)}ms"])
            return people.count()
    except OperationalError as exc:
        if "statement timeout" in str(exc):
            raise RuleError(_("This filter takes too long to count; narrow it down.")) from exc
        raise


def matches(rule: Rule, contact: Contact, *, now: dt.datetime | None = None, facts: ContactFacts | None = None) -> bool:
    """Whether one contact matches, evaluated in Python (a few small queries for its tags,
    companies and events)."""
    if rule.is_everyone:
        return contact.merged_into_id is None
    ctx = Context.for_workspace(contact.workspace, now=now)
    return contact.merged_into_id is None and evaluate_group(rule.root, facts or ContactFacts.load(contact), ctx)


# --- sentences ----------------------------------------------------------------------------


def _value_text(condition: Condition, rule: Rule) -> str:
    value, kind = condition.value, condition.operator.value
    if condition.field.type == TAG:
        return f"“{rule.names.get(('tag', value), value)}”"
    if condition.field.type == SEGMENT:
        return f"“{rule.names.get(('segment', value), value)}”"
    if condition.field.type == CHOICE and condition.field.choices:
        return f"“{dict(condition.field.choices).get(value, value)}”"
    if kind == STRING:
        return f"“{value}”"
    if kind == DAY:
        return formats.date_format(value, "DATE_FORMAT")
    return formats.number_format(value)


def _describe(node: Group | Condition, rule: Rule, nested: bool) -> str:
    if isinstance(node, Condition):
        return str(node.operator.sentence) % {"field": node.field.label, "value": _value_text(node, rule)}
    if not node.children:
        return _("everyone")
    joiner = _(" and ") if node.match == "all" else _(" or ")
    text = joiner.join(_describe(child, rule, True) for child in node.children)
    return f"({text})" if nested and len(node.children) > 1 else text


def describe(rule: Rule) -> str:
    """The rule as a sentence in the active language."""
    text = _describe(rule.root, rule, False)
    return text[:1].upper() + text[1:]


# --- for builders ---------------------------------------------------------------------------


def builder_schema(workspace: Workspace, fields: FieldCatalogue | None = None) -> dict[str, Any]:
    """Fields, operators, tags and segments, translated, for the filter builder's menus."""
    fields = fields or FieldCatalogue(workspace.pk)
    return {
        "fields": [
            {"key": f.key, "label": str(f.label), "type": f.type, "group": str(f.group),
             "choices": [[key, str(label)] for key, label in f.choices]}
            for f in fields.all()
        ],
        "operators": {
            field_type: [{"key": op.key, "label": str(op.label), "value": op.value} for op in ops]
            for field_type, ops in OPERATORS.items()
        },
        "tags": [{"id": pk, "name": name} for pk, name in Tag.objects.for_workspace(workspace).values_list("pk", "name")],
        "segments": [{"id": pk, "name": name}
                     for pk, name in Segment.objects.for_workspace(workspace).values_list("pk", "name")],
    }
