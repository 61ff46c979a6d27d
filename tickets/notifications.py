"""Telling a customer their ticket moved: an email, a few minutes after a state change, only
when they have not seen it in the messenger in the meantime (`unread_by_customer`), only
for customer tickets, worded with the workspace's label for customers in the contact's
language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tickets.models import Ticket, TicketType

logger = logging.getLogger(__name__)

# Long enough for a customer with the messenger open to see the change there instead.
STATE_EMAIL_DELAY_SECONDS = getattr(settings, "TICKET_STATE_EMAIL_DELAY_SECONDS", 300)
LANGUAGES = ("en", "ja")


def state_change_enqueue(*, ticket: Ticket) -> None:
    """Called by tickets.services.ticket_set_state inside its transaction: the task is
    queued only once the change is committed (a rolled-back change mails nobody)."""
    if ticket.category != TicketType.Category.CUSTOMER or not ticket.contact_id:
        return
    from tickets.tasks import ticket_state_email

    workspace_id, ticket_id, state = ticket.workspace_id, ticket.pk, ticket.state
    transaction.on_commit(lambda: ticket_state_email.apply_async(
        args=[workspace_id, ticket_id, state], countdown=STATE_EMAIL_DELAY_SECONDS))


def _language(contact_language: str, workspace_language: str) -> str:
    for candidate in (contact_language, workspace_language):
        code = (candidate or "").lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def state_email_send(*, workspace_id: int, ticket_id: int, state: str) -> bool:
    """Send the email if it is still news: the ticket is still in `state` (a later change
    sends its own) and still unread by the customer. False when nothing was sent."""
    from tickets.services import state_labels

    ticket = (Ticket.objects.for_workspace(workspace_id).select_related("contact", "workspace")
              .filter(pk=ticket_id).first())
    if (ticket is None or ticket.category != TicketType.Category.CUSTOMER or ticket.contact is None
            or not ticket.unread_by_customer or ticket.state != state or not ticket.contact.email):
        return False
    language = _language(ticket.contact.language, getattr(ticket.workspace, "default_language", ""))
    with translation.override(language):
        label = state_labels(workspace=workspace_id)[state][1]
        context = {"ticket": ticket, "workspace": ticket.workspace, "label": label, "contact": ticket.contact}
        subject = _("[%(workspace)s] Ticket #%(number)s: %(label)s") % {
            "workspace": ticket.workspace.name, "number": ticket.number, "label": label}
        text = render_to_string("messenger/tickets_email_state.txt", context)
        html = render_to_string("messenger/tickets_email_state.html", context)
    message = EmailMultiAlternatives(subject=subject.replace("\n", " "), body=text, to=[ticket.contact.email])
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("ticket_state_email_sent", extra={"workspace_id": workspace_id, "ticket_id": ticket_id})
    return True
