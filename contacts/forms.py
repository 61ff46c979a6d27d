"""Input for the contacts screens: the only place that turns what teammates type into typed
values. Forms name their fields explicitly, so a posted `role`, `workspace`, `merged_into` or
`is_staff` is never read; custom attributes get one field each, typed by their definition."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import AttributeDefinition, Company, Contact
from workspaces.models import Workspace

MAX_TEXT = 255
MAX_NUMBER = 1e15  # what a rule can compare with (audience.rules.MAX_NUMBER)
MAX_OPTIONS = 100
CUSTOM_PREFIX = "custom_"

Type = AttributeDefinition.Type


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


@dataclass
class Changes:
    """What a profile form changed: built-in columns, custom attributes set and removed."""

    fields: dict[str, Any] = field(default_factory=dict)
    attributes_set: dict[str, Any] = field(default_factory=dict)
    attributes_unset: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.fields or self.attributes_set or self.attributes_unset)


# --- custom attributes, typed by their definition -------------------------------------------


def stored_date(value: Any, tz: dt.tzinfo) -> dt.date | None:
    """The local day of a custom date attribute (stored as UTC ISO 8601 text)."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(tz).date()


def day_start_utc(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.timezone.utc)


def _custom_field(definition: AttributeDefinition, value: Any, tz: dt.tzinfo) -> tuple[forms.Field, Any]:
    """The form field for one attribute and its initial value (None when the stored value is
    missing or of another type than declared, as the audience engine reads it)."""
    common = {"label": definition.key, "required": False, "help_text": definition.description}
    if definition.type == Type.NUMBER:
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        widget = forms.NumberInput(attrs={"step": "any"})
        return forms.FloatField(min_value=-MAX_NUMBER, max_value=MAX_NUMBER, widget=widget, **common), number
    if definition.type == Type.BOOLEAN:
        return forms.BooleanField(**common), value if isinstance(value, bool) else None
    if definition.type == Type.DATE:
        return forms.DateField(widget=DateInput(), **common), stored_date(value, tz)
    text = value if isinstance(value, str) else None
    if definition.type == Type.LIST:
        options = [str(option) for option in definition.options or []]
        if text and text not in options:
            options.append(text)  # a value from before the options changed stays choosable
        choices = [("", "—"), *[(option, option) for option in options]]
        return forms.ChoiceField(choices=choices, **common), text
    return forms.CharField(max_length=MAX_TEXT, **common), text


def _stored_value(definition: AttributeDefinition, cleaned: Any, tz: dt.tzinfo) -> Any:
    """The JSON value to keep, or None to remove the key (the attribute becomes unknown)."""
    if definition.type == Type.BOOLEAN:
        return bool(cleaned)
    if cleaned in (None, ""):
        return None
    if definition.type == Type.NUMBER:
        return int(cleaned) if float(cleaned).is_integer() else float(cleaned)
    if definition.type == Type.DATE:
        return day_start_utc(cleaned, tz).isoformat()
    return cleaned.strip() if isinstance(cleaned, str) else cleaned


class _ProfileForm(forms.Form):
    """A fixed set of built-in fields plus one field per declared custom attribute. Only what
    the teammate actually changed is reported, so an attribute nobody touched stays unknown
    rather than turning into an empty string or "false"."""

    builtin_fields: tuple[str, ...] = ()

    def __init__(self, data: Any = None, *, subject: Contact | Company, definitions: list[AttributeDefinition],
                 tz: dt.tzinfo, initial: dict[str, Any]) -> None:
        self.subject, self.tz = subject, tz
        self.definitions = {f"{CUSTOM_PREFIX}{d.pk}": d for d in definitions if d.archived_at is None}
        super().__init__(data, initial=initial)
        attributes = subject.attributes or {}
        for name, definition in self.definitions.items():
            self.fields[name], self.initial[name] = _custom_field(definition, attributes.get(definition.key), tz)

    def builtin_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.builtin_fields]

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.definitions]

    def builtin_value(self, name: str, cleaned: Any) -> tuple[str, Any]:
        """The model column a built-in field writes, and the value to write."""
        return name, cleaned

    def changes(self) -> Changes:
        changes = Changes()
        for name in self.changed_data:
            cleaned = self.cleaned_data.get(name)
            if name in self.definitions:
                definition = self.definitions[name]
                value = _stored_value(definition, cleaned, self.tz)
                if value is None:
                    changes.attributes_unset.append(definition.key)
                else:
                    changes.attributes_set[definition.key] = value
            elif name in self.builtin_fields:
                column, value = self.builtin_value(name, cleaned)
                changes.fields[column] = value
        return changes


class ContactForm(_ProfileForm):
    builtin_fields = ("name", "email", "external_id", "signed_up")

    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    external_id = forms.CharField(label=_("User ID"), max_length=255, required=False)
    signed_up = forms.DateField(label=_("Signed up"), required=False, widget=DateInput())

    def __init__(self, data: Any = None, *, contact: Contact, definitions: list[AttributeDefinition],
                 tz: dt.tzinfo) -> None:
        initial = {
            "name": contact.name, "email": contact.email, "external_id": contact.external_id or "",
            "signed_up": contact.signed_up_at.astimezone(tz).date() if contact.signed_up_at else None,
        }
        super().__init__(data, subject=contact, definitions=definitions, tz=tz, initial=initial)

    def clean_external_id(self) -> str | None:
        user_id = self.cleaned_data["external_id"].strip() or None
        contact = self.subject
        if user_id and Contact.objects.for_workspace(contact.workspace_id).filter(external_id=user_id).exclude(
                pk=contact.pk).exists():
            raise forms.ValidationError(_("Another person already has this user ID."))
        return user_id

    def builtin_value(self, name: str, cleaned: Any) -> tuple[str, Any]:
        if name == "signed_up":
            return "signed_up_at", day_start_utc(cleaned, self.tz) if cleaned else None
        if name == "email":
            return "email", (cleaned or "").strip()
        return name, cleaned


class CompanyForm(_ProfileForm):
    builtin_fields = ("name", "plan", "monthly_spend", "size", "industry", "website")

    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    plan = forms.CharField(label=_("Plan"), max_length=255, required=False)
    monthly_spend = forms.DecimalField(label=_("Monthly spend"), max_digits=14, decimal_places=2, min_value=Decimal(0),
                                       required=False)
    size = forms.IntegerField(label=_("Company size"), min_value=0, max_value=2_147_483_647, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=255, required=False)
    website = forms.URLField(label=_("Website"), max_length=500, required=False, assume_scheme="https")

    def __init__(self, data: Any = None, *, company: Company, definitions: list[AttributeDefinition],
                 tz: dt.tzinfo) -> None:
        initial = {name: getattr(company, name) for name in self.builtin_fields}
        super().__init__(data, subject=company, definitions=definitions, tz=tz, initial=initial)

    def builtin_value(self, name: str, cleaned: Any) -> tuple[str, Any]:
        if name in ("name", "plan", "industry", "website"):
            return name, cleaned or ""
        return name, cleaned


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag"), max_length=64, strip=True)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class CompanySearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True)
    after = forms.CharField(required=False, max_length=600)


# --- data attributes settings ---------------------------------------------------------------


def parse_options(text: str) -> list[str]:
    """One option per line: trimmed, blank lines dropped, duplicates kept once, in order."""
    options: list[str] = []
    for line in text.splitlines():
        option = line.strip()
        if option and option not in options:
            options.append(option)
    return options


def _clean_options(text: str) -> list[str]:
    options = parse_options(text)
    if any(len(option) > MAX_TEXT for option in options):
        raise forms.ValidationError(_("An option can be %(limit)d characters at most.") % {"limit": MAX_TEXT})
    if len(options) > MAX_OPTIONS:
        raise forms.ValidationError(_("A list can have %(limit)d options at most.") % {"limit": MAX_OPTIONS})
    return options


class AttributeCreateForm(forms.Form):
    key = forms.CharField(label=_("Name"), max_length=190, strip=False,
                          help_text=_("As your website sends it to the messenger, e.g. plan_name."))
    type = forms.ChoiceField(label=_("Type"), choices=[c for c in Type.choices if c[0] != Type.EVENT])
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    options = forms.CharField(label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("List attributes only: one option per line."))

    def __init__(self, data: Any = None, *, workspace: Workspace, target: str) -> None:
        super().__init__(data)
        self.workspace, self.target = workspace, target

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key != key.strip():
            raise forms.ValidationError(_("The name cannot start or end with a space."))
        if any(unicodedata.category(char).startswith("C") for char in key):
            raise forms.ValidationError(_("The name cannot contain control characters."))
        if AttributeDefinition.objects.for_workspace(self.workspace).filter(target=self.target, key=key).exists():
            raise forms.ValidationError(_("An attribute with this name already exists."))
        return key

    def clean_options(self) -> list[str]:
        return _clean_options(self.cleaned_data.get("options") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("type") == Type.LIST:
            if not cleaned.get("options") and "options" not in self.errors:
                self.add_error("options", _("A list attribute needs at least one option."))
        else:
            cleaned["options"] = []
        return cleaned


class AttributeEditForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    options = forms.CharField(label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("One option per line. Values people already have are kept even if "
                                          "you remove their option."))

    def __init__(self, data: Any = None, *, definition: AttributeDefinition) -> None:
        super().__init__(data, initial={"description": definition.description,
                                        "options": "\n".join(str(o) for o in definition.options or [])})
        self.definition = definition
        if definition.type != Type.LIST:
            del self.fields["options"]

    def clean_options(self) -> list[str]:
        options = _clean_options(self.cleaned_data.get("options") or "")
        if not options:
            raise forms.ValidationError(_("A list attribute needs at least one option."))
        return options
