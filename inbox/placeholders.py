"""Placeholders in saved replies: {{first_name}}, {{first_name | fallback: "there"}}.

Only the names below exist; a saved reply using another name is refused when it is saved,
so a typo never reaches a customer as "{{frist_name}}"."""

from __future__ import annotations

import re

from contacts.models import Contact
from workspaces.models import Membership

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*(?:\|\s*fallback:\s*\"([^\"]*)\"\s*)?\}\}")
NAMES = ("first_name", "name", "email", "company_name", "teammate_first_name", "teammate_name")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({match.group(1) for match in PLACEHOLDER.finditer(text) if match.group(1) not in NAMES})


def _values(contact: Contact, teammate: Membership) -> dict[str, str]:
    name = "" if contact.name_is_generated else contact.name
    company = next(iter(contact.companies.all()), None)
    return {
        "first_name": name.split()[0] if name else "",
        "name": name,
        "email": contact.email,
        "company_name": company.name if company else "",
        "teammate_first_name": teammate.user.get_short_name(),
        "teammate_name": teammate.user.get_full_name(),
    }


def render_placeholders(text: str, *, contact: Contact, teammate: Membership) -> str:
    values = _values(contact, teammate)

    def replace(match: re.Match) -> str:
        return values.get(match.group(1)) or (match.group(2) or "")

    return PLACEHOLDER.sub(replace, text)
