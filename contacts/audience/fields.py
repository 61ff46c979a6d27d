"""What a rule may ask about: an allow-list of fields, each with its type. Built-in contact
attributes and company attributes are fixed here; custom attributes and event names come
from the workspace's AttributeDefinition rows (never from scanning contacts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.models import AttributeDefinition, Contact

# Field types, and so which operators a field takes (operators.py).
TEXT, NUMBER, DATE, BOOLEAN, CHOICE, TAG, EVENT, SEGMENT = (
    "text", "number", "date", "boolean", "choice", "tag", "event", "segment",
)

CUSTOM_PREFIX = "custom."
COMPANY_PREFIX = "company."
COMPANY_CUSTOM_PREFIX = "company.custom."
EVENT_PREFIX = "event."


@dataclass(frozen=True)
class Field:
    key: str
    label: str | Promise
    type: str
    # Where the value lives: a Contact column, a key of Contact.attributes, a Company
    # column, a key of Company.attributes, an event name, or contact tags / segments.
    source: str  # "contact", "custom", "company", "company_custom", "event", "tag", "segment"
    name: str = ""  # the column, attribute key or event name
    choices: tuple[tuple[str, str | Promise], ...] = field(default=())
    # The field's group in the builder's menu.
    group: str | Promise = ""


_PEOPLE = _("People")
_COMPANY = _("Company")

CONTACT_FIELDS: tuple[Field, ...] = (
    Field("role", pgettext_lazy("kind of contact", "Type"), CHOICE, "contact", "role", choices=tuple(Contact.Role.choices), group=_PEOPLE),
    Field("name", _("Name"), TEXT, "contact", "name", group=_PEOPLE),
    Field("email", _("Email"), TEXT, "contact", "email", group=_PEOPLE),
    Field("user_id", _("User ID"), TEXT, "contact", "external_id", group=_PEOPLE),
    Field("signed_up_at", _("Signed up"), DATE, "contact", "signed_up_at", group=_PEOPLE),
    Field("first_seen_at", _("First seen"), DATE, "contact", "first_seen_at", group=_PEOPLE),
    Field("last_seen_at", _("Last seen"), DATE, "contact", "last_seen_at", group=_PEOPLE),
    Field("session_count", _("Web sessions"), NUMBER, "contact", "session_count", group=_PEOPLE),
    Field("last_page_url", _("Last page"), TEXT, "contact", "last_page_url", group=_PEOPLE),
    Field("browser", _("Browser"), TEXT, "contact", "browser", group=_PEOPLE),
    Field("os", _("Operating system"), TEXT, "contact", "os", group=_PEOPLE),
    Field("device_type", _("Device"), TEXT, "contact", "device_type", group=_PEOPLE),
    Field("language", _("Browser language"), TEXT, "contact", "language", group=_PEOPLE),
    Field("country", _("Country"), TEXT, "contact", "country", group=_PEOPLE),
    Field("city", _("City"), TEXT, "contact", "city", group=_PEOPLE),
    Field("is_troubled", _("Needs extra care"), BOOLEAN, "contact", "is_troubled", group=_PEOPLE),
    Field("tag", _("Tag"), TAG, "tag", group=_PEOPLE),
    Field("segment", _("Segment"), SEGMENT, "segment", group=_PEOPLE),
)

COMPANY_FIELDS: tuple[Field, ...] = (
    Field("company.name", _("Company name"), TEXT, "company", "name", group=_COMPANY),
    Field("company.company_id", _("Company ID"), TEXT, "company", "company_id", group=_COMPANY),
    Field("company.plan", _("Company plan"), TEXT, "company", "plan", group=_COMPANY),
    Field("company.monthly_spend", _("Company monthly spend"), NUMBER, "company", "monthly_spend", group=_COMPANY),
    Field("company.size", _("Company size"), NUMBER, "company", "size", group=_COMPANY),
    Field("company.industry", _("Company industry"), TEXT, "company", "industry", group=_COMPANY),
    Field("company.website", _("Company website"), TEXT, "company", "website", group=_COMPANY),
)

_TYPE_OF_DEFINITION = {
    AttributeDefinition.Type.STRING: TEXT,
    AttributeDefinition.Type.LIST: CHOICE,
    AttributeDefinition.Type.NUMBER: NUMBER,
    AttributeDefinition.Type.BOOLEAN: BOOLEAN,
    AttributeDefinition.Type.DATE: DATE,
}


class FieldCatalogue:
    """The fields of one workspace, read once (one query) and looked up by key."""

    def __init__(self, workspace_id: int, definitions: list[AttributeDefinition] | None = None) -> None:
        self.workspace_id = workspace_id
        if definitions is None:
            definitions = list(
                AttributeDefinition.objects.for_workspace(workspace_id).filter(archived_at__isnull=True)
                .order_by("key")
            )
        self._by_key: dict[str, Field] = {f.key: f for f in CONTACT_FIELDS + COMPANY_FIELDS}
        self.custom: list[Field] = []
        for definition in definitions:
            made = self._from_definition(definition)
            if made is not None:
                self._by_key[made.key] = made
                self.custom.append(made)

    @staticmethod
    def _from_definition(definition: AttributeDefinition) -> Field | None:
        if definition.target == AttributeDefinition.Target.EVENT:
            return Field(EVENT_PREFIX + definition.key, definition.key, EVENT, "event", definition.key, group=_("Events"))
        field_type = _TYPE_OF_DEFINITION.get(definition.type)
        if field_type is None:
            return None
        choices = tuple((str(option), str(option)) for option in definition.options or ())
        if definition.target == AttributeDefinition.Target.COMPANY:
            return Field(COMPANY_CUSTOM_PREFIX + definition.key, definition.key, field_type, "company_custom",
                         definition.key, choices=choices, group=_COMPANY)
        return Field(CUSTOM_PREFIX + definition.key, definition.key, field_type, "custom", definition.key,
                     choices=choices, group=_("Custom attributes"))

    def get(self, key: str) -> Field | None:
        return self._by_key.get(key)

    def all(self) -> list[Field]:
        return list(self._by_key.values())
