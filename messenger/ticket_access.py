"""Which tickets a messenger session may see: only customer tickets (never back-office or
tracker ones) of the session's own contact, and — as for conversations
(messenger/selectors.py) — the contact's whole list only when the session proved its
identity; any other session sees only the tickets its own browser opened, directly or from
a conversation it started."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from messenger.models import MessengerSession
from tickets.models import Ticket, TicketField, TicketPart, TicketType


def tickets_for_session(*, session: MessengerSession) -> QuerySet[Ticket]:
    tickets = Ticket.objects.for_workspace(session.workspace_id).filter(
        contact_id=session.contact_id, category=TicketType.Category.CUSTOMER
    )
    if not session.verified:
        opened_here = TicketPart.objects.for_workspace(session.workspace_id).filter(
            ticket=OuterRef("pk"), event="created", event_data__browser_id=session.browser_id
        )
        tickets = tickets.filter(Q(conversation__browser_id=session.browser_id) | Exists(opened_here))
    return tickets


def ticket_list_for_session(*, session: MessengerSession, limit: int = 50) -> list[Ticket]:
    return list(tickets_for_session(session=session).order_by("-created_at", "-id")[:limit])


def ticket_for_session(*, session: MessengerSession, number: int) -> Ticket | None:
    return tickets_for_session(session=session).select_related("ticket_type").filter(number=number).first()


def parts_for_customer(*, ticket: Ticket) -> list[TicketPart]:
    """The timeline as the customer reads it: their messages, the team's replies and state
    changes. Notes and other events stay out of the query itself, not only the template."""
    parts = (
        TicketPart.objects.for_workspace(ticket.workspace_id)
        .filter(ticket=ticket)
        .filter(Q(kind__in=[TicketPart.Kind.CUSTOMER, TicketPart.Kind.REPLY])
                | Q(kind=TicketPart.Kind.EVENT, event="state_changed"))
        .select_related("author_membership__user")
        .prefetch_related("attachments")
        .order_by("id")
    )
    return [part for part in parts if part.is_visible_to_customer]


def visible_fields(*, ticket: Ticket) -> list[tuple[TicketField, object]]:
    """(field, value) for the fields the customer sees that have a value."""
    fields = TicketField.objects.for_workspace(ticket.workspace_id).filter(
        ticket_type_id=ticket.ticket_type_id, customer_visible=True
    )
    return [(field, ticket.values[field.key]) for field in fields
            if field.key in ticket.values and field.kind != TicketField.Kind.FILE]


def customer_types(*, session: MessengerSession) -> QuerySet[TicketType]:
    return TicketType.objects.for_workspace(session.workspace_id).filter(
        category=TicketType.Category.CUSTOMER, archived_at__isnull=True
    )


def customer_fields(*, ticket_type: TicketType) -> list[TicketField]:
    """The fields the customer fills in on the new-ticket form (file fields are the team's
    to ask for in a reply; the form sends text values only)."""
    return list(TicketField.objects.for_workspace(ticket_type.workspace_id).filter(
        ticket_type=ticket_type, customer_fills=True).exclude(kind=TicketField.Kind.FILE))
