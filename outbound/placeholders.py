"""Placeholders in outbound emails, as Intercom writes them:

    {{first_name | fallback: "there"}}   {{company.name}}   {{plan}} (a custom attribute)

A text is compiled once per message into literal pieces and placeholders; rendering it for a
contact is a join, so a 100,000-recipient send does not parse anything 100,000 times.
Values are HTML-escaped for the HTML part and left as they are for the text part and the
subject. A placeholder with no value for a contact takes its fallback, else nothing.
Unknown names are refused when the message is saved (`unknown_names`), so a typo never
reaches a customer as "{{frist_name}}"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.html import escape

from contacts.models import Contact

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]{0,80})\s*(?:\|\s*fallback:\s*\"([^\"{}]{0,200})\"\s*)?\}\}")

BUILTIN: dict[str, Callable[[Contact], str]] = {
    "first_name": lambda c: (c.name or "").split()[0] if (c.name or "").split() and not c.name_is_generated else "",
    "last_name": lambda c: " ".join((c.name or "").split()[1:]) if not c.name_is_generated else "",
    "name": lambda c: "" if c.name_is_generated else (c.name or ""),
    "email": lambda c: c.email or "",
    "user_id": lambda c: c.external_id or "",
    "country": lambda c: c.country or "",
    "city": lambda c: c.city or "",
}
COMPANY_FIELDS = ("name", "company_id", "plan", "industry", "website", "size")
SPECIAL = {"unsubscribe_url"}  # filled by the sender, never by contact data


def known_names(custom_keys: Iterable[str]) -> set[str]:
    names = set(BUILTIN) | SPECIAL | {f"company.{name}" for name in COMPANY_FIELDS}
    for key in custom_keys:
        names.add(key)
        names.add(f"custom.{key}")
    return names


def unknown_names(text: str, *, custom_keys: Iterable[str]) -> list[str]:
    known = known_names(custom_keys)
    return sorted({match[1] for match in PLACEHOLDER.finditer(text or "") if match[1] not in known})


@dataclass(frozen=True)
class Compiled:
    """A text as literal pieces and (name, fallback) slots, alternating: piece, slot, piece…"""

    pieces: tuple[str, ...]
    slots: tuple[tuple[str, str], ...]

    @property
    def names(self) -> set[str]:
        return {name for name, _fallback in self.slots}


def compile_text(text: str) -> Compiled:
    pieces: list[str] = []
    slots: list[tuple[str, str]] = []
    cursor = 0
    for match in PLACEHOLDER.finditer(text or ""):
        pieces.append(text[cursor : match.start()])
        slots.append((match[1], match[2] or ""))
        cursor = match.end()
    pieces.append((text or "")[cursor:])
    return Compiled(pieces=tuple(pieces), slots=tuple(slots))


def contact_values(contact: Contact, names: set[str], *, company: dict | None = None) -> dict[str, str]:
    """The values `names` take for a contact (the company is the contact's first, if any)."""
    values: dict[str, str] = {}
    attributes = contact.attributes or {}
    for name in names:
        if name in BUILTIN:
            values[name] = BUILTIN[name](contact)
        elif name.startswith("company."):
            field = name.removeprefix("company.")
            values[name] = str((company or {}).get(field) or "")
        elif name not in SPECIAL:
            value = attributes.get(name.removeprefix("custom."))
            values[name] = "" if value is None or isinstance(value, (dict, list)) else str(value)
    return values


def render(compiled: Compiled, values: dict[str, str], *, html: bool) -> str:
    out: list[str] = [compiled.pieces[0]]
    for (name, fallback), piece in zip(compiled.slots, compiled.pieces[1:]):
        value = values.get(name) or fallback
        out.append(escape(value) if html else value)
        out.append(piece)
    return "".join(out)
