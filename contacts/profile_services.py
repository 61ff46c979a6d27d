"""Teammates' edits from the contacts screens: a person's or a company's attributes, and the
data attribute definitions. The messenger's lifecycle writes stay in services.py; these take
values a form has already validated and typed (contacts/forms.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.audience.fields import COMPANY_CUSTOM_PREFIX, COMPANY_PREFIX, CUSTOM_PREFIX, EVENT_PREFIX
from contacts.forms import Changes
from contacts.models import AttributeDefinition, Company, Contact, Segment
from contacts.segments import contact_changed
from core.exceptions import ApplicationError
from workspaces.models import Workspace

# The only columns a teammate may write. Role follows the lifecycle (the messenger and
# merges), and workspace, merged_into and the tracked fields are never typed in.
CONTACT_EDITABLE = frozenset({"name", "email", "external_id", "signed_up_at"})
COMPANY_EDITABLE = frozenset({"name", "plan", "monthly_spend", "size", "industry", "website"})


def _apply_attributes(attributes: dict[str, Any], changes: Changes) -> dict[str, Any]:
    merged = {**attributes, **changes.attributes_set}
    for key in changes.attributes_unset:
        merged.pop(key, None)
    return merged


@transaction.atomic
def contact_update(*, contact: Contact, changes: Changes) -> Contact:
    """Write a teammate's edits to a person. The row is re-read under a lock so that custom
    attributes the messenger wrote meanwhile (other keys of the same JSON) are kept."""
    if not set(changes.fields) <= CONTACT_EDITABLE:
        raise ValueError(f"not editable: {sorted(set(changes.fields) - CONTACT_EDITABLE)}")
    if changes.is_empty:
        return contact
    locked = Contact.objects.for_workspace(contact.workspace_id).select_for_update().get(pk=contact.pk)
    for name, value in changes.fields.items():
        setattr(locked, name, value)
    updated = [*changes.fields, "attributes", "updated_at"]
    if "name" in changes.fields:
        locked.name_is_generated = False
        updated.append("name_is_generated")
    if changes.fields.get("email") and locked.role == Contact.Role.VISITOR:
        locked.role = Contact.Role.LEAD  # leaving an email makes a visitor a lead, here as in the messenger
        updated.append("role")
    locked.attributes = _apply_attributes(locked.attributes or {}, changes)
    try:
        with transaction.atomic():
            locked.save(update_fields=updated)
    except IntegrityError as exc:  # the same user ID saved for someone else a moment ago
        raise ApplicationError(_("Another person already has this user ID.")) from exc
    contact_changed(contact=locked)
    return locked


def _conditions(rule: Any) -> Iterator[tuple[str, Any]]:
    """(field, value) of every condition of a stored rule, at any depth."""
    if not isinstance(rule, dict):
        return
    for child in rule.get("rules", []) or []:
        if isinstance(child, dict) and ("rules" in child or "match" in child):
            yield from _conditions(child)
        elif isinstance(child, dict) and isinstance(child.get("field"), str):
            yield child["field"], child.get("value")


@transaction.atomic
def company_update(*, company: Company, changes: Changes) -> Company:
    """Write a teammate's edits to a company; segments that read company fields rebuild."""
    if not set(changes.fields) <= COMPANY_EDITABLE:
        raise ValueError(f"not editable: {sorted(set(changes.fields) - COMPANY_EDITABLE)}")
    if changes.is_empty:
        return company
    locked = Company.objects.for_workspace(company.workspace_id).select_for_update().get(pk=company.pk)
    for name, value in changes.fields.items():
        setattr(locked, name, value)
    locked.attributes = _apply_attributes(locked.attributes or {}, changes)
    locked.save(update_fields=[*changes.fields, "attributes", "updated_at"])
    _rebuild_segments_reading_companies(workspace_id=company.workspace_id)
    return locked


def _rebuild_segments_reading_companies(*, workspace_id: int) -> None:
    """A company's people can number thousands: rather than one refresh per person, rebuild
    the (few) segments whose rules read company fields, after the commit."""
    from contacts.tasks import segment_rebuild

    for segment in Segment.objects.for_workspace(workspace_id).only("id", "rule"):
        if any(key.startswith(COMPANY_PREFIX) for key, _value in _conditions(segment.rule)):
            transaction.on_commit(lambda pk=segment.pk: segment_rebuild.delay(workspace_id, pk))


# --- data attribute definitions --------------------------------------------------------------


def rule_field_key(definition: AttributeDefinition) -> str:
    """How rules name the field a definition declares (audience.fields)."""
    prefix = {AttributeDefinition.Target.CONTACT: CUSTOM_PREFIX, AttributeDefinition.Target.COMPANY:
              COMPANY_CUSTOM_PREFIX, AttributeDefinition.Target.EVENT: EVENT_PREFIX}[definition.target]
    return prefix + definition.key


def segments_using(*, definition: AttributeDefinition, values: set[str] | None = None) -> list[Segment]:
    """Saved segments whose rules read this attribute (with one of `values`, if given)."""
    key = rule_field_key(definition)
    return [
        segment for segment in Segment.objects.for_workspace(definition.workspace_id).only("id", "name", "rule")
        if any(field == key and (values is None or value in values) for field, value in _conditions(segment.rule))
    ]


def attribute_create(*, workspace: Workspace, target: str, key: str, type: str, description: str = "",
                     options: list[str] | None = None) -> AttributeDefinition:
    """Declare a custom attribute before any data arrives. Its type is fixed from now on."""
    try:
        with transaction.atomic():
            return AttributeDefinition.objects.create(
                workspace=workspace, target=target, key=key, type=type, description=description.strip(),
                options=list(options or []) if type == AttributeDefinition.Type.LIST else [],
            )
    except IntegrityError as exc:  # declared by the messenger or a teammate a moment ago
        raise ApplicationError(_("An attribute with this name already exists.")) from exc


def attribute_update(*, definition: AttributeDefinition, description: str,
                     options: list[str] | None = None) -> AttributeDefinition:
    """Change what a definition says about itself; never its type or key, which stored
    values, filters and the messenger depend on."""
    definition.description = description.strip()
    fields = ["description"]
    if definition.type == AttributeDefinition.Type.LIST and options is not None:
        removed = {str(option) for option in definition.options or []} - set(options)
        using = segments_using(definition=definition, values=removed) if removed else []
        if using:
            raise ApplicationError(
                _("The segment %(name)s filters on an option you removed; change it first.") % {"name": using[0].name}
            )
        definition.options = options
        fields.append("options")
    definition.save(update_fields=fields)
    return definition


def attribute_archive(*, definition: AttributeDefinition, archived: bool) -> AttributeDefinition:
    """Archive (or bring back) an attribute: its data stays on people and companies, but it
    leaves filters and the profile's editable fields. A segment reading it would stop
    parsing, so archiving waits until no segment does."""
    if archived and definition.archived_at is None:
        using = segments_using(definition=definition)
        if using:
            raise ApplicationError(
                _("The segment %(name)s uses this attribute; change it first.") % {"name": using[0].name}
            )
        definition.archived_at = timezone.now()
    elif not archived:
        definition.archived_at = None
    definition.save(update_fields=["archived_at"])
    return definition
