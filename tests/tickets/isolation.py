"""Outsider cases for the tickets area's id-taking URLs (merged into
tests/test_tenant_isolation.py's OBJECT_FACTORIES): url name -> builds the victim's object in
the workspace and returns the URL kwargs naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workspaces.models import Workspace


def _ticket(workspace: Workspace) -> dict[str, Any]:
    from tickets import services
    from tickets.models import TicketType

    kind = TicketType.objects.create(workspace=workspace, category="back_office", name="Isolation check")
    return {"number": services.ticket_create(workspace=workspace, ticket_type=kind).number}


def _conversation(workspace: Workspace) -> dict[str, Any]:
    from tests.factories import conversation_create

    return {"number": conversation_create(workspace=workspace).number}


def _type(workspace: Workspace) -> dict[str, Any]:
    from tickets.models import TicketType

    return {"type_id": TicketType.objects.create(workspace=workspace, category="customer", name="Isolated").pk}


def _field(workspace: Workspace) -> dict[str, Any]:
    from tickets.models import TicketField

    kwargs = _type(workspace)
    field = TicketField.objects.create(workspace=workspace, ticket_type_id=kwargs["type_id"], key="size",
                                       label="Size", kind="text")
    return {**kwargs, "field_id": field.pk}


def attachment(workspace: Workspace, *, name: str = "notes.txt", data: bytes = b"hello") -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from tickets.models import Ticket, TicketAttachment, TicketPart

    kwargs = _ticket(workspace)
    ticket = Ticket.objects.for_workspace(workspace).get(number=kwargs["number"])
    part = TicketPart.objects.create(workspace=workspace, ticket=ticket, kind="note", body="see file")
    item = TicketAttachment(workspace=workspace, ticket=ticket, part=part, content_type="text/plain",
                            extension=".txt", filename=name, size=len(data))
    item.file.save(name, ContentFile(data), save=True)
    return {**kwargs, "attachment_id": item.pk}


FACTORIES: dict[str, Callable[[Workspace], dict[str, Any]]] = {
    "tickets:ticket": _ticket,
    "tickets:edit": _ticket,
    "tickets:state": _ticket,
    "tickets:assign": _ticket,
    "tickets:tracker": _ticket,
    "tickets:note": _ticket,
    "tickets:from_conversation": _conversation,
    "tickets:attachment": attachment,
    "tickets:type": _type,
    "tickets:type_archive": _type,
    "tickets:field_new": _type,
    "tickets:field": _field,
    "tickets:field_delete": _field,
}
