"""CSV export of any selection of people: the standard columns, then the workspace's custom
attributes. Written for Excel as much as for programs: UTF-8 with a byte-order mark (without
it Excel reads Japanese as Shift_JIS and shows mojibake), times in the workspace's time
zone, and text that Excel would run as a formula defused with a leading apostrophe."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts import audience
from contacts.imports import COMPANY_NAME, EMAIL, NAME, SIGNED_UP_AT, TAGS, USER_ID, contact_attribute_definitions
from contacts.models import AttributeDefinition, Company, Contact
from contacts.segments import people_of
from workspaces.models import Tag, Workspace

CHUNK_ROWS = 2000
BOM = "\ufeff"
# OWASP's list: what makes a spreadsheet treat a cell as a formula (tab and CR too, since
# some programs drop them and read on).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class ExportColumn:
    label: str | Promise
    value: Callable[[Contact], Any]
    # The import field a column of this header fills, so an export imports back as is.
    import_as: str = ""


def _names(items: list) -> str:
    return ", ".join(item.name for item in items)


STANDARD_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn(_("Name"), lambda c: c.name, NAME),
    ExportColumn(_("Email"), lambda c: c.email, EMAIL),
    ExportColumn(_("User ID"), lambda c: c.external_id or "", USER_ID),
    ExportColumn(pgettext_lazy("kind of contact", "Type"), lambda c: c.get_role_display()),
    ExportColumn(_("Signed up"), lambda c: c.signed_up_at, SIGNED_UP_AT),
    ExportColumn(_("First seen"), lambda c: c.first_seen_at),
    ExportColumn(_("Last seen"), lambda c: c.last_seen_at),
    ExportColumn(_("Web sessions"), lambda c: c.session_count),
    ExportColumn(_("Last page"), lambda c: c.last_page_url),
    ExportColumn(_("Browser"), lambda c: c.browser),
    ExportColumn(_("Operating system"), lambda c: c.os),
    ExportColumn(_("Device"), lambda c: c.device_type),
    ExportColumn(_("Browser language"), lambda c: c.language),
    ExportColumn(_("Country"), lambda c: c.country),
    ExportColumn(_("City"), lambda c: c.city),
    ExportColumn(_("Tags"), lambda c: _names(c.tags.all()), TAGS),
    ExportColumn(_("Companies"), lambda c: _names(c.companies.all()), COMPANY_NAME),
)


def people_selected(*, workspace: Workspace, rules: list[Any]) -> QuerySet[Contact]:
    """Users and leads matching every rule (rule JSON or dicts); RuleError when one is bad."""
    people = people_of(workspace)
    fields = audience.catalogue(workspace)
    for raw in rules:
        rule = audience.parse(raw, workspace=workspace, fields=fields)
        if not rule.is_everyone:
            people = people & audience.contacts(rule, workspace=workspace)
    return people


def cell(value: Any, tz: zoneinfo.ZoneInfo) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value  # a number is never a formula; "-3" stays a number Excel can add up
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime(TIME_FORMAT)
    text = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _custom_value(contact: Contact, definition: AttributeDefinition) -> Any:
    value = (contact.attributes or {}).get(definition.key)
    if definition.type == AttributeDefinition.Type.DATE and isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


class Line:
    """csv.writer writes into this and gets the line back."""

    def write(self, line: str) -> str:
        return line


def export_csv(*, workspace: Workspace, people: QuerySet[Contact]) -> Iterator[str]:
    """The selection as CSV text, in chunks of rows (read from the database with a cursor,
    so a million contacts never sit in memory)."""
    tz = workspace.tzinfo
    definitions = contact_attribute_definitions(workspace=workspace)
    writer = csv.writer(Line())
    yield BOM + writer.writerow([str(column.label) for column in STANDARD_COLUMNS]
                                + [definition.key for definition in definitions])
    people = people.order_by("id").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.for_workspace(workspace).only("id", "name").order_by("name")),
        Prefetch("companies", queryset=Company.objects.for_workspace(workspace).only("id", "name").order_by("name")),
    )
    lines: list[str] = []
    for contact in people.iterator(chunk_size=CHUNK_ROWS):
        lines.append(writer.writerow(
            [cell(column.value(contact), tz) for column in STANDARD_COLUMNS]
            + [cell(_custom_value(contact, definition), tz) for definition in definitions]
        ))
        if len(lines) >= CHUNK_ROWS:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
