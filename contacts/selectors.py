"""Reads about contacts for other areas' screens (the inbox's customer sidebar first)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts import audience
from contacts.models import AttributeDefinition, Company, Contact, ContactEvent, Note, PageView, Segment
from contacts.segments import BUILTINS_BY_KEY, people_of
from workspaces.models import Tag, Workspace

SIDEBAR_NOTES = 5


@dataclass(frozen=True)
class CustomerCard:
    """What the agent sees of a customer beside a conversation."""

    contact: Contact
    local_time: dt.datetime | None
    tags: list[Tag]
    notes: list[Note]
    companies: list[Company]  # each with `recent_notes`


def _local_time(contact: Contact, now: dt.datetime) -> dt.datetime | None:
    try:
        return now.astimezone(zoneinfo.ZoneInfo(contact.timezone)) if contact.timezone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def customer_card(*, contact: Contact, now: dt.datetime | None = None) -> CustomerCard:
    workspace_id = contact.workspace_id
    notes = Note.objects.for_workspace(workspace_id).select_related("author__user")
    companies = list(
        Company.objects.for_workspace(workspace_id).filter(contacts=contact).order_by("name")
        .prefetch_related(Prefetch("notes", queryset=notes.order_by("-created_at"), to_attr="recent_notes"))
    )
    for company in companies:
        company.recent_notes = company.recent_notes[:SIDEBAR_NOTES]
    return CustomerCard(
        contact=contact,
        local_time=_local_time(contact, now or timezone.now()),
        tags=list(Tag.objects.for_workspace(workspace_id).filter(pk__in=contact.tags.values("pk")).order_by("name")),
        notes=list(notes.filter(contact=contact).order_by("-created_at")[:SIDEBAR_NOTES]),
        companies=companies,
    )


# --- the contact profile ---------------------------------------------------------------------

PROFILE_EVENTS = 20
PROFILE_PAGE_VIEWS = 20
PROFILE_NOTES = 50
PROFILE_CONVERSATIONS = 20


@dataclass(frozen=True)
class Keyset:
    """A keyset position in a list ordered newest first: the last row's (timestamp, id)."""

    at: dt.datetime
    pk: int

    def encode(self) -> str:
        return f"{self.at.timestamp():.6f}_{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> Keyset | None:
        if not raw:
            return None
        try:
            stamp, pk = raw.split("_", 1)
            return cls(at=dt.datetime.fromtimestamp(float(stamp), tz=dt.timezone.utc), pk=int(pk))
        except (ValueError, OverflowError, OSError):
            return None


def _older_than(rows: QuerySet, cursor: Keyset | None, column: str) -> QuerySet:
    if cursor is None:
        return rows
    return rows.filter(Q(**{f"{column}__lt": cursor.at}) | Q(**{column: cursor.at, "id__lt": cursor.pk}))


def _page(rows: QuerySet, column: str, limit: int) -> tuple[list[Any], Keyset | None]:
    fetched = list(rows.order_by(f"-{column}", "-id")[: limit + 1])
    if len(fetched) <= limit:
        return fetched, None
    last = fetched[limit - 1]
    return fetched[:limit], Keyset(at=getattr(last, column), pk=last.pk)


@dataclass(frozen=True)
class CustomValue:
    """One custom attribute of a person or company as the profile shows it."""

    key: str
    value: Any
    definition: AttributeDefinition | None  # None: a value without a declared type

    @property
    def is_archived(self) -> bool:
        return self.definition is not None and self.definition.archived_at is not None


def custom_values(*, definitions: list[AttributeDefinition], attributes: dict[str, Any]) -> list[CustomValue]:
    """Every declared attribute (with its value or None), then stored keys nobody declared."""
    declared = {definition.key for definition in definitions}
    rows = [CustomValue(d.key, attributes.get(d.key), d) for d in definitions]
    rows += [CustomValue(key, value, None) for key, value in sorted(attributes.items()) if key not in declared]
    return rows


def attribute_definitions(*, workspace: Workspace | int, target: str, archived: bool | None = None
                          ) -> list[AttributeDefinition]:
    definitions = AttributeDefinition.objects.for_workspace(workspace).filter(target=target)
    if archived is not None:
        definitions = definitions.filter(archived_at__isnull=not archived)
    return list(definitions.order_by("key"))


def contact_get(*, workspace: Workspace, contact_id: int) -> Contact | None:
    """A contact of the workspace (visitors too: the inbox links to them), not merged away."""
    return (
        Contact.objects.for_workspace(workspace).select_related("workspace")
        .filter(pk=contact_id, merged_into__isnull=True).first()
    )


@dataclass(frozen=True)
class ContactProfile:
    contact: Contact
    local_time: dt.datetime | None
    tags: list[Tag]
    notes: list[Note]
    companies: list[Company]
    custom: list[CustomValue]
    events: list[ContactEvent]
    older_events: Keyset | None
    page_views: list[PageView]
    conversations: list[Any]


def contact_events(*, contact: Contact, before: Keyset | None = None, limit: int | None = None
                   ) -> tuple[list[ContactEvent], Keyset | None]:
    """The contact's latest events (older than `before`), and the cursor of the next page."""
    limit = limit or PROFILE_EVENTS
    events = ContactEvent.objects.for_workspace(contact.workspace_id).filter(contact=contact)
    return _page(_older_than(events, before, "created_at"), "created_at", limit)


def contact_profile(*, contact: Contact, events_before: Keyset | None = None, now: dt.datetime | None = None,
                    definitions: list[AttributeDefinition] | None = None) -> ContactProfile:
    """Everything the profile shows, in a fixed number of queries whatever the contact has.
    `definitions`: the workspace's person attribute definitions, when the caller has them."""
    from inbox.selectors import contact_conversations

    workspace_id = contact.workspace_id
    if definitions is None:
        definitions = attribute_definitions(workspace=workspace_id, target=AttributeDefinition.Target.CONTACT)
    events, older = contact_events(contact=contact, before=events_before)
    return ContactProfile(
        contact=contact,
        local_time=_local_time(contact, now or timezone.now()),
        tags=list(Tag.objects.for_workspace(workspace_id).filter(pk__in=contact.tags.values("pk")).order_by("name")),
        notes=list(Note.objects.for_workspace(workspace_id).filter(contact=contact)
                   .select_related("author__user").order_by("-created_at")[:PROFILE_NOTES]),
        companies=list(Company.objects.for_workspace(workspace_id).filter(contacts=contact).order_by("name", "id")),
        custom=custom_values(definitions=definitions, attributes=contact.attributes or {}),
        events=events,
        older_events=older,
        page_views=list(PageView.objects.for_workspace(workspace_id).filter(contact=contact)
                        .order_by("-created_at", "-id")[:PROFILE_PAGE_VIEWS]),
        conversations=list(contact_conversations(workspace_id=workspace_id, contact_id=contact.pk,
                                                 limit=PROFILE_CONVERSATIONS)),
    )


# --- companies -------------------------------------------------------------------------------

COMPANY_PAGE = 50
COMPANY_PEOPLE_PAGE = 25


@dataclass(frozen=True)
class NameCursor:
    """Keyset position in the companies list, ordered by name then id."""

    name: str
    pk: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(json.dumps([self.name, self.pk]).encode()).decode()

    @classmethod
    def decode(cls, raw: str | None) -> NameCursor | None:
        if not raw:
            return None
        try:
            name, pk = json.loads(base64.urlsafe_b64decode(raw.encode()))
        except (ValueError, TypeError, UnicodeError):
            return None
        if not isinstance(name, str) or not isinstance(pk, int) or isinstance(pk, bool):
            return None
        return cls(name=name, pk=pk)


def _people_filter(prefix: str = "") -> Q:
    """Users and leads that were not merged away: who "people" counts everywhere."""
    return Q(**{f"{prefix}merged_into__isnull": True}) & ~Q(**{f"{prefix}role": Contact.Role.VISITOR})


def company_list(*, workspace: Workspace, search: str = "", after: NameCursor | None = None,
                 limit: int | None = None) -> tuple[list[Company], NameCursor | None]:
    """One page of companies by name, each with `people_count`, in one query."""
    limit = limit or COMPANY_PAGE
    companies = Company.objects.for_workspace(workspace).annotate(
        people_count=Count("contacts", filter=_people_filter("contacts__"))
    )
    if search:
        companies = companies.filter(Q(name__icontains=search) | Q(company_id__icontains=search))
    if after is not None:
        companies = companies.filter(Q(name__gt=after.name) | Q(name=after.name, id__gt=after.pk))
    rows = list(companies.order_by("name", "id")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], NameCursor(name=rows[limit - 1].name, pk=rows[limit - 1].pk)


def company_get(*, workspace: Workspace, company_id: int) -> Company | None:
    return Company.objects.for_workspace(workspace).filter(pk=company_id).first()


def company_people(*, company: Company, after_id: int | None = None, limit: int | None = None
                   ) -> tuple[list[Contact], int | None]:
    """The company's people, newest first, after the contact id `after_id`."""
    limit = limit or COMPANY_PEOPLE_PAGE
    people = Contact.objects.for_workspace(company.workspace_id).filter(_people_filter(), companies=company)
    if after_id is not None:
        people = people.filter(id__lt=after_id)
    rows = list(people.order_by("-id")[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def company_notes(*, company: Company, limit: int = PROFILE_NOTES) -> list[Note]:
    return list(Note.objects.for_workspace(company.workspace_id).filter(company=company)
                .select_related("author__user").order_by("-created_at")[:limit])


# --- distribution ----------------------------------------------------------------------------

DISTRIBUTION_TOP = 10
DISTRIBUTION_DIMENSIONS = ("country", "language", "browser", "os", "device_type", "role")


@dataclass(frozen=True)
class Bar:
    value: str  # "" for unknown
    count: int
    percent: float  # of the whole set, 0–100
    is_other: bool = False  # the rest, beyond the top values


def distribution(*, people: QuerySet[Contact], dimensions: tuple[str, ...] = DISTRIBUTION_DIMENSIONS,
                 top: int = DISTRIBUTION_TOP) -> dict[str, list[Bar]]:
    """Per dimension, the `top` most common values and an "other" bar for the rest: one
    GROUP BY per dimension over the given set (already scoped to a workspace)."""
    result: dict[str, list[Bar]] = {}
    for dimension in dimensions:
        groups = list(people.order_by().values_list(dimension).annotate(n=Count("id")).order_by("-n", dimension))
        total = sum(n for _value, n in groups) or 1
        bars = [Bar(value or "", n, 100 * n / total) for value, n in groups[:top]]
        rest = sum(n for _value, n in groups[top:])
        if rest:
            bars.append(Bar("", rest, 100 * rest / total, is_other=True))
        result[dimension] = bars
    return result


def audience_people(*, workspace: Workspace, rule: str | None = None, segment: str | None = None
                    ) -> tuple[QuerySet[Contact], Any, str]:
    """The people a contacts screen shows for its `rule` (rule JSON) and `segment` (a saved
    segment's id or a built-in view's key) query parameters: (people, parsed rule or None,
    segment name or ""). Raises audience.RuleError, with the reason, for anything unknown."""
    people = people_of(workspace)
    fields = audience.catalogue(workspace)
    segment_name = ""
    if segment:
        if segment in BUILTINS_BY_KEY:
            builtin = BUILTINS_BY_KEY[segment]
            segment_rule, segment_name = builtin.rule, str(builtin.label)
        elif segment.isdigit() and len(segment) < 12:
            saved = Segment.objects.for_workspace(workspace).filter(pk=int(segment)).only("name").first()
            if saved is None:
                raise audience.RuleError(_("There is no such segment."))
            segment_rule = {"match": "all", "rules": [{"field": "segment", "operator": "in", "value": saved.pk}]}
            segment_name = saved.name
        else:
            raise audience.RuleError(_("There is no such segment."))
        people = people.filter(audience.q_for(audience.parse(segment_rule, workspace=workspace, fields=fields),
                                              workspace=workspace))
    parsed = None
    if rule:
        parsed = audience.parse(rule, workspace=workspace, fields=fields)
        if not parsed.is_everyone:
            people = people.filter(audience.q_for(parsed, workspace=workspace))
    return people, parsed, segment_name
