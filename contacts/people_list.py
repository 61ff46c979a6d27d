"""The people spreadsheet: which columns there are, sorting by any of them, and keyset pages
(a cursor of the last row's sort value and id, so page 4,000 costs what page 1 costs)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, CharField, F, FloatField, Func, Q, QuerySet, TextField, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from django.utils import formats
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.audience.fields import BOOLEAN, CHOICE, DATE, NUMBER, TEXT, FieldCatalogue
from contacts.models import Contact

PAGE_SIZE = 50
# At most this many ticked people are tagged or exported at once (the page shows 50 a time).
MAX_BULK = 500
DEFAULT_COLUMNS = ("name", "email", "role", "companies", "last_seen_at", "session_count", "country", "tags")


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    type: str  # text, number, date, boolean, choice; "many" for tags and companies
    sortable: bool = True
    attribute: str = ""  # the custom attribute key, for custom columns


BUILTIN_COLUMNS: tuple[Column, ...] = (
    Column("name", _("Name"), TEXT),
    Column("email", _("Email"), TEXT),
    Column("role", pgettext_lazy("kind of contact", "Type"), CHOICE),
    Column("user_id", _("User ID"), TEXT),
    Column("companies", _("Companies"), "many", sortable=False),
    Column("signed_up_at", _("Signed up"), DATE),
    Column("first_seen_at", _("First seen"), DATE),
    Column("last_seen_at", _("Last seen"), DATE),
    Column("session_count", _("Web sessions"), NUMBER),
    Column("last_page_url", _("Last page"), TEXT),
    Column("browser", _("Browser"), TEXT),
    Column("os", _("Operating system"), TEXT),
    Column("country", _("Country"), TEXT),
    Column("city", _("City"), TEXT),
    Column("language", _("Browser language"), TEXT),
    Column("tags", _("Tags"), "many", sortable=False),
)
_COLUMN_FIELD = {"user_id": "external_id"}


def columns_available(fields: FieldCatalogue) -> list[Column]:
    custom = [Column(f.key, f.label, f.type, attribute=f.name) for f in fields.custom
              if f.source == "custom" and f.type in (TEXT, NUMBER, DATE, BOOLEAN, CHOICE)]
    return [*BUILTIN_COLUMNS, *custom]


def columns_chosen(available: list[Column], keys: list[str] | None) -> list[Column]:
    by_key = {column.key: column for column in available}
    chosen = [by_key[key] for key in (keys or DEFAULT_COLUMNS) if key in by_key]
    return chosen or [by_key[key] for key in DEFAULT_COLUMNS]


def _sort_expression(column: Column) -> Any:
    if not column.attribute:
        return F(_COLUMN_FIELD.get(column.key, column.key))
    raw = KeyTransform(column.attribute, "attributes")
    if column.type == NUMBER and connection.vendor != "postgresql":
        return Cast(KeyTextTransform(column.attribute, "attributes"), FloatField())  # SQLite casts anything
    if column.type == NUMBER:
        # Numbers by value; a stored value of another type sorts with the unknown, last.
        typeof = Func(raw, function="jsonb_typeof", output_field=CharField())
        return Case(When(Exact(typeof, "number"), then=Cast(KeyTextTransform(column.attribute, "attributes"),
                                                            FloatField())), default=None, output_field=FloatField())
    return Cast(KeyTextTransform(column.attribute, "attributes"), TextField())


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = {"t": value.isoformat()}
    elif isinstance(value, Decimal):
        value = float(value)
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int] | None:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(value, dict):
            value = dt.datetime.fromisoformat(value["t"])
        if not isinstance(pk, int) or isinstance(value, (list, dict)):
            return None
        return value, pk
    except (ValueError, TypeError, KeyError):
        return None


def people_page(
    *, people: QuerySet[Contact], sort: Column, descending: bool, columns: list[Column], cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Contact], str | None]:
    """One page of `people` ordered by `sort` (unknown values last, either way), after
    `cursor`; returns the rows and the next page's cursor."""
    rows = people.annotate(sort_value=_sort_expression(sort))
    position = _decode(cursor) if cursor else None
    if position is not None:
        value, pk = position
        after = Q(pk__lt=pk) if descending else Q(pk__gt=pk)
        if value is None:
            rows = rows.filter(Q(sort_value__isnull=True) & after)
        else:
            beyond = Q(sort_value__lt=value) if descending else Q(sort_value__gt=value)
            rows = rows.filter(beyond | (Q(sort_value=value) & after) | Q(sort_value__isnull=True))
    order = F("sort_value").desc(nulls_last=True) if descending else F("sort_value").asc(nulls_last=True)
    rows = rows.order_by(order, "-pk" if descending else "pk")
    page = list(rows[: limit + 1])
    next_cursor = _encode(page[limit - 1].sort_value, page[limit - 1].pk) if len(page) > limit else None
    page = page[:limit]
    _attach_many(page, {column.key for column in columns})
    return page, next_cursor


def _attach_many(page: list[Contact], keys: set[str]) -> None:
    """Tags and companies of the shown rows: one flat query each through the link tables
    (prefetch_related would build a queryset per row, which costs more than the query)."""
    ids = [contact.pk for contact in page]
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    companies: dict[int, list[str]] = {pk: [] for pk in ids}
    if "tags" in keys and ids:
        for contact_id, name in (Contact.tags.through.objects.filter(contact_id__in=ids)
                                 .values_list("contact_id", "tag__name").order_by("tag__name")):
            tags[contact_id].append(name)
    if "companies" in keys and ids:
        for contact_id, name, company_id in (Contact.companies.through.objects.filter(contact_id__in=ids)
                                             .values_list("contact_id", "company__name", "company__company_id")
                                             .order_by("company__name")):
            companies[contact_id].append(name or company_id)
    for contact in page:
        contact.listed_tags, contact.listed_companies = tags[contact.pk], companies[contact.pk]


def cell(contact: Contact, column: Column) -> Any:
    """The value a row shows in a column."""
    if column.attribute:
        return (contact.attributes or {}).get(column.attribute)
    if column.key == "tags":
        return contact.listed_tags
    if column.key == "companies":
        return contact.listed_companies
    if column.key == "role":
        return contact.get_role_display()
    return getattr(contact, _COLUMN_FIELD.get(column.key, column.key))


def cell_html(contact: Contact, column: Column, value: Any, *, profile_url: str | None = None) -> SafeString:
    """One cell of the spreadsheet, as HTML. Built here rather than in the template: a page
    has 50 rows of up to a dozen columns, and the template engine's per-variable lookups
    made these cells most of the page's time. Every value is escaped by format_html."""
    if profile_url is not None:  # the first column: the person's name or what stands for it
        label = value or contact.display_name
        return format_html('<a href="{}">{}</a>', profile_url, label)
    if column.type == "many":
        return format_html_join(" ", '<span class="badge badge--muted">{}</span>', ((item,) for item in value or ()))
    if column.type == "date":
        if not value:
            return mark_safe("")  # nothing to show
        if isinstance(value, dt.datetime):
            value = template_localtime(value)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>', value.isoformat(),
            formats.date_format(value, "SHORT_DATETIME_FORMAT"), formats.date_format(value, "SHORT_DATE_FORMAT"),
        )
    return mark_safe("") if value is None else conditional_escape(value)  # nothing to show, or escaped
