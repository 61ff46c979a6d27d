"""The public help center: what customers read, without signing in.

    /help/<slug>/                                  → the reader's language home (below)
    /help/<slug>/<language>/                       home: search and collections
    /help/<slug>/<language>/collections/<id>       a collection, its sections and articles
    /help/<slug>/<language>/articles/<n>-<slug>    an article (old or wrong slugs: 301)
    /help/<slug>/<language>/search?q=              search
    /help/<slug>/sitemap.xml, robots.txt, theme.css
    /help/media/<token>                            pictures

Pages are server-rendered in a constant, small number of queries (tests assert them). An
article published only in the other language answers 404 with a link to that version: the
address names a language, and serving other-language text under it would confuse readers
and search engines alike."""

from __future__ import annotations

import re
from functools import wraps
from urllib.parse import urlencode

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from articles import search, selectors, services, theme
from articles.models import LANGUAGE_CODES, ArticleContent, ArticleReaction, ArticleView, HelpCenter, HelpImage
from articles.public_http import (
    HelpCenterRequest,
    PageMeta,
    absolute,
    help_center_page,
    home_path,
    not_found_page,
    reader_key,
    render_page,
    set_reader_cookie,
)
from core.net import client_ip
from core.throttle import Throttle, consume_all

MAX_QUERY_LENGTH = 200
SEARCH_PAGE_LIMIT = 20
DESCRIPTION_LENGTH = 155
# Reactions per address per minute: a person clicks a few; a whole office behind one address
# still fits.
REACTIONS_BY_IP = Throttle("help-reactions-ip", 30, 60)
REACTION_LABELS = {
    ArticleReaction.Reaction.DISAPPOINTED: gettext_lazy("Disappointed"),
    ArticleReaction.Reaction.NEUTRAL: gettext_lazy("Neutral"),
    ArticleReaction.Reaction.HAPPY: gettext_lazy("Happy"),
}
# Crawlers read every article; counting them would drown the readers in the statistics.
_CRAWLER = re.compile(r"bot\b|bot/|crawler|spider|slurp", re.IGNORECASE)


@require_GET
def media(request: HttpRequest, token: str) -> HttpResponse:
    """A picture of an article, a logo or a header: public (articles are), found only by its
    random token, always a PNG or JPEG that Pillow wrote (articles/services.help_image_create)."""
    # all_workspaces: the token (24 random URL-safe characters) is the address of a public
    # picture; the public help center's pages link to it from any workspace's site.
    image = HelpImage.all_workspaces.filter(token=token).first()
    if image is None:
        raise Http404
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# --- addresses ----------------------------------------------------------------------------------

def article_path(help_center: HelpCenter, content: ArticleContent) -> str:
    return reverse("help_center:article", kwargs={
        "help_center_slug": help_center.slug, "language": content.language, "number": content.article.number,
        "slug": content.slug,
    })


def _collection_path(help_center: HelpCenter, language: str, collection_id: int) -> str:
    return reverse("help_center:collection", kwargs={
        "help_center_slug": help_center.slug, "language": language, "collection_id": collection_id,
    })


def _search_path(help_center: HelpCenter, language: str, query: str) -> str:
    path = reverse("help_center:search", kwargs={"help_center_slug": help_center.slug, "language": language})
    return f"{path}?{urlencode({'q': query})}" if query else path


def _description(content: ArticleContent) -> str:
    text = content.published_subtitle or " ".join(content.published_text.split())
    return Truncator(text).chars(DESCRIPTION_LENGTH)


def _preferred_language(request: HttpRequest, default: str) -> str:
    """The first of our languages the browser asks for (by its q-values), else the help
    center's default. Nothing is remembered: the language switch links to addresses."""
    choices = []
    for index, part in enumerate(request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:500].split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, index, tag.strip().lower().split("-")[0]))
    for _quality, _index, code in sorted(choices):
        if code in LANGUAGE_CODES:
            return code
    return default


# --- pages --------------------------------------------------------------------------------------

@require_GET
@help_center_page
def root(request: HelpCenterRequest) -> HttpResponse:
    language = _preferred_language(request, request.help_center.default_language)
    response = HttpResponseRedirect(home_path(request.help_center, language))
    patch_vary_headers(response, ["Accept-Language"])
    return response


@require_GET
@help_center_page
def home(request: HelpCenterRequest) -> HttpResponse:
    help_center, language = request.help_center, request.language
    # Counts, not the whole tree: a help center with thousands of articles would otherwise
    # read every one of them to draw a dozen cards (bench/help_center.py).
    cards = [
        {"collection": card.collection, "article_count": card.article_count,
         "names": card.collection.names_in(language, help_center.default_language),
         "url": _collection_path(help_center, language, card.collection.pk)}
        for card in selectors.collection_cards(workspace=help_center.workspace_id, language=language)
    ]
    meta = PageMeta(
        title=help_center.name,
        description=_("Advice and answers from the %(name)s team") % {"name": help_center.name},
        canonical_path=home_path(help_center, language),
        alternates={code: home_path(help_center, code) for code in LANGUAGE_CODES},
    )
    return render_page(request, "help_center/home.html", {"cards": cards, "hero": True}, meta=meta)


def _section_rows(request: HelpCenterRequest, node: selectors.CollectionNode) -> list[dict]:
    help_center, language = request.help_center, request.language
    return [
        {"title": section.section.names_in(language, help_center.default_language)["title"]
         if section.section else "",
         "articles": [{"content": content, "url": article_path(help_center, content)} for content in section.articles]}
        for section in node.sections
    ]


@require_GET
@help_center_page
def collection(request: HelpCenterRequest, collection_id: int) -> HttpResponse:
    help_center, language = request.help_center, request.language
    found = selectors.collection_tree(workspace=help_center.workspace_id, collection_id=collection_id,
                                      language=language)
    # A collection nobody has published into (in this language) is not public yet.
    if found is None or language not in found.languages:
        raise Http404
    node = found.node
    names = node.collection.names_in(language, help_center.default_language)
    meta = PageMeta(
        title=f"{names['title']} | {help_center.name}",
        description=Truncator(names["description"] or names["title"]).chars(DESCRIPTION_LENGTH),
        canonical_path=_collection_path(help_center, language, node.collection.pk),
        alternates={code: _collection_path(help_center, code, node.collection.pk)
                    for code in LANGUAGE_CODES if code in found.languages},
    )
    context = {"node": node, "names": names, "sections": _section_rows(request, node)}
    return render_page(request, "help_center/collection.html", context, meta=meta)


def _reactions_context(request: HelpCenterRequest, content: ArticleContent, chosen: str) -> dict:
    return {
        "content": content,
        "chosen": chosen if chosen in ArticleReaction.Reaction.values else "",
        "reactions": [{"value": value, "emoji": emoji, "label": REACTION_LABELS[value]}
                      for value, emoji in ArticleReaction.Reaction.choices],
        "react_url": reverse("help_center:react", kwargs={
            "help_center_slug": request.help_center.slug, "language": content.language,
            "number": content.article.number,
        }),
    }


@require_GET
@help_center_page
def article(request: HelpCenterRequest, number: int, slug: str = "") -> HttpResponse:
    help_center, language = request.help_center, request.language
    versions = selectors.published_versions(workspace=help_center.workspace_id, number=number)
    content = versions.get(language)
    if content is None:
        if not versions:
            raise Http404
        other = versions[sorted(versions)[0]]
        return not_found_page(request, other_language=(other.language, article_path(help_center, other)))
    canonical = article_path(help_center, content)
    if slug != content.slug:
        return HttpResponsePermanentRedirect(canonical)
    chosen = request.GET.get("reacted", "")
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    # A reader coming back from reacting without JavaScript has been counted already.
    if not chosen and not _CRAWLER.search(user_agent):
        services.article_view_record(article=content.article, contact=request.reader_contact, language=language,
                                     source=ArticleView.Source.HELP_CENTER)
    item = content.article
    collection_names = section_title = None
    if item.collection is not None:
        collection_names = item.collection.names_in(language, help_center.default_language)
        if item.section is not None and item.section.collection_id == item.collection_id:
            section_title = item.section.names_in(language, help_center.default_language)["title"]
    author = item.author.user if item.author is not None else None
    meta = PageMeta(
        title=f"{content.published_title} | {help_center.name}",
        description=_description(content),
        canonical_path=canonical,
        alternates={code: article_path(help_center, version) for code, version in sorted(versions.items())},
        og_type="article",
    )
    context = {
        **_reactions_context(request, content, chosen),
        "article": item,
        "author": author,
        "collection_names": collection_names,
        "collection_url": _collection_path(help_center, language, item.collection_id) if item.collection_id else "",
        "section_title": section_title,
    }
    return render_page(request, "help_center/article.html", context, meta=meta)


@require_GET
@help_center_page
def search_page(request: HelpCenterRequest) -> HttpResponse:
    help_center, language = request.help_center, request.language
    query = " ".join(request.GET.get("q", "")[:MAX_QUERY_LENGTH].split())
    parsed = search.parse_query(query)
    results = selectors.article_search(workspace=help_center.workspace_id, query=query, language=language,
                                       limit=SEARCH_PAGE_LIMIT) if parsed else []
    rows = [
        {"title": search.snippet(result.content.published_title, parsed, length=255), "snippet": result.snippet,
         "url": article_path(help_center, result.content)}
        for result in results
    ]
    meta = PageMeta(
        title=(_("Search results for “%(query)s”") % {"query": query} if query else _("Search")) + f" | {help_center.name}",
        description="",
        canonical_path=_search_path(help_center, language, query),
        alternates={code: _search_path(help_center, code, query) for code in LANGUAGE_CODES},
        noindex=True,  # result pages are not content of their own
    )
    return render_page(request, "help_center/search.html", {"query": query, "rows": rows}, meta=meta)


@require_GET
@help_center_page
def sitemap(request: HelpCenterRequest) -> HttpResponse:
    help_center = request.help_center
    urls: list[dict] = []
    if not help_center.private:  # private content is never offered to crawlers
        urls = _sitemap_urls(help_center)
    return render(request, "help_center/sitemap.xml", {"urls": urls}, content_type="application/xml")


def _sitemap_urls(help_center: HelpCenter) -> list[dict]:
    rows = selectors.sitemap_articles(workspace=help_center.workspace_id)
    slug = help_center.slug
    newest: dict[str, object] = {}
    collections: dict[tuple[int, str], object] = {}
    by_number: dict[int, dict[str, str]] = {}
    for row in rows:
        language, number = row["language"], row["article__number"]
        by_number.setdefault(number, {})[language] = absolute(reverse("help_center:article", kwargs={
            "help_center_slug": slug, "language": language, "number": number, "slug": row["slug"],
        }))
        newest.setdefault(language, row["published_at"])  # rows come newest first
        if row["article__collection_id"]:
            collections.setdefault((row["article__collection_id"], language), row["published_at"])
    urls: list[dict] = [
        {"loc": absolute(home_path(help_center, language)), "lastmod": lastmod, "alternates": []}
        for language, lastmod in sorted(newest.items())
    ]
    urls += [
        {"loc": absolute(_collection_path(help_center, language, collection_id)), "lastmod": lastmod,
         "alternates": []}
        for (collection_id, language), lastmod in sorted(collections.items())
    ]
    for row in rows:
        versions = by_number[row["article__number"]]
        urls.append({
            "loc": versions[row["language"]], "lastmod": row["published_at"],
            "alternates": sorted(versions.items()) if len(versions) > 1 else [],
        })
    return urls


def _help_center_or_404(slug: str) -> HelpCenter:
    help_center = selectors.help_center_by_slug(slug=slug)
    if help_center is None:
        raise Http404
    return help_center


@require_GET
def robots(request: HttpRequest, help_center_slug: str) -> HttpResponse:
    """Crawlers honour robots.txt at a site's root only; this one is for a proxy or a custom
    domain that serves the help center there, and it names the sitemap."""
    help_center = _help_center_or_404(help_center_slug)
    root_path = reverse("help_center:root", kwargs={"help_center_slug": help_center.slug})
    if help_center.private:
        body = f"User-agent: *\nDisallow: {root_path}\n"
    else:
        sitemap_url = absolute(reverse("help_center:sitemap", kwargs={"help_center_slug": help_center.slug}))
        body = f"User-agent: *\nAllow: {root_path}\n\nSitemap: {sitemap_url}\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@require_GET
def theme_css(request: HttpRequest, help_center_slug: str) -> HttpResponse:
    """The help center's colours (and header picture) as custom properties: the CSP allows
    no inline styles. Colours are not secret, so private help centers serve it too (their
    403 page wears them)."""
    help_center = _help_center_or_404(help_center_slug)
    response = HttpResponse(theme.theme_css(help_center), content_type="text/css; charset=utf-8")
    versioned = request.GET.get("v") == theme.theme_version(help_center)
    response["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "public, max-age=300"
    return response


# --- reactions ----------------------------------------------------------------------------------

def _throttled(view):  # type: ignore[no-untyped-def]
    """Per address, before anything reads the database."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        wait = consume_all([(REACTIONS_BY_IP, client_ip(request))])
        if wait:
            response = HttpResponse(_("Too many reactions. Please try again in a moment."), status=429,
                                    content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapper


@require_POST
@_throttled
@help_center_page
def react(request: HelpCenterRequest, number: int) -> HttpResponse:
    help_center, language = request.help_center, request.language
    reaction = request.POST.get("reaction", "")
    if reaction not in ArticleReaction.Reaction.values:
        return HttpResponseBadRequest(_("Unknown reaction."), content_type="text/plain; charset=utf-8")
    content = selectors.published_versions(workspace=help_center.workspace_id, number=number).get(language)
    if content is None:
        raise Http404
    key, new_cookie = reader_key(request)
    services.article_react(article=content.article, reader_key=key, contact=request.reader_contact,
                           reaction=reaction)
    if request.htmx:
        response = render(request, "help_center/article.html#reactions",
                          {"help_center": help_center, **_reactions_context(request, content, reaction)})
    else:
        response = HttpResponseRedirect(f"{article_path(help_center, content)}?reacted={reaction}#reactions")
        response.status_code = 303
    if new_cookie:
        set_reader_cookie(request, response, new_cookie)
    return response

