"""The messenger panel: HTML fragments rendered into the iframe on the customer's site.

Every fragment is fetched with the X-Parley-Session header (set by panel.js from the
token the loader posted in), so the panel shows only what that session may see."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from articles import services as article_services
from core.exceptions import ApplicationError
from core.uploads import PreparedFile, UploadRefused, prepare_uploaded_file, stored_file_response
from inbox import services as inbox_services
from inbox.models import Attachment, Conversation
from messenger import help_access, selectors
from messenger.http import MESSAGES_BY_SESSION, MessengerRequest, cors, session_required, throttled
from workspaces.models import Workspace


def panel_csp() -> str:
    streams = f" {settings.STREAMS_URL}" if settings.STREAMS_URL else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"connect-src 'self'{streams}",
            # Article bodies embed YouTube (its no-cookie address) and Vimeo players only
            # (articles/html.py rewrites any other video address away).
            "frame-src https://www.youtube-nocookie.com https://player.vimeo.com",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            # The panel lives in an iframe on customers' own sites, whichever they are.
            "frame-ancestors *",
        ]
    )


ATTACHMENT_SALT = "parley.messenger.attachment"
ATTACHMENT_URL_MAX_AGE = 60 * 60 * 24


def panel_endpoint(
    *methods: str, throttles: tuple = ()
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Everything a panel fragment needs, in order: framable anywhere, CORS without
    credentials, the allowed methods, the throttles, then the messenger session."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        guarded = require_http_methods(list(methods))(throttled(*throttles)(session_required(view)))
        return xframe_options_exempt(cors(guarded))

    return decorate


def _framed(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = panel_csp()
    return response


def _screen(request: MessengerRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    session = request.messenger_session
    workspace = session.workspace
    base = {
        "session": session,
        "workspace": workspace,
        "contact": session.contact,
        "is_open": workspace.is_within_office_hours(),
        "next_opening": workspace.next_opening(),
        "faces": selectors.team_faces(workspace_id=workspace.pk),
        "max_length": settings.MESSENGER_MAX_MESSAGE_LENGTH,
        "poll_seconds": settings.MESSENGER_POLL_SECONDS,
    }
    response = render(request, template, {**base, **context}, status=status)
    response["X-Parley-Unread"] = str(selectors.unread_count(session=session))
    return _framed(response)


@xframe_options_exempt
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    """The iframe's page: an empty frame that waits for the loader to post the session."""
    app_id = request.GET.get("app_id", "")
    workspace = Workspace.objects.filter(app_id=app_id).first() if app_id else None
    if workspace is None:
        raise Http404
    context = {"workspace": workspace, "streams_url": settings.STREAMS_URL}
    return _framed(render(request, "messenger/panel.html", context))


@panel_endpoint("GET")
def home(request: MessengerRequest) -> HttpResponse:
    session = request.messenger_session
    conversations = selectors.conversation_list_for_session(session=session, limit=3)
    # The "Search for help" card is offered only to those the help center lets in.
    help_open = help_access.may_read(session=session, help_center=help_access.help_center_of(session=session))
    return _screen(
        request, "messenger/home.html", {"conversations": conversations, "tab": "home", "help_open": help_open}
    )


@panel_endpoint("GET")
def conversation_list(request: MessengerRequest) -> HttpResponse:
    conversations = selectors.conversation_list_for_session(session=request.messenger_session)
    return _screen(
        request, "messenger/conversations.html", {"conversations": conversations, "tab": "messages"}
    )


def _about_article(request: MessengerRequest, raw: str):  # type: ignore[no-untyped-def]
    """The published article a new conversation starts from ("Still need help?" under an
    article), if `raw` names one this session may read; anything else is ignored, since
    it only adds statistics and must never stop a customer's message."""
    if not raw.isdigit() or len(raw) > 9:
        return None
    session = request.messenger_session
    if not help_access.may_read(session=session, help_center=help_access.help_center_of(session=session)):
        return None
    return help_access.article_for_session(session=session, number=int(raw))


@panel_endpoint("GET")
def conversation_new(request: MessengerRequest) -> HttpResponse:
    context = {
        "conversation": None, "parts": [], "tab": "messages",
        "about_article": _about_article(request, request.GET.get("article", "")),
    }
    return _screen(request, "messenger/conversation.html", context)


def _message_input(request: MessengerRequest) -> tuple[str, PreparedFile | None, str | None]:
    """(text, attachment, error): what the customer sent, or why it was refused."""
    body = (request.POST.get("body") or "").strip()
    upload: UploadedFile | None = request.FILES.get("file")
    if len(body) > settings.MESSENGER_MAX_MESSAGE_LENGTH:
        return (
            body,
            None,
            _("Your message is too long: %(limit)d characters at most.")
            % {"limit": settings.MESSENGER_MAX_MESSAGE_LENGTH},
        )
    attachment = None
    if upload is not None:
        try:
            attachment = prepare_uploaded_file(upload)
        except UploadRefused as refused:
            return body, None, refused.message
    if not body and attachment is None:
        return body, None, _("Write a message or choose a file.")
    return body, attachment, None


def _conversation_or_404(request: MessengerRequest, number: int) -> Conversation:
    conversation = (
        selectors.conversations_for_session(session=request.messenger_session).filter(number=number).first()
    )
    if conversation is None:
        raise Http404
    return conversation


@panel_endpoint("POST", throttles=(MESSAGES_BY_SESSION,))
def conversation_start(request: MessengerRequest) -> HttpResponse:
    body, attachment, error = _message_input(request)
    about_article = _about_article(request, request.POST.get("article", ""))
    if error:
        context = {
            "conversation": None, "parts": [], "error": error, "draft": body, "tab": "messages",
            "about_article": about_article,
        }
        return _screen(request, "messenger/conversation.html", context, status=400)
    session = request.messenger_session
    with transaction.atomic():
        conversation = inbox_services.conversation_start(
            contact=session.contact, browser_id=session.browser_id, body=body, attachment=attachment
        )
        if about_article is not None:
            article_services.article_conversation_record(
                article=about_article.article, conversation_id=conversation.pk, workspace_id=conversation.workspace_id
            )
    return _conversation_screen(request, conversation)


def _conversation_screen(
    request: MessengerRequest, conversation: Conversation, **extra: object
) -> HttpResponse:
    parts = list(selectors.parts_for_customer(conversation=conversation))
    help_access.attach_article_cards(
        parts=parts, workspace_id=conversation.workspace_id, language=request.messenger_session.language
    )
    inbox_services.conversation_read_by_customer(conversation=conversation)
    context = {
        "conversation": conversation,
        "parts": parts,
        "last_part_id": parts[-1].pk if parts else 0,
        "tab": "messages",
        **extra,
    }
    return _screen(request, "messenger/conversation.html", context, status=400 if extra.get("error") else 200)


@panel_endpoint("GET")
def conversation_detail(request: MessengerRequest, number: int) -> HttpResponse:
    return _conversation_screen(request, _conversation_or_404(request, number))


@panel_endpoint("POST", throttles=(MESSAGES_BY_SESSION,))
def message_create(request: MessengerRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    body, attachment, error = _message_input(request)
    if error:
        return _conversation_screen(request, conversation, error=error, draft=body)
    inbox_services.customer_message_create(
        conversation=conversation, contact=request.messenger_session.contact, body=body, attachment=attachment
    )
    conversation.refresh_from_db()
    return _conversation_screen(request, conversation)


@panel_endpoint("POST", throttles=(MESSAGES_BY_SESSION,))
def conversation_rate(request: MessengerRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        conversation = inbox_services.conversation_rate(
            conversation=conversation, rating=rating, remark=request.POST.get("remark", "")
        )
    except ApplicationError as exc:
        return _conversation_screen(request, conversation, error=exc.message)
    return _conversation_screen(request, conversation)


@panel_endpoint("POST")
def conversation_typing(request: MessengerRequest, number: int) -> HttpResponse:
    inbox_services.customer_typing(conversation=_conversation_or_404(request, number))
    return HttpResponse(status=204)


@panel_endpoint("GET")
def conversation_poll(request: MessengerRequest, number: int) -> HttpResponse:
    """Parts newer than `after`, appended by the open thread every few seconds; 204 when
    there is nothing new. The Inbox issue adds a pushed stream in front of this."""
    conversation = _conversation_or_404(request, number)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    parts = list(selectors.parts_for_customer(conversation=conversation, after_id=after))
    if not parts:
        response = HttpResponse(status=204)
        response["X-Parley-Unread"] = str(selectors.unread_count(session=request.messenger_session))
        return response
    help_access.attach_article_cards(
        parts=parts, workspace_id=conversation.workspace_id, language=request.messenger_session.language
    )
    inbox_services.conversation_read_by_customer(conversation=conversation)
    context = {"conversation": conversation, "parts": parts, "last_part_id": parts[-1].pk}
    return _screen(request, "messenger/partials/_new_parts.html", context)


def attachment_url(attachment: Attachment) -> str:
    from django.urls import reverse

    token = signing.dumps([attachment.workspace_id, attachment.pk], salt=ATTACHMENT_SALT)
    return reverse("messenger:attachment", args=[token])


@require_GET
def attachment(request: HttpRequest, token: str) -> HttpResponse:
    """A file in a conversation. <img> and a download link cannot send the session header,
    so the address itself is the permission: signed, naming one attachment, valid for a day.
    Pictures (re-encoded by Pillow) are shown inline; anything else is only ever a
    download, so a browser never renders what a customer sent as a page of this origin."""
    try:
        workspace_id, pk = signing.loads(token, salt=ATTACHMENT_SALT, max_age=ATTACHMENT_URL_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    item = Attachment.objects.for_workspace(int(workspace_id)).filter(pk=pk).first()
    if item is None:
        raise Http404
    return stored_file_response(
        file=item.file, content_type=item.content_type, max_age=86400, cross_origin=True,
        filename=item.filename or f"{'image' if item.is_image else 'file'}{item.extension}",
    )
