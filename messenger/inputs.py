"""Validation of what a host page sends: intercomSettings, page and client details.

The messenger must survive whatever a customer's site puts in intercomSettings, so nothing
here raises on a bad value: it is dropped, and a warning naming it goes back to the loader,
which prints it in the browser console. Only the envelope (app_id, browser_id) is strict."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from contacts.services import ContactUpdate, PageInfo

BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .\-]{0,99}$")
MAX_CUSTOM_ATTRIBUTES = 100
MAX_COMPANIES = 20
MAX_STRING = 255
# Keys of intercomSettings that configure the messenger itself rather than the contact.
UI_KEYS = {
    "app_id",
    "alignment",
    "horizontal_padding",
    "vertical_padding",
    "hide_default_launcher",
    "custom_launcher_selector",
    "action_color",
    "background_color",
    "session_duration",
    "api_base",
    "z_index",
    "installation_type",
}
IDENTITY_KEYS = {
    "user_id",
    "email",
    "user_hash",
    "intercom_user_jwt",
    "language_override",
    "name",
    "created_at",
    "company",
    "companies",
    "phone",
    "avatar",
    "unsubscribed_from_emails",
}

_email = EmailValidator()


@dataclass
class Settings:
    user_id: str | None = None
    email: str | None = None
    user_hash: str | None = None
    jwt: str | None = None
    language_override: str | None = None
    update: ContactUpdate = field(default_factory=ContactUpdate)
    warnings: list[str] = field(default_factory=list)


def _string(value: Any, limit: int = MAX_STRING) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value else None


def _timestamp(value: Any) -> dt.datetime | None:
    """Intercom sends dates as Unix seconds; ISO 8601 strings are accepted too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and 0 <= value < 32503680000:
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return None


def _custom_value(key: str, value: Any) -> Any:
    """A custom attribute's value: string, number, boolean, or a date when the key ends in
    _at (Intercom's convention). Anything else (objects, lists) is refused with None."""
    if key.endswith("_at") and not isinstance(value, bool):
        stamp = _timestamp(value)
        if stamp is not None:
            return stamp
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value if value == value and abs(value) < 1e15 else None  # no NaN or huge numbers
    if isinstance(value, str):
        return value[:MAX_STRING]
    return None


def _company(raw: Any, warnings: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        warnings.append("company must be an object")
        return None
    company_id = _string(raw.get("company_id", raw.get("id")))
    if not company_id:
        warnings.append("company needs a company_id")
        return None
    data: dict[str, Any] = {
        "company_id": company_id,
        "name": _string(raw.get("name")) or "",
        "plan": _string(raw.get("plan")) or "",
        "attributes": {},
    }
    if raw.get("monthly_spend") is not None:
        try:
            data["monthly_spend"] = Decimal(str(raw["monthly_spend"])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            warnings.append("company.monthly_spend must be a number")
    for key, value in raw.items():
        if key in {"company_id", "id", "name", "plan", "monthly_spend"}:
            continue
        typed = _custom_value(key, value) if ATTRIBUTE_KEY.match(str(key)) else None
        if typed is None:
            warnings.append(f"company.{key} was ignored")
        else:
            data["attributes"][key] = typed
    return data


def settings_parse(raw: Any) -> Settings:
    result = Settings()
    warnings = result.warnings
    if raw is None:
        return result
    if not isinstance(raw, dict):
        warnings.append("intercomSettings must be an object")
        return result
    result.user_id = _string(raw.get("user_id"))
    email = _string(raw.get("email"), 254)
    if email:
        try:
            _email(email)
            result.email = email.lower()
        except ValidationError:
            warnings.append("email is not a valid address")
    result.user_hash = _string(raw.get("user_hash"), 128)
    result.jwt = _string(raw.get("intercom_user_jwt"), 4096)
    language = _string(raw.get("language_override"), 16)
    result.language_override = language.lower() if language else None
    update = result.update
    update.name = _string(raw.get("name"))
    update.email = result.email
    if raw.get("created_at") is not None:
        update.signed_up_at = _timestamp(raw.get("created_at"))
        if update.signed_up_at is None:
            warnings.append("created_at must be a Unix timestamp")
    companies = raw.get("companies")
    if isinstance(companies, list):
        for item in companies[:MAX_COMPANIES]:
            company = _company(item, warnings)
            if company:
                update.companies.append(company)
    elif raw.get("company") is not None:
        company = _company(raw.get("company"), warnings)
        if company:
            update.companies.append(company)
    for key, value in raw.items():
        if key in UI_KEYS or key in IDENTITY_KEYS:
            continue
        if len(update.attributes) >= MAX_CUSTOM_ATTRIBUTES:
            warnings.append(f"more than {MAX_CUSTOM_ATTRIBUTES} custom attributes; the rest were ignored")
            break
        typed = _custom_value(key, value) if isinstance(key, str) and ATTRIBUTE_KEY.match(key) else None
        if typed is None:
            warnings.append(f"{str(key)[:40]} was ignored (use a string, number, boolean or date)")
        else:
            update.attributes[key] = typed
    return result


def page_parse(raw: Any) -> PageInfo:
    if not isinstance(raw, dict):
        return PageInfo()

    def url(value: Any) -> str:
        # A cheap structural check (this runs on every page view): http(s), a host, no
        # whitespace. The value is only ever stored and shown as text.
        text = _string(value, 2000) or ""
        try:
            parts = urlsplit(text)
        except ValueError:
            return ""
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
            return ""
        return text

    return PageInfo(
        url=url(raw.get("url")), title=_string(raw.get("title"), 500) or "", referrer=url(raw.get("referrer"))
    )


def browser_id_valid(value: Any) -> bool:
    return isinstance(value, str) and bool(BROWSER_ID.match(value))


def language_pick(*, override: str | None, browser: str | None, workspace_default: str) -> str:
    for candidate in (override, browser):
        if candidate:
            code = candidate.lower().split("-")[0]
            if code in ("en", "ja"):
                return code
    return workspace_default
