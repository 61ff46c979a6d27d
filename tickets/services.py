"""Writes to tickets: types and their fields, creating tickets (by a teammate, from a
conversation, by the customer, later by a bot), states with their time accounting,
assignment, the timeline (replies, customer messages, internal notes) and trackers.

Every change writes its timeline part in the same transaction and, after the commit, nudges
the inbox pages (workspace channel) and the customer's messenger (contact channel) through
core/realtime.py. Forms validate input; these functions re-check that every related row is
in the ticket's workspace and raise ApplicationError for a business rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact
from core.exceptions import ApplicationError
from core.realtime import contact_channel, realtime_emit, workspace_channel
from tickets.models import (
    DEFAULT_CUSTOMER_LABELS,
    Ticket,
    TicketField,
    TicketPart,
    TicketState,
    TicketStateLabel,
    TicketType,
)
from workspaces.models import Membership, Team, Workspace

TEXT_MAX = 500
LONG_TEXT_MAX = 20_000


class TicketValuesInvalid(ApplicationError):
    """Field values that do not fit the ticket type; `errors` maps field keys to reasons."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Some fields need attention."))
        self.errors = errors


# --- states ------------------------------------------------------------------------------------

def state_labels(*, workspace: Workspace | int) -> dict[str, tuple[str, str]]:
    """state -> (label for the team, label for customers), the workspace's words first."""
    labels = {state.value: (str(state.label), str(DEFAULT_CUSTOMER_LABELS[state])) for state in TicketState}
    for row in TicketStateLabel.objects.for_workspace(workspace):
        labels[row.state] = (row.internal_label, row.customer_label)
    return labels


def state_label_set(*, workspace: Workspace, state: str, internal_label: str, customer_label: str) -> None:
    if state not in TicketState.values:
        raise ApplicationError(_("Unknown state."))
    TicketStateLabel.objects.for_workspace(workspace).update_or_create(
        state=state, defaults={"workspace": workspace, "internal_label": internal_label.strip(),
                               "customer_label": customer_label.strip()},
    )


# --- field values ----------------------------------------------------------------------------

def _clean_value(field: TicketField, raw: Any) -> Any:
    """The value as stored, or ValueError with a reason for the person who typed it."""
    if field.kind in (TicketField.Kind.TEXT, TicketField.Kind.LONG_TEXT):
        text = str(raw).strip()
        limit = TEXT_MAX if field.kind == TicketField.Kind.TEXT else LONG_TEXT_MAX
        if field.kind == TicketField.Kind.TEXT and ("\n" in text or "\r" in text):
            raise ValueError(_("Write it on one line."))
        if len(text) > limit:
            raise ValueError(_("At most %(limit)d characters.") % {"limit": limit})
        return text
    if field.kind == TicketField.Kind.NUMBER:
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == TicketField.Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "on", "1", "yes"):
            return True
        if str(raw).lower() in ("false", "off", "0", "no"):
            return False
        raise ValueError(_("Choose yes or no."))
    if field.kind == TicketField.Kind.DATE:
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if field.kind == TicketField.Kind.LIST:
        if str(raw) not in [str(option) for option in field.options]:
            raise ValueError(_("Choose one of the options."))
        return str(raw)
    if field.kind == TicketField.Kind.FILE:
        # Files arrive as TicketAttachment rows (the views store them); the value names them.
        if not isinstance(raw, list) or not all(isinstance(pk, int) for pk in raw):
            raise ValueError(_("Attach a file."))
        return raw
    raise ValueError(_("Unknown field type."))


def values_clean(
    *, ticket_type: TicketType, raw: dict[str, Any], by_customer: bool, previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Field values checked against the type. A customer may only fill the fields they fill;
    anything else they send is ignored (never stored). Required fields must have a value —
    for a customer, only the required fields they fill (the team completes the rest)."""
    values = dict(previous or {})
    errors: dict[str, str] = {}
    fields = list(TicketField.objects.for_workspace(ticket_type.workspace_id).filter(ticket_type=ticket_type))
    for field in fields:
        if by_customer and not field.customer_fills:
            continue
        raw_value = raw.get(field.key)
        if raw_value is None or raw_value == "" or raw_value == []:
            values.pop(field.key, None)
            if field.required:
                errors[field.key] = _("This field is required.")
            continue
        try:
            values[field.key] = _clean_value(field, raw_value)
        except ValueError as exc:
            errors[field.key] = str(exc)
    if errors:
        raise TicketValuesInvalid(errors)
    return values


# --- creating ---------------------------------------------------------------------------------

def _next_number(workspace_id: int) -> int:
    # The workspace row's lock serialises number allocation; numbers never repeat or skip.
    workspace = Workspace.objects.select_for_update().only("ticket_seq").get(pk=workspace_id)
    workspace.ticket_seq += 1
    workspace.save(update_fields=["ticket_seq"])
    return workspace.ticket_seq


def _same_workspace(workspace_id: int, *rows: Any) -> None:
    for row in rows:
        if row is not None and getattr(row, "workspace_id", workspace_id) != workspace_id:
            raise ApplicationError(_("That is not in this workspace."))


def _announce(ticket: Ticket, *, kind: str = "ticket") -> None:
    channels = [workspace_channel(ticket.workspace_id)]
    if ticket.contact_id and ticket.category == TicketType.Category.CUSTOMER:
        channels.append(contact_channel(ticket.contact_id))  # back-office tickets stay internal
    realtime_emit(workspace_id=ticket.workspace_id, channels=channels, kind=kind,
                  data={"ticket": ticket.number, "state": ticket.state})


def _event(ticket: Ticket, event: str, *, actor: Membership | None, data: dict[str, Any]) -> TicketPart:
    return TicketPart.objects.create(
        workspace_id=ticket.workspace_id, ticket=ticket, kind=TicketPart.Kind.EVENT, event=event, event_data=data,
        author_membership=actor,
    )


@transaction.atomic
def ticket_create(
    *, workspace: Workspace, ticket_type: TicketType, title: str = "", description: str = "",
    values: dict[str, Any] | None = None, contact: Contact | None = None, conversation: Any = None,
    created_by: Membership | None = None, assignee: Membership | None = None, team: Team | None = None,
    tracker: Ticket | None = None, by_customer: bool = False, browser_id: str = "",
) -> Ticket:
    """Open a ticket. `values` are raw and are cleaned against the type (TicketValuesInvalid).
    The service a bot will call at the end of a path: by_customer=True, contact set."""
    _same_workspace(workspace.pk, ticket_type, contact, conversation, created_by, assignee, team, tracker)
    if ticket_type.archived_at is not None:
        raise ApplicationError(_("That ticket type is archived."))
    category = ticket_type.category
    if category == TicketType.Category.TRACKER and contact is not None:
        raise ApplicationError(_("A tracker ticket is not one customer's: link customer tickets to it."))
    if category == TicketType.Category.CUSTOMER and contact is None:
        raise ApplicationError(_("A customer ticket needs its customer."))
    if tracker is not None and (tracker.category != TicketType.Category.TRACKER or category != TicketType.Category.CUSTOMER):
        raise ApplicationError(_("Only customer tickets are linked to a tracker ticket."))
    cleaned = values_clean(ticket_type=ticket_type, raw=values or {}, by_customer=by_customer)
    title = (title or ticket_type.default_title or ticket_type.name).strip()[:200]
    ticket = Ticket.objects.create(
        workspace=workspace, number=_next_number(workspace.pk), ticket_type=ticket_type, category=category,
        title=title, description=(description or ticket_type.default_description).strip(), values=cleaned,
        contact=contact, conversation=conversation, tracker=tracker, assignee=assignee, team=team,
        created_by=None if by_customer else created_by,
    )
    created: dict[str, Any] = {"by_customer": by_customer}
    if browser_id:
        # The messenger shows an unproven visitor only what their own browser opened.
        created["browser_id"] = browser_id[:64]
    _event(ticket, "created", actor=None if by_customer else created_by, data=created)
    _announce(ticket)
    return ticket


# --- states and time ----------------------------------------------------------------------------

def _account_time(ticket: Ticket, now: dt.datetime) -> None:
    """Add the time since the last state change to the clock that was running."""
    seconds = max(int((now - ticket.state_changed_at).total_seconds()), 0)
    if ticket.state == TicketState.WAITING:
        ticket.waiting_seconds += seconds
    elif ticket.state in (TicketState.SUBMITTED, TicketState.IN_PROGRESS):
        ticket.team_seconds += seconds


@transaction.atomic
def ticket_set_state(
    *, ticket: Ticket, state: str, actor: Membership | None, update_linked: bool = False,
    now: dt.datetime | None = None,
) -> Ticket:
    """Move a ticket to `state`, accounting the time spent in the previous one. A tracker may
    move its linked customer tickets with it (each gets its own timeline entry and nudge)."""
    if state not in TicketState.values:
        raise ApplicationError(_("Unknown state."))
    _same_workspace(ticket.workspace_id, actor)
    ticket = Ticket.objects.for_workspace(ticket.workspace_id).select_for_update().get(pk=ticket.pk)
    if ticket.state == state:
        return ticket
    now = now or timezone.now()
    _account_time(ticket, now)
    previous, ticket.state, ticket.state_changed_at = ticket.state, state, now
    ticket.resolved_at = now if state == TicketState.RESOLVED else None
    ticket.unread_by_customer = ticket.category == TicketType.Category.CUSTOMER
    ticket.save(update_fields=["state", "state_changed_at", "resolved_at", "team_seconds", "waiting_seconds",
                               "unread_by_customer", "updated_at"])
    _event(ticket, "state_changed", actor=actor, data={"from": previous, "to": state})
    _announce(ticket)
    if ticket.unread_by_customer and ticket.contact_id:
        from tickets import notifications  # the email to the customer, sent later if still unseen

        notifications.state_change_enqueue(ticket=ticket)
    if update_linked and ticket.category == TicketType.Category.TRACKER:
        for linked in Ticket.objects.for_workspace(ticket.workspace_id).filter(tracker=ticket).exclude(state=state):
            ticket_set_state(ticket=linked, state=state, actor=actor, now=now)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: Membership | None, team: Team | None, actor: Membership) -> Ticket:
    _same_workspace(ticket.workspace_id, assignee, team, actor)
    ticket.assignee, ticket.team = assignee, team
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    _event(ticket, "assigned", actor=actor, data={
        "assignee": assignee.pk if assignee else None, "team": team.pk if team else None,
    })
    _announce(ticket)
    return ticket


@transaction.atomic
def ticket_link_tracker(*, ticket: Ticket, tracker: Ticket | None, actor: Membership) -> Ticket:
    _same_workspace(ticket.workspace_id, tracker, actor)
    if tracker is not None and (tracker.category != TicketType.Category.TRACKER
                                or ticket.category != TicketType.Category.CUSTOMER):
        raise ApplicationError(_("Only customer tickets are linked to a tracker ticket."))
    ticket.tracker = tracker
    ticket.save(update_fields=["tracker", "updated_at"])
    _event(ticket, "linked", actor=actor, data={"tracker": tracker.number if tracker else None})
    _announce(ticket)
    return ticket


@transaction.atomic
def ticket_update_details(
    *, ticket: Ticket, actor: Membership, title: str, description: str, values: dict[str, Any],
) -> Ticket:
    """Save the title, description and already-cleaned values (values_clean) a teammate
    edited; the timeline names the changed field keys, not their contents."""
    _same_workspace(ticket.workspace_id, actor)
    changed = sorted(key for key in set(values) | set(ticket.values or {})
                     if (ticket.values or {}).get(key) != values.get(key))
    if title.strip() != ticket.title:
        changed.append("title")
    if description.strip() != ticket.description:
        changed.append("description")
    if not changed:
        return ticket
    ticket.title, ticket.description, ticket.values = title.strip()[:200], description.strip(), values
    ticket.save(update_fields=["title", "description", "values", "updated_at"])
    _event(ticket, "field_changed", actor=actor, data={"keys": changed})
    _announce(ticket)
    return ticket


# --- the timeline -------------------------------------------------------------------------------

@transaction.atomic
def ticket_note(*, ticket: Ticket, actor: Membership, body: str) -> TicketPart:
    """An internal note: never shown to the customer, never announced to them."""
    _same_workspace(ticket.workspace_id, actor)
    part = TicketPart.objects.create(workspace_id=ticket.workspace_id, ticket=ticket, kind=TicketPart.Kind.NOTE,
                                     author_membership=actor, body=body.strip())
    realtime_emit(workspace_id=ticket.workspace_id, channels=[workspace_channel(ticket.workspace_id)],
                  kind="ticket", data={"ticket": ticket.number})
    return part


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: Membership, body: str) -> TicketPart:
    """A teammate's message to the customer of a customer ticket."""
    _same_workspace(ticket.workspace_id, actor)
    if ticket.category != TicketType.Category.CUSTOMER:
        raise ApplicationError(_("Only customer tickets have a customer to answer."))
    part = TicketPart.objects.create(workspace_id=ticket.workspace_id, ticket=ticket, kind=TicketPart.Kind.REPLY,
                                     author_membership=actor, body=body.strip())
    Ticket.objects.for_workspace(ticket.workspace_id).filter(pk=ticket.pk).update(
        unread_by_customer=True, updated_at=timezone.now())
    _announce(ticket)
    return part


@transaction.atomic
def ticket_customer_message(*, ticket: Ticket, contact: Contact, body: str) -> TicketPart:
    """The customer writes on their own ticket (the messenger checks it is theirs)."""
    if ticket.contact_id != contact.pk or ticket.category != TicketType.Category.CUSTOMER:
        raise ApplicationError("not this customer's ticket")
    part = TicketPart.objects.create(workspace_id=ticket.workspace_id, ticket=ticket,
                                     kind=TicketPart.Kind.CUSTOMER, author_contact=contact, body=body.strip())
    Ticket.objects.for_workspace(ticket.workspace_id).filter(pk=ticket.pk).update(updated_at=timezone.now())
    _announce(ticket)
    return part
