"""The agents' inbox: views with counts, the conversation list, a thread with its
composer and the actions on it, the customer sidebar."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles import selectors as article_selectors
from contacts.models import Contact
from contacts.selectors import customer_card
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from inbox import selectors, services
from inbox.forms import ArticleSearchForm, AssignForm, InboxFilterForm, ReplyForm, SavedReplyForm, SnoozeForm, TagForm
from inbox.models import Conversation, SavedReply
from workspaces.decorators import workspace_member_required
from workspaces.models import Tag, Team


def _nav_context(request: WorkspaceRequest) -> dict:
    teams = list(Team.objects.for_workspace(request.workspace).order_by("name"))
    return {
        "counts": selectors.inbox_counts_remembered(workspace=request.workspace, member=request.membership, teams=teams),
        "teams": teams,
        "current_area": "inbox",
        "streams_url": settings.STREAMS_URL,
    }


def _view_from(form: InboxFilterForm) -> selectors.InboxView:
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("team"):
        return selectors.InboxView(key="team", team_id=data["team"])
    return selectors.InboxView(key=data.get("view") or "open")


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    view = _view_from(form)
    data = form.cleaned_data if form.is_valid() else {}
    rows, next_cursor = selectors.conversation_list(
        workspace=request.workspace, member=request.membership, view=view,
        oldest_first=data.get("sort") == "oldest", search=data.get("q") or "",
        cursor=selectors.Cursor.decode(data.get("after")),
    )
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        **_nav_context(request), "conversations": rows, "view": view, "filters": data,
        "next_url": f"?{params.urlencode()}&after={next_cursor.encode()}" if next_cursor else None,
    }
    if request.htmx and not request.htmx.boosted and request.GET.get("after"):
        return render(request, "inbox/list.html#rows", context)
    return render(request, "inbox/list.html", context)


def _conversation_or_404(request: WorkspaceRequest, number: int) -> Conversation:
    conversation = selectors.conversation_get(workspace=request.workspace, number=number)
    if conversation is None:
        raise Http404
    return conversation


def _customer_language(request: WorkspaceRequest, conversation: Conversation) -> str:
    language = (conversation.contact.language or "")[:2]
    return language if language in dict(settings.LANGUAGES) else request.workspace.default_language


def _with_article_cards(request: WorkspaceRequest, conversation: Conversation, parts: list) -> list:
    """Each part that carries an article gets its card (`part.article_card`), in the
    customer's language when published in it: one query for all, none without articles."""
    ids = {part.article_id for part in parts if part.article_id}
    cards = article_selectors.article_cards(
        workspace=request.workspace, article_ids=ids, language=_customer_language(request, conversation)
    )
    for part in parts:
        part.article_card = cards.get(part.article_id) if part.article_id else None
        if part.article_card is not None:
            part.article_card.edit_url = article_selectors.article_edit_url(
                workspace_slug=request.workspace.slug, number=part.article_card.article.number,
                article_id=part.article_id,
            )
    return parts


def _detail(request: WorkspaceRequest, conversation: Conversation, *, reply_form: ReplyForm | None = None, status: int = 200) -> HttpResponse:
    parts, has_older = selectors.thread(conversation=conversation)
    _with_article_cards(request, conversation, parts)
    reply_form = reply_form or ReplyForm(workspace=request.workspace)
    if conversation.unread_by_team:
        services.conversation_mark_unread(conversation=conversation, unread=False)
    context = {
        **_nav_context(request),
        "conversation": conversation,
        "contact": conversation.contact,
        "parts": parts,
        "has_older": has_older,
        "reply_form": reply_form,
        "chosen_article": _chosen_article(request, reply_form),
        "teammates": selectors.teammates_for_assignment(workspace=request.workspace),
        "snooze_presets": selectors.snooze_presets(workspace=request.workspace),
        "past": selectors.past_conversations(conversation=conversation),
        "card": customer_card(contact=conversation.contact),
        "recent_articles": article_selectors.recently_viewed_for_teammates(
            workspace=request.workspace, contact=conversation.contact
        ),
        "tickets": _customer_tickets(request, conversation),
        "last_part_id": parts[-1].pk if parts else 0,
        "saved_replies": SavedReply.objects.for_workspace(request.workspace).only("id", "name"),
    }
    return render(request, "inbox/conversation.html", context, status=status)


def _customer_tickets(request: WorkspaceRequest, conversation: Conversation) -> list:
    """The customer's tickets with their customer-facing state: one query, and one more for
    the workspace's labels only when there are tickets to label."""
    from tickets import selectors as ticket_selectors
    from tickets.services import state_labels

    if conversation.contact_id is None:
        return []
    tickets = ticket_selectors.contact_tickets(workspace_id=request.workspace.pk, contact_id=conversation.contact_id)
    if tickets:
        labels = state_labels(workspace=request.workspace)
        for ticket in tickets:
            ticket.customer_state_label = labels[ticket.state][1]
    return tickets


def _chosen_article(request: WorkspaceRequest, form: ReplyForm):  # type: ignore[no-untyped-def]
    """The article a refused reply had attached, so the composer shows it again."""
    article = form.cleaned_data.get("article") if form.is_bound and hasattr(form, "cleaned_data") else None
    if article is None:
        return None
    return article_selectors.article_cards(
        workspace=request.workspace, article_ids=[article.pk], language=request.membership.user.language or "en"
    ).get(article.pk)


@require_GET
@workspace_member_required
def conversation_detail(request: WorkspaceRequest, number: int) -> HttpResponse:
    return _detail(request, _conversation_or_404(request, number))


@require_GET
@workspace_member_required
def conversation_older(request: WorkspaceRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    try:
        before = int(request.GET.get("before", ""))
    except ValueError:
        raise Http404 from None
    parts, has_older = selectors.thread(conversation=conversation, before_id=before)
    _with_article_cards(request, conversation, parts)
    return render(request, "inbox/partials/_older.html", {"conversation": conversation, "parts": parts, "has_older": has_older})


@require_GET
@workspace_member_required
def conversation_new_parts(request: WorkspaceRequest, number: int) -> HttpResponse:
    """Parts after `after`, appended to an open thread by polling; 204 when none."""
    conversation = _conversation_or_404(request, number)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    parts = [part for part in selectors.thread(conversation=conversation)[0] if part.pk > after]
    if not parts:
        return HttpResponse(status=204)
    _with_article_cards(request, conversation, parts)
    return render(request, "inbox/partials/_new_parts.html", {"conversation": conversation, "parts": parts,
                                                              "last_part_id": parts[-1].pk})


def _back(conversation: Conversation, request: WorkspaceRequest) -> HttpResponse:
    return redirect(reverse("inbox:conversation", kwargs={"workspace_slug": request.workspace.slug, "number": conversation.number}))


@require_POST
@workspace_member_required
def conversation_reply(request: WorkspaceRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    form = ReplyForm(request.POST, request.FILES, workspace=request.workspace)
    if not form.is_valid():
        return _detail(request, conversation, reply_form=form, status=400)
    body, attachment = form.cleaned_data["body"].strip(), form.cleaned_data["file"]
    if form.cleaned_data["kind"] == "note":
        services.note_create(
            conversation=conversation, membership=request.membership, body=body, attachment=attachment
        )
    else:
        services.teammate_reply_create(
            conversation=conversation, membership=request.membership, body=body, attachment=attachment,
            article=form.cleaned_data.get("article"),
        )
    return _back(conversation, request)


ARTICLE_SEARCH_LIMIT = 8


@require_GET
@workspace_member_required
def article_search(request: WorkspaceRequest) -> HttpResponse:
    """The composer's "Insert article" box: published articles in any language matching
    what the agent types, as a list to pick from. One search query."""
    form = ArticleSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = article_selectors.article_search(workspace=request.workspace, query=query, limit=ARTICLE_SEARCH_LIMIT)
    return render(request, "inbox/partials/_article_results.html", {"results": results, "query": query})


@require_POST
@workspace_member_required
def conversation_typing(request: WorkspaceRequest, number: int) -> HttpResponse:
    services.teammate_typing(conversation=_conversation_or_404(request, number), membership=request.membership)
    return HttpResponse(status=204)


@require_POST
@workspace_member_required
def conversation_assign(request: WorkspaceRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    if request.POST.get("assignee") == "me":
        assignee, team = request.membership, conversation.team
    else:
        form = AssignForm(request.POST, workspace=request.workspace)
        if not form.is_valid():
            messages.error(request, _("Choose a teammate or team of this workspace."))
            return _back(conversation, request)
        assignee, team = form.cleaned_data["assignee"], form.cleaned_data["team"]
    services.conversation_assign(conversation=conversation, actor=request.membership, assignee=assignee, team=team)
    return _back(conversation, request)


@require_POST
@workspace_member_required
def conversation_state(request: WorkspaceRequest, number: int, action: str) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    try:
        if action == "close":
            services.conversation_close(conversation=conversation, actor=request.membership)
        elif action == "reopen":
            services.conversation_reopen(conversation=conversation, actor=request.membership)
        elif action == "snooze":
            form = SnoozeForm(request.POST)
            with timezone.override(request.workspace.tzinfo):
                valid = form.is_valid()
            until = form.until_for(selectors.snooze_presets(workspace=request.workspace), request.workspace.tzinfo) if valid else None
            if until is None:
                messages.error(request, _("Choose when the conversation should come back."))
                return _back(conversation, request)
            services.conversation_snooze(conversation=conversation, actor=request.membership, until=until)
        elif action == "priority":
            services.conversation_set_priority(
                conversation=conversation, actor=request.membership, is_priority=not conversation.is_priority
            )
        elif action == "unread":
            services.conversation_mark_unread(conversation=conversation, unread=True)
            return redirect("inbox:index", workspace_slug=request.workspace.slug)
        elif action == "troubled":
            contact = conversation.contact
            Contact.objects.for_workspace(request.workspace).filter(pk=contact.pk).update(is_troubled=not contact.is_troubled)
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(conversation, request)


@require_POST
@workspace_member_required
def conversation_tag(request: WorkspaceRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    form = TagForm(request.POST)
    if form.is_valid():
        services.conversation_tag(conversation=conversation, actor=request.membership, name=form.cleaned_data["name"])
    else:
        messages.error(request, _("A tag needs a name of at most 64 characters."))
    return _back(conversation, request)


@require_POST
@workspace_member_required
def conversation_untag(request: WorkspaceRequest, number: int, tag_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    tag = Tag.objects.for_workspace(request.workspace).filter(pk=tag_id).first()
    if tag is None:
        raise Http404
    services.conversation_untag(conversation=conversation, actor=request.membership, tag=tag)
    return _back(conversation, request)


# --- saved replies -------------------------------------------------------------------------


@require_GET
@workspace_member_required
def saved_reply_insert(request: WorkspaceRequest, number: int) -> HttpResponse:
    """The composer's textarea again, with the chosen saved reply (placeholders filled for
    this customer) added to what was already typed."""
    from inbox.placeholders import render_placeholders

    conversation = _conversation_or_404(request, number)
    text = request.GET.get("body", "")
    raw_id = request.GET.get("saved_reply") or ""
    chosen = SavedReply.objects.for_workspace(request.workspace).filter(pk=int(raw_id)).first() if raw_id.isdigit() else None
    if chosen is not None:
        rendered = render_placeholders(chosen.body, contact=conversation.contact, teammate=request.membership)
        text = f"{text.rstrip()}\n{rendered}" if text.strip() else rendered
    return render(request, "inbox/partials/_composer_body.html", {"text": text})


@require_http_methods(["GET", "POST"])
@workspace_member_required
def saved_replies(request: WorkspaceRequest) -> HttpResponse:
    form = SavedReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _saved_reply_from_form(request, form, saved_reply=None):
            messages.success(request, _("Saved reply created."))
            return redirect("inbox:saved_replies", workspace_slug=request.workspace.slug)
        status = 400
    context = {"saved_replies": SavedReply.objects.for_workspace(request.workspace), "form": form, "current_area": "inbox"}
    return render(request, "inbox/saved_replies.html", context, status=status)


def _saved_reply_from_form(request: WorkspaceRequest, form: SavedReplyForm, *, saved_reply: SavedReply | None) -> bool:
    """Create or update from a bound form; False (with the error on the form) when refused."""
    if not form.is_valid():
        return False
    try:
        services.saved_reply_save(workspace=request.workspace, saved_reply=saved_reply, actor=request.membership,
                                  name=form.cleaned_data["name"], body=form.cleaned_data["body"])
    except ApplicationError as exc:
        form.add_error("name", exc.message)
        return False
    return True


def _saved_reply_or_404(request: WorkspaceRequest, saved_reply_id: int) -> SavedReply:
    saved_reply = SavedReply.objects.for_workspace(request.workspace).filter(pk=saved_reply_id).first()
    if saved_reply is None:
        raise Http404
    return saved_reply


@require_http_methods(["GET", "POST"])
@workspace_member_required
def saved_reply_edit(request: WorkspaceRequest, saved_reply_id: int) -> HttpResponse:
    saved_reply = _saved_reply_or_404(request, saved_reply_id)
    form = SavedReplyForm(request.POST or None, initial={"name": saved_reply.name, "body": saved_reply.body})
    if request.method == "POST":
        if _saved_reply_from_form(request, form, saved_reply=saved_reply):
            messages.success(request, _("Saved reply updated."))
            return redirect("inbox:saved_replies", workspace_slug=request.workspace.slug)
        saved_reply.refresh_from_db()
        return render(request, "inbox/saved_reply_edit.html", {"saved_reply": saved_reply, "form": form,
                                                               "current_area": "inbox"}, status=400)
    return render(request, "inbox/saved_reply_edit.html", {"saved_reply": saved_reply, "form": form, "current_area": "inbox"})


@require_POST
@workspace_member_required
def saved_reply_delete(request: WorkspaceRequest, saved_reply_id: int) -> HttpResponse:
    _saved_reply_or_404(request, saved_reply_id).delete()
    messages.success(request, _("Saved reply deleted."))
    return redirect("inbox:saved_replies", workspace_slug=request.workspace.slug)


@require_GET
@workspace_member_required
def email_log(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's email address, and what arrived at it and what was sent from it
    lately, with the reason for anything that did not become a conversation."""
    from inbox.email_addresses import inbound_enabled, workspace_address

    context = {
        "current_area": "inbox",
        "address": workspace_address(request.workspace) if inbound_enabled() else "",
        "inbound": selectors.inbound_emails_recent(workspace=request.workspace),
        "outbound": selectors.reply_emails_recent(workspace=request.workspace),
    }
    return render(request, "inbox/email_log.html", context)
