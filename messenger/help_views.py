"""The messenger's Help tab: search and browse the help center, read an article inside the
panel, react to it, and the articles suggested while a customer writes a first message.

Like every panel fragment these answer only with the X-Parley-Session header, read only
published copies of the session's own workspace, and follow messenger/help_access.py for private
help centers."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from articles import selectors as article_selectors
from articles import services as article_services
from articles.models import ArticleReaction, HelpCenter
from core.throttle import Throttle
from messenger import help_access
from messenger.http import MessengerRequest
from messenger.views import _framed, _screen, panel_endpoint

QUERY_MAX_LENGTH = 200
# Search as you type sends a request after each pause; generous for a person, a wall for a
# script walking the help center through someone's session.
SEARCHES_BY_SESSION = Throttle(
    "messenger-searches", settings.MESSENGER_RATE_LIMITS.get("searches_per_session_per_minute", 60), 60
)


def _query(request: MessengerRequest, name: str = "q") -> str:
    return (request.GET.get(name) or "").strip()[:QUERY_MAX_LENGTH]


def _back(request: MessengerRequest) -> str:
    """Where the article's back button leads: the help tab, the new-conversation screen the
    customer came from (draft kept by panel.js), or the conversation that sent the article."""
    back = request.GET.get("back", "")
    return back if back == "new" or (back.isdigit() and len(back) < 10) else "help"


def _tree(request: MessengerRequest, help_center: HelpCenter | None) -> list[dict]:
    """Collections with their sections and articles, titled in the session's language (else
    the help center's default); articles published only in the default language are listed
    when none is published in the session's."""
    language = request.messenger_session.language
    fallback = help_center.default_language if help_center else language
    tree = article_selectors.help_center_tree(workspace=request.messenger_session.workspace_id, language=language)
    if not tree and fallback != language:
        tree = article_selectors.help_center_tree(workspace=request.messenger_session.workspace_id, language=fallback)
    return [
        {
            "icon": node.collection.get_icon_display(),
            "title": node.collection.names_in(language, fallback)["title"],
            "description": node.collection.names_in(language, fallback)["description"],
            "count": node.article_count,
            "sections": [
                {"title": section.section.names_in(language, fallback)["title"] if section.section else "",
                 "articles": section.articles}
                for section in node.sections
            ],
        }
        for node in tree
    ]


def _search(request: MessengerRequest, query: str) -> list[article_selectors.SearchResult]:
    """In the session's language first; in every language when that finds nothing (a
    Japanese visitor typing an English product name)."""
    session = request.messenger_session
    results = article_selectors.article_search(workspace=session.workspace_id, query=query, language=session.language)
    if not results:
        results = article_selectors.article_search(workspace=session.workspace_id, query=query)
    return results


def _help_context(request: MessengerRequest, query: str) -> dict:
    help_center = help_access.help_center_of(session=request.messenger_session)
    allowed = help_access.may_read(session=request.messenger_session, help_center=help_center)
    context: dict = {"tab": "help", "query": query, "allowed": allowed, "help_center": help_center}
    if allowed:
        if query:
            context["results"] = _search(request, query)
        else:
            context["tree"] = _tree(request, help_center)
    return context


@panel_endpoint("GET")
def help_home(request: MessengerRequest) -> HttpResponse:
    """The Help tab: a search box over the collections (or the results of `q`)."""
    return _screen(request, "messenger/help.html", _help_context(request, _query(request)))


@panel_endpoint("GET", throttles=(SEARCHES_BY_SESSION,))
def help_search(request: MessengerRequest) -> HttpResponse:
    """The results under the search box, as the customer types; the collections again when
    the box is emptied."""
    context = _help_context(request, _query(request))
    return _framed(render(request, "messenger/help.html#help-results", context))


@panel_endpoint("GET")
def help_article(request: MessengerRequest, number: int) -> HttpResponse:
    session = request.messenger_session
    help_center = help_access.help_center_of(session=session)
    if not help_access.may_read(session=session, help_center=help_center):
        return _screen(request, "messenger/help.html", {"tab": "help", "allowed": False, "query": ""})
    content = help_access.article_for_session(session=session, number=number, language=request.GET.get("lang"))
    if content is None:
        raise Http404
    article_services.article_view_record(
        article=content.article, contact=session.contact, language=content.language, source="messenger"
    )
    return _screen(request, "messenger/help_article.html", _article_context(request, content, help_center))


def _article_context(request: MessengerRequest, content, help_center: HelpCenter | None) -> dict:  # type: ignore[no-untyped-def]
    session = request.messenger_session
    reaction = (
        ArticleReaction.objects.for_workspace(session.workspace_id)
        .filter(article_id=content.article_id, reader_key=_reader_key(request)).values_list("reaction", flat=True).first()
    )
    return {
        "tab": "help",
        "content": content,
        "back": _back(request),
        "reaction": reaction,
        "reactions": ArticleReaction.Reaction.choices,
        "open_url": help_access.open_in_help_center_url(session=session, help_center=help_center, content=content),
    }


def _reader_key(request: MessengerRequest) -> str:
    return f"c:{request.messenger_session.contact_id}"


@panel_endpoint("POST")
def help_react(request: MessengerRequest, number: int) -> HttpResponse:
    """😞 😐 😃: one per person, the latest wins. A 😞 puts "Send us a message" first."""
    session = request.messenger_session
    help_center = help_access.help_center_of(session=session)
    content = help_access.article_for_session(session=session, number=number, language=request.POST.get("lang"))
    if content is None or not help_access.may_read(session=session, help_center=help_center):
        raise Http404
    reaction = request.POST.get("reaction", "")
    context = {"content": content, "reactions": ArticleReaction.Reaction.choices, "reaction": None}
    if reaction not in ArticleReaction.Reaction.values:
        context["reaction_error"] = True
        return _framed(render(request, "messenger/help_article.html#feedback", context, status=400))
    article_services.article_react(
        article=content.article, reader_key=_reader_key(request), contact=session.contact, reaction=reaction
    )
    context["reaction"] = reaction
    return _framed(render(request, "messenger/help_article.html#feedback", context))


@panel_endpoint("GET", throttles=(SEARCHES_BY_SESSION,))
def suggestions(request: MessengerRequest) -> HttpResponse:
    """Up to three articles matching what the customer is writing as the first message of a
    new conversation, in one search query over every language: what they type picks the
    language (Japanese words only match Japanese text), whatever their browser says. An
    article matched in two languages is suggested once, in the session's if it is one."""
    session = request.messenger_session
    query = _query(request, "body")
    results: list = []
    if query and help_access.may_read(session=session, help_center=help_access.help_center_of(session=session)):
        found = article_selectors.article_search(
            workspace=session.workspace_id, query=query, limit=article_selectors.SUGGESTION_LIMIT
        )
        by_number: dict[int, article_selectors.SearchResult] = {}
        for result in found:
            if result.number not in by_number or result.content.language == session.language:
                by_number[result.number] = result
        results = list(by_number.values())
    if not results:
        # Nothing at all, so the empty box above the composer collapses (CSS :empty).
        return _framed(HttpResponse(""))
    return _framed(render(request, "messenger/partials/_suggestions.html", {"results": results}))
