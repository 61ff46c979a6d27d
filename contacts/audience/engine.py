"""A rule's meaning, twice: compiled to a `Q` over the workspace's contacts (for lists,
counts, segments and audiences), and evaluated in Python for one contact (for a bot or tour
deciding on the spot, and for keeping segment membership current). The two are written
side by side per value source so they stay the same; a property-based test checks it.

Semantics worth knowing:
- text "is"/"is not" are exact; "contains", "starts with", "ends with" ignore case;
  "is unknown" means missing, null or empty; "is not" includes the unknown;
- custom attributes are read only as the type they were declared (a text rule never
  matches a number stored under that key);
- dates are compared in the workspace's time zone ("on 2026-08-30" is that local day);
- a company condition holds when any of the person's companies satisfies it;
- every condition is true or false, never SQL NULL, so negation and "any" groups mean
  exactly what they say.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, CharField, Exists, F, Func, OuterRef, Q, TextField, Value, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce, Collate
from django.db.models.lookups import Exact, GreaterThanOrEqual, IContains, IEndsWith, IStartsWith, LessThan
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.audience.fields import BOOLEAN, CHOICE, DATE, EVENT, NUMBER, SEGMENT, TAG, TEXT, FieldCatalogue
from contacts.audience.rules import Condition, Group, Rule, RuleError, parse_rule
from contacts.models import Company, Contact, ContactEventSummary, Segment

INTEGER_COLUMNS = {"session_count", "size"}


@dataclass
class Context:
    """What a rule is read against: the workspace (its time zone, fields and segments) and
    the moment (relative dates)."""

    workspace_id: int
    tz: dt.tzinfo
    now: dt.datetime
    catalogue: FieldCatalogue
    _segment_rules: dict[int, Rule] = field(default_factory=dict)
    _stack: tuple[int, ...] = ()

    @classmethod
    def for_workspace(cls, workspace: Any, now: dt.datetime | None = None,
                      catalogue: FieldCatalogue | None = None) -> Context:
        return cls(workspace_id=workspace.pk, tz=zoneinfo.ZoneInfo(workspace.timezone), now=now or timezone.now(),
                   catalogue=catalogue or FieldCatalogue(workspace.pk))

    def day_start(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz)

    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()

    def segment_rule(self, segment_id: int) -> Rule:
        if segment_id in self._stack:
            raise RuleError(_("A segment cannot include itself, directly or through another segment."))
        if len(self._stack) >= 3:
            raise RuleError(_("Segments can refer to other segments 3 deep at most."))
        if segment_id not in self._segment_rules:
            segment = Segment.objects.for_workspace(self.workspace_id).filter(pk=segment_id).first()
            if segment is None:
                raise RuleError(_("There is no such segment."))
            self._segment_rules[segment_id] = parse_rule(segment.rule, catalogue=self.catalogue)
        return self._segment_rules[segment_id]

    def inside(self, segment_id: int) -> Context:
        return Context(self.workspace_id, self.tz, self.now, self.catalogue, self._segment_rules,
                       self._stack + (segment_id,))


# --- the date boundaries both sides use ------------------------------------------------------


def _date_range(op: str, value: Any, ctx: Context) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) of the moments a date condition accepts (None: unbounded)."""
    day = dt.timedelta(days=1)
    if op == "more_than_days_ago":
        return None, ctx.now - value * day
    if op == "less_than_days_ago":
        return ctx.now - value * day, None
    if op == "exactly_days_ago":
        start = ctx.day_start(ctx.today() - value * day)
        return start, start + day
    if op == "after":
        return ctx.day_start(value + day), None
    if op == "on":
        return ctx.day_start(value), ctx.day_start(value + day)
    if op == "before":
        return None, ctx.day_start(value)
    raise RuleError(_("Unknown date operator."))


def _iso(moment: dt.datetime) -> str:
    # Custom date attributes are stored as UTC ISO 8601, so text order is time order.
    return moment.astimezone(dt.timezone.utc).isoformat()


# --- compilation --------------------------------------------------------------------------


class _PathMatches(Func):
    """`document @? path::jsonpath` (true, false, or NULL when the key is missing)."""

    function = ""
    arg_joiner = " @? "
    template = "(%(expressions)s::jsonpath)"
    output_field = BooleanField()


def _jsonpath_key(key: str) -> str:
    """The key as a jsonpath string literal: backslash, quote and control characters escaped."""
    def escape(char: str) -> str:
        if char in ('"', "\\"):
            return "\\" + char
        return f"\\u{ord(char):04x}" if ord(char) < 32 else char

    return '"' + "".join(escape(char) for char in key) + '"'


def _jsonpath_number(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _never_null(condition: Q | Any) -> Q:
    """The condition as a plain true/false, so NOT and OR never meet SQL's NULL."""
    return Q(Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()))


def _column_q(path: str, column: str, field_type: str, op: str, value: Any, ctx: Context) -> Q:
    """A condition on a typed column (of the contact, or of a company when `path` names it)."""
    name = f"{path}{column}"
    if field_type in (TEXT, CHOICE):
        unknown = Q(**{f"{name}__isnull": True}) | Q(**{name: ""})
        return {
            "is": lambda: Q(**{name: value}),
            "is_not": lambda: ~Q(**{name: value}) | Q(**{f"{name}__isnull": True}),
            "contains": lambda: Q(**{f"{name}__icontains": value}),
            "not_contains": lambda: ~Q(**{f"{name}__icontains": value}) | Q(**{f"{name}__isnull": True}),
            "starts_with": lambda: Q(**{f"{name}__istartswith": value}),
            "ends_with": lambda: Q(**{f"{name}__iendswith": value}),
            "unknown": lambda: unknown,
            "known": lambda: ~unknown,
        }[op]()
    if field_type == NUMBER:
        if column in INTEGER_COLUMNS and op in ("eq", "gt", "lt"):
            # A whole-number column compared with a fraction: round the bound the safe way.
            if op == "eq" and value != int(value):
                return Q(pk__in=[])
            value = math.floor(value) if op == "gt" else math.ceil(value) if op == "lt" else int(value)
        # Stated NOT NULL: Django turns a bound beyond a column's range (size > -1 on a
        # positive integer) into "always true", which would take in the unknown too.
        known = Q(**{f"{name}__isnull": False})
        return {
            "eq": lambda: Q(**{name: value}) & known,
            "gt": lambda: Q(**{f"{name}__gt": value}) & known,
            "lt": lambda: Q(**{f"{name}__lt": value}) & known,
            "unknown": lambda: Q(**{f"{name}__isnull": True}),
            "known": lambda: Q(**{f"{name}__isnull": False}),
        }[op]()
    if field_type == BOOLEAN:
        return {
            "is_true": lambda: Q(**{name: True}),
            "is_false": lambda: Q(**{name: False}),
            "unknown": lambda: Q(**{f"{name}__isnull": True}),
            "known": lambda: Q(**{f"{name}__isnull": False}),
        }[op]()
    if field_type == DATE:
        if op == "unknown":
            return Q(**{f"{name}__isnull": True})
        if op == "known":
            return Q(**{f"{name}__isnull": False})
        start, end = _date_range(op, value, ctx)
        q = Q()
        if start is not None:
            q &= Q(**{f"{name}__gte": start})
        if end is not None:
            q &= Q(**{f"{name}__lt": end})
        return q
    raise RuleError(_("Unknown field type."))


def _json_q_portable(column: str, key: str, field_type: str, op: str, value: Any, ctx: Context) -> Q:
    """The same conditions through Django's portable JSON key lookups, for the embedded
    SQLite demo (no jsonb, no GIN). Values stored with another type than declared may
    compare differently there; the PostgreSQL path below is the one held to the
    property test."""
    if "__" in key:
        raise RuleError(_("This attribute's name cannot be filtered on this database."))

    def lookup(name: str, rhs: Any) -> Q:
        # Keyword lookups: on SQLite only they encode the value as JSON for the comparison.
        return Q(**{f"{column}__{key}__{name}": rhs})

    unknown = ~Q(**{f"{column}__has_key": key}) | lookup("exact", None) | lookup("exact", "")
    if op == "unknown":
        return _never_null(unknown)
    if op == "known":
        return ~_never_null(unknown)
    if field_type in (TEXT, CHOICE):
        name = {"is": "exact", "is_not": "exact", "contains": "icontains", "not_contains": "icontains",
                "starts_with": "istartswith", "ends_with": "iendswith"}[op]
        matched = _never_null(lookup(name, value))
        return ~matched if op in ("is_not", "not_contains") else matched
    if field_type == NUMBER:
        return _never_null(lookup({"eq": "exact", "gt": "gt", "lt": "lt"}[op], value))
    if field_type == BOOLEAN:
        return _never_null(lookup("exact", op == "is_true"))
    if field_type == DATE:
        start, end = _date_range(op, value, ctx)
        q = Q()
        if start is not None:
            q &= lookup("gte", _iso(start))
        if end is not None:
            q &= lookup("lt", _iso(end))
        return _never_null(q)
    raise RuleError(_("Unknown field type."))


def _json_q(column: str, key: str, field_type: str, op: str, value: Any, ctx: Context) -> Q:
    """A condition on a custom attribute: the key `key` of the JSON column `column`."""
    if connection.vendor != "postgresql":
        return _json_q_portable(column, key, field_type, op, value, ctx)
    raw = KeyTransform(key, column)
    typeof = Func(raw, function="jsonb_typeof", output_field=CharField())
    text = Coalesce(KeyTextTransform(key, column), Value(""), output_field=TextField())
    is_string = Exact(typeof, "string")
    unknown = (~Q(**{f"{column}__has_key": key}) | Q(**{f"{column}__contains": {key: None}})
               | Q(**{f"{column}__contains": {key: ""}}))
    if op == "unknown":
        return unknown
    if op == "known":
        return ~unknown
    if field_type in (TEXT, CHOICE):
        equal = Q(**{f"{column}__contains": {key: value}})  # jsonb @>: the GIN index answers it
        lookup = {"contains": IContains, "not_contains": IContains, "starts_with": IStartsWith,
                  "ends_with": IEndsWith}.get(op)
        if op == "is":
            return equal
        if op == "is_not":
            return ~equal
        matched = _never_null(Q(is_string) & Q(lookup(text, value)))
        return ~matched if op == "not_contains" else matched
    if field_type == NUMBER:
        if op == "eq":
            # @> compares numbers by value; a stored true/false is never equal to one.
            return Q(**{f"{column}__contains": {key: value}})
        # A strict jsonpath filter compares numbers only (a string, boolean or array under
        # the key is simply no match) and reads the document once: about twice as fast as
        # testing the type and casting the text. The path is a bound parameter.
        path = f"strict $.{_jsonpath_key(key)} ? (@ {'>' if op == 'gt' else '<'} {_jsonpath_number(value)})"
        return _never_null(Q(_PathMatches(F(column), Value(path))))
    if field_type == BOOLEAN:
        return Q(**{f"{column}__contains": {key: op == "is_true"}})
    if field_type == DATE:
        start, end = _date_range(op, value, ctx)
        # Byte order ("C"), not the database's language collation, which skips punctuation.
        stamp = Collate(text, "C")
        q = Q(is_string)
        if start is not None:
            q &= Q(GreaterThanOrEqual(stamp, _iso(start)))
        if end is not None:
            q &= Q(LessThan(stamp, _iso(end)))
        return _never_null(q)
    raise RuleError(_("Unknown field type."))


def _condition_q(condition: Condition, ctx: Context) -> Q:
    f, op, value = condition.field, condition.operator.key, condition.value
    if f.source == "contact":
        return _column_q("", f.name, f.type, op, value, ctx)
    if f.source == "custom":
        return _json_q("attributes", f.name, f.type, op, value, ctx)
    if f.source in ("company", "company_custom"):
        inner = (_column_q("", f.name, f.type, op, value, ctx) if f.source == "company"
                 else _json_q("attributes", f.name, f.type, op, value, ctx))
        companies = Company.objects.for_workspace(ctx.workspace_id).filter(contacts=OuterRef("pk")).filter(inner)
        return Q(Exists(companies))
    if f.type == TAG:
        tagged = Exists(Contact.tags.through.objects.filter(contact_id=OuterRef("pk"), tag_id=value))
        return Q(tagged) if op == "has" else ~Q(tagged)
    if f.type == EVENT:
        return _event_q(f.name, op, value, ctx)
    if f.type == SEGMENT:
        inner = compile_group(ctx.segment_rule(value).root, ctx.inside(value))
        return inner if op == "in" else ~inner
    raise RuleError(_("Unknown field."))


def _event_q(name: str, op: str, value: Any, ctx: Context) -> Q:
    summaries = ContactEventSummary.objects.for_workspace(ctx.workspace_id).filter(contact=OuterRef("pk"), name=name)

    def having(**conditions: Any) -> Q:
        return Q(Exists(summaries.filter(**conditions)))

    if op == "performed":
        return having()
    if op == "never" or (op == "times_exactly" and value == 0):
        return ~having()
    if op == "times_more_than":
        return having(count__gt=value)
    if op == "times_less_than":
        return ~having(count__gte=value) if value > 0 else Q(pk__in=[])
    if op == "times_exactly":
        return having(count=value)
    if op == "last_more_than_days_ago":
        return having(last_at__lt=ctx.now - dt.timedelta(days=value))
    if op == "last_less_than_days_ago":
        return having(last_at__gt=ctx.now - dt.timedelta(days=value))
    raise RuleError(_("Unknown event operator."))


def compile_group(group: Group, ctx: Context) -> Q:
    parts = [compile_group(child, ctx) if isinstance(child, Group) else _condition_q(child, ctx)
             for child in group.children]
    if not parts:
        # An empty group is everyone; an empty Q() would vanish inside an "any" group.
        return Q(pk__isnull=False)
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if group.match == "all" else combined | part
    return combined


# --- one contact -----------------------------------------------------------------------------


@dataclass
class ContactFacts:
    """What evaluation reads of one contact beyond its own row, loaded once."""

    contact: Contact
    tag_ids: set[int]
    companies: list[Company]
    events: dict[str, tuple[int, dt.datetime]]

    @classmethod
    def load(cls, contact: Contact) -> ContactFacts:
        workspace_id = contact.workspace_id
        return cls(
            contact=contact,
            tag_ids=set(Contact.tags.through.objects.filter(contact_id=contact.pk).values_list("tag_id", flat=True)),
            companies=list(Company.objects.for_workspace(workspace_id).filter(contacts=contact)),
            events={name: (count, last_at) for name, count, last_at in
                    ContactEventSummary.objects.for_workspace(workspace_id).filter(contact=contact)
                    .values_list("name", "count", "last_at")},
        )


def _column_test(actual: Any, field_type: str, op: str, value: Any, ctx: Context) -> bool:
    if field_type in (TEXT, CHOICE):
        text = "" if actual is None else str(actual)
        return {
            "is": lambda: text == value and actual is not None,
            "is_not": lambda: actual is None or text != value,
            "contains": lambda: value.upper() in text.upper(),
            "not_contains": lambda: value.upper() not in text.upper(),
            "starts_with": lambda: text.upper().startswith(value.upper()),
            "ends_with": lambda: text.upper().endswith(value.upper()),
            "unknown": lambda: text == "",
            "known": lambda: text != "",
        }[op]()
    if field_type == NUMBER:
        if op == "unknown":
            return actual is None
        if op == "known":
            return actual is not None
        if actual is None:
            return False
        number = Decimal(actual) if isinstance(actual, Decimal) else actual
        bound = Decimal(str(value)) if isinstance(number, Decimal) else value
        return {"eq": number == bound, "gt": number > bound, "lt": number < bound}[op]
    if field_type == BOOLEAN:
        return {"is_true": actual is True, "is_false": actual is False,
                "unknown": actual is None, "known": actual is not None}[op]
    if field_type == DATE:
        if op in ("unknown", "known"):
            return (actual is None) == (op == "unknown")
        if actual is None:
            return False
        start, end = _date_range(op, value, ctx)
        return (start is None or actual >= start) and (end is None or actual < end)
    raise RuleError(_("Unknown field type."))


def _json_test(attributes: dict[str, Any], key: str, field_type: str, op: str, value: Any, ctx: Context) -> bool:
    present = key in attributes
    actual = attributes.get(key)
    unknown = not present or actual is None or actual == ""
    if op == "unknown":
        return unknown
    if op == "known":
        return not unknown
    if field_type in (TEXT, CHOICE):
        if op == "is":
            return isinstance(actual, str) and actual == value
        if op == "is_not":
            return not (isinstance(actual, str) and actual == value)
        matched = isinstance(actual, str) and {
            "contains": lambda: value.upper() in actual.upper(),
            "not_contains": lambda: value.upper() in actual.upper(),
            "starts_with": lambda: actual.upper().startswith(value.upper()),
            "ends_with": lambda: actual.upper().endswith(value.upper()),
        }[op]()
        return not matched if op == "not_contains" else bool(matched)
    if field_type == NUMBER:
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return False
        return {"eq": actual == value, "gt": float(actual) > float(value), "lt": float(actual) < float(value)}[op]
    if field_type == BOOLEAN:
        return actual is (op == "is_true")
    if field_type == DATE:
        if not isinstance(actual, str):
            return False
        start, end = _date_range(op, value, ctx)
        return (start is None or actual >= _iso(start)) and (end is None or actual < _iso(end))
    raise RuleError(_("Unknown field type."))


def _condition_test(condition: Condition, facts: ContactFacts, ctx: Context) -> bool:
    f, op, value = condition.field, condition.operator.key, condition.value
    if f.source == "contact":
        return _column_test(getattr(facts.contact, f.name), f.type, op, value, ctx)
    if f.source == "custom":
        return _json_test(facts.contact.attributes or {}, f.name, f.type, op, value, ctx)
    if f.source == "company":
        return any(_column_test(getattr(c, f.name), f.type, op, value, ctx) for c in facts.companies)
    if f.source == "company_custom":
        return any(_json_test(c.attributes or {}, f.name, f.type, op, value, ctx) for c in facts.companies)
    if f.type == TAG:
        return (value in facts.tag_ids) == (op == "has")
    if f.type == EVENT:
        count, last_at = facts.events.get(f.name, (0, None))
        return {
            "performed": lambda: count > 0,
            "never": lambda: count == 0,
            "times_more_than": lambda: count > value,
            "times_less_than": lambda: count < value,
            "times_exactly": lambda: count == value,
            "last_more_than_days_ago": lambda: last_at is not None and last_at < ctx.now - dt.timedelta(days=value),
            "last_less_than_days_ago": lambda: last_at is not None and last_at > ctx.now - dt.timedelta(days=value),
        }[op]()
    if f.type == SEGMENT:
        inside = evaluate_group(ctx.segment_rule(value).root, facts, ctx.inside(value))
        return inside == (op == "in")
    raise RuleError(_("Unknown field."))


def evaluate_group(group: Group, facts: ContactFacts, ctx: Context) -> bool:
    results = (evaluate_group(child, facts, ctx) if isinstance(child, Group) else _condition_test(child, facts, ctx)
               for child in group.children)
    return all(results) if group.match == "all" else any(results) if group.children else True
