"""The messenger's Tickets tab: the session's customer tickets, one ticket read in the panel
(customer-facing state, the fields the customer sees, the visible timeline, a reply box with
a file), and a new ticket opened by the customer.

What a session may see is decided in messenger/ticket_access.py; every number that is not
one of those tickets answers 404, whatever it names (a back-office ticket, another
customer's, another workspace's)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.throttle import Throttle
from core.uploads import PreparedFile, stored_file_response
from messenger import ticket_access
from messenger.http import MESSAGES_BY_SESSION, MessengerRequest
from messenger.views import _message_input, _screen, panel_endpoint
from tickets import services
from tickets.models import Ticket, TicketAttachment, TicketField, TicketPart, TicketType

ATTACHMENT_SALT = "parley.messenger.ticket-attachment"
ATTACHMENT_URL_MAX_AGE = 60 * 60 * 24
DESCRIPTION_MAX = services.LONG_TEXT_MAX
# Opening a ticket is heavier than a message and rarely needed twice a minute.
TICKETS_BY_SESSION = Throttle(
    "messenger-tickets", settings.MESSENGER_RATE_LIMITS.get("tickets_per_session_per_hour", 20), 3600
)


def _ticket_or_404(request: MessengerRequest, number: int) -> Ticket:
    ticket = ticket_access.ticket_for_session(session=request.messenger_session, number=number)
    if ticket is None:
        raise Http404
    return ticket


def _labels(request: MessengerRequest) -> dict[str, str]:
    return {state: pair[1] for state, pair in
            services.state_labels(workspace=request.messenger_session.workspace_id).items()}


@panel_endpoint("GET")
def ticket_unread(request: MessengerRequest) -> HttpResponse:
    """Whether the Tickets tab shows its dot, asked when the stream says a ticket changed
    while another screen is open."""
    unread = ticket_access.tickets_for_session(session=request.messenger_session).filter(
        unread_by_customer=True).exists()
    return JsonResponse({"unread": unread})


@panel_endpoint("GET")
def ticket_list(request: MessengerRequest) -> HttpResponse:
    labels = _labels(request)
    tickets = ticket_access.ticket_list_for_session(session=request.messenger_session)
    for ticket in tickets:
        ticket.customer_label = labels[ticket.state]  # type: ignore[attr-defined]
    if request.GET.get("rows") == "1":  # the stream's nudge (or the polling fallback) refreshes the rows only
        return _screen(request, "messenger/partials/_ticket_rows.html", {"tickets": tickets})
    has_types = ticket_access.customer_types(session=request.messenger_session).exists()
    return _screen(request, "messenger/tickets.html", {"tickets": tickets, "tab": "tickets", "has_types": has_types})


def _ticket_context(request: MessengerRequest, ticket: Ticket) -> dict:
    labels = _labels(request)
    parts = ticket_access.parts_for_customer(ticket=ticket)
    for part in parts:
        if part.kind == TicketPart.Kind.EVENT:
            part.customer_label = labels.get(part.event_data.get("to", ""), "")  # type: ignore[attr-defined]
        part.files = [  # type: ignore[attr-defined]
            {"url": attachment_url(item), "is_image": item.content_type.startswith("image/"), "item": item}
            for item in part.attachments.all()
        ]
    # The customer has now seen the team's latest change.
    Ticket.objects.for_workspace(ticket.workspace_id).filter(pk=ticket.pk, unread_by_customer=True).update(
        unread_by_customer=False)
    return {"ticket": ticket, "parts": parts, "state_label": labels[ticket.state],
            "fields": ticket_access.visible_fields(ticket=ticket), "tab": "tickets"}


def _ticket_screen(request: MessengerRequest, ticket: Ticket, **extra: object) -> HttpResponse:
    context = {**_ticket_context(request, ticket), **extra}
    return _screen(request, "messenger/ticket.html", context, status=400 if extra.get("error") else 200)


@panel_endpoint("GET")
def ticket_detail(request: MessengerRequest, number: int) -> HttpResponse:
    return _ticket_screen(request, _ticket_or_404(request, number))


@panel_endpoint("GET")
def ticket_live(request: MessengerRequest, number: int) -> HttpResponse:
    """The ticket's state and timeline, swapped in when the stream (or the polling fallback)
    says it changed; the reply box and its draft stay as they are."""
    return _screen(request, "messenger/partials/_ticket_live.html",
                   _ticket_context(request, _ticket_or_404(request, number)))


def _attach(part: TicketPart, attachment: PreparedFile | None) -> None:
    if attachment is None:
        return
    stored = TicketAttachment(
        workspace_id=part.workspace_id, part=part, ticket_id=part.ticket_id, content_type=attachment.content_type,
        extension=_extension(attachment.filename), filename=attachment.filename, size=attachment.size,
    )
    stored.file.save("upload", ContentFile(attachment.data), save=False)
    stored.save()


def _extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower()[:8] if dot > 0 else ""


@panel_endpoint("POST", throttles=(MESSAGES_BY_SESSION,))
def ticket_message_create(request: MessengerRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    body, attachment, error = _message_input(request)
    if error:
        return _ticket_screen(request, ticket, error=error, draft=body)
    with transaction.atomic():
        part = services.ticket_customer_message(ticket=ticket, contact=request.messenger_session.contact, body=body)
        _attach(part, attachment)
    return _ticket_screen(request, ticket)


# --- a new ticket ----------------------------------------------------------------------------

def _type_or_none(request: MessengerRequest, raw: str) -> TicketType | None:
    if not raw.isdigit() or len(raw) > 12:
        return None
    return ticket_access.customer_types(session=request.messenger_session).filter(pk=int(raw)).first()


def _form_screen(request: MessengerRequest, ticket_type: TicketType, *, status: int = 200,
                 posted: dict | None = None, errors: dict | None = None, error: str = "") -> HttpResponse:
    posted = posted or {}
    errors = errors or {}
    fields = [
        {"field": field, "name": f"field-{field.key}", "value": posted.get(field.key, ""),
         "error": errors.get(field.key, "")}
        for field in ticket_access.customer_fields(ticket_type=ticket_type)
    ]
    shown = {row["field"].key for row in fields}
    # A required field the form cannot show (a file) still says why the ticket was refused.
    hidden_errors = [reason for key, reason in errors.items() if key not in shown]
    context = {
        "ticket_type": ticket_type, "fields": fields, "tab": "tickets", "error": error or " ".join(hidden_errors),
        "title": posted.get("__title", ""), "description": posted.get("__description", ""),
        "kinds": TicketField.Kind,
    }
    return _screen(request, "messenger/tickets_new.html", context, status=status)


@panel_endpoint("GET")
def ticket_new(request: MessengerRequest) -> HttpResponse:
    types = list(ticket_access.customer_types(session=request.messenger_session))
    chosen = _type_or_none(request, request.GET.get("type", ""))
    if chosen is None and len(types) == 1:
        chosen = types[0]
    if chosen is None:
        return _screen(request, "messenger/tickets_types.html", {"types": types, "tab": "tickets"})
    return _form_screen(request, chosen)


@panel_endpoint("POST", throttles=(TICKETS_BY_SESSION,))
def ticket_create(request: MessengerRequest) -> HttpResponse:
    session = request.messenger_session
    ticket_type = _type_or_none(request, request.POST.get("type", ""))
    if ticket_type is None:
        raise Http404
    raw = {field.key: (request.POST.get(f"field-{field.key}") or "").strip()
           for field in ticket_access.customer_fields(ticket_type=ticket_type)}
    title = (request.POST.get("title") or "").strip()
    description = (request.POST.get("description") or "").strip()
    posted = {**raw, "__title": title, "__description": description}
    if len(title) > 200 or len(description) > DESCRIPTION_MAX:
        return _form_screen(request, ticket_type, status=400, posted=posted,
                            error=_("The title or the description is too long."))
    try:
        ticket = services.ticket_create(
            workspace=session.workspace, ticket_type=ticket_type, title=title, description=description, values=raw,
            contact=session.contact, by_customer=True, browser_id=session.browser_id,
        )
    except services.TicketValuesInvalid as invalid:
        return _form_screen(request, ticket_type, status=400, posted=posted, errors=invalid.errors)
    return _ticket_screen(request, ticket)


# --- files -----------------------------------------------------------------------------------

def attachment_url(attachment: TicketAttachment) -> str:
    token = signing.dumps([attachment.workspace_id, attachment.pk], salt=ATTACHMENT_SALT)
    return reverse("messenger:ticket_attachment", args=[token])


@require_GET
def ticket_attachment(request: HttpRequest, token: str) -> HttpResponse:
    """A file on a ticket, served like the conversations' (messenger/views.py::attachment):
    the signed address is the permission; only pictures inline, everything else a download."""
    try:
        workspace_id, pk = signing.loads(token, salt=ATTACHMENT_SALT, max_age=ATTACHMENT_URL_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    item = TicketAttachment.objects.for_workspace(int(workspace_id)).filter(pk=pk, part__isnull=False).first()
    if item is None:
        raise Http404
    return stored_file_response(file=item.file, content_type=item.content_type,
                                filename=item.filename or f"file{item.extension}", max_age=86400, cross_origin=True)
