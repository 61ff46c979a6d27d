"""The teammates' side of the help center: the articles list (this module), the editor
(article_views.py), collections and sections (collection_views.py) and the help center's
settings (settings_views.py).

Forms that do not validate are re-rendered with 200 and their messages, as Django's generic
views do, so htmx swaps them in like any other answer; the JSON endpoints answer 4xx with a
reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from articles import selectors, services
from articles.forms import ArticleFilterForm
from articles.models import LANGUAGE_CODES, Article, ArticleContent, ArticleReaction, HelpCenter
from core.htmx import WorkspaceRequest
from core.paging import page_links
from workspaces.decorators import workspace_member_required

# Each language by its own name, as language switches show them.
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}
PAGE_SIZE = 50


def teammate_language() -> str:
    """The language the teammate reads the app in (titles are shown in it when they exist)."""
    language = (translation.get_language() or "en").split("-")[0]
    return language if language in LANGUAGE_CODES else LANGUAGE_CODES[0]


def help_center_url(help_center: HelpCenter) -> str:
    """The public address of the help center (it sends readers on to their language). The
    public site is built beside these screens; should its URL name go missing, the address is
    written out in the shape it answers to."""
    try:
        return reverse("help_center:root", kwargs={"help_center_slug": help_center.slug})
    except NoReverseMatch:
        return f"/help/{quote(help_center.slug)}/"


def article_public_url(*, help_center: HelpCenter, content: ArticleContent, number: int) -> str | None:
    """Where readers find a published version (/help/<hc>/<lang>/articles/<number>-<slug>),
    or None for a version that is not published. Falls back to writing the address out if
    the public site's URL name is missing."""
    if not content.is_published or not content.slug:
        return None
    kwargs = {"help_center_slug": help_center.slug, "language": content.language, "number": number,
              "slug": content.slug}
    try:
        return reverse("help_center:article", kwargs=kwargs)
    except NoReverseMatch:
        return f"/help/{quote(help_center.slug)}/{content.language}/articles/{number}-{quote(content.slug)}"


def version_state(content: ArticleContent) -> str:
    """draft, published, or changed (published, with a draft that differs)."""
    if content.has_unpublished_changes:
        return "changed"
    return "published" if content.is_published else "draft"


def articles_context(request: WorkspaceRequest, section: str, **extra: Any) -> dict[str, Any]:
    """What every page of the area passes to templates/articles/_layout.html."""
    help_center = extra.pop("help_center", None) or services.help_center_for(workspace=request.workspace)
    return {
        "current_area": "articles", "articles_section": section, "help_center": help_center,
        "help_center_url": help_center_url(help_center), **extra,
    }


@dataclass
class VersionRow:
    language: str
    name: str
    state: str
    content: ArticleContent


@dataclass
class ArticleRow:
    article: Article
    title: str
    versions: list[VersionRow] = field(default_factory=list)
    stats: selectors.ArticleStats | None = None
    collection_title: str = ""

    @property
    def reactions(self) -> list[tuple[str, str, int]]:
        """(reaction, emoji, percent) for each of 😞 😐 😃; empty when nobody reacted."""
        if self.stats is None or not self.stats.reaction_total:
            return []
        return [(value, emoji, self.stats.reaction_percent(value))
                for value, emoji in ArticleReaction.Reaction.choices]


def article_title(contents: list[ArticleContent], language: str) -> str:
    """The draft title in `language`, else the first version's; "" for an untitled article."""
    by_language = {content.language: content for content in contents}
    ordered = [by_language[language]] if language in by_language else []
    ordered += [content for content in contents if content.language != language]
    for content in ordered:
        if content.title or content.published_title:
            return content.title or content.published_title
    return ""


def article_rows(articles: list[Article], *, workspace_id: int, language: str,
                 with_stats: bool = True) -> list[ArticleRow]:
    """Rows from articles whose contents are prefetched, with their statistics (three queries
    for the whole page) unless `with_stats` is off."""
    stats = (selectors.article_stats(workspace=workspace_id, article_ids=[a.pk for a in articles])
             if with_stats else {})
    rows = []
    for article in articles:
        contents = sorted(article.contents.all(), key=lambda c: LANGUAGE_CODES.index(c.language)
                          if c.language in LANGUAGE_CODES else len(LANGUAGE_CODES))
        rows.append(ArticleRow(
            article=article, title=article_title(contents, language), stats=stats.get(article.pk),
            versions=[VersionRow(language=c.language, name=LANGUAGE_NAMES.get(c.language, c.language),
                                 state=version_state(c), content=c) for c in contents],
        ))
    return rows


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    """Every article with its language versions, states and statistics; searched by title
    and filtered by state. A constant number of queries whatever the page holds."""
    form = ArticleFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    query, state = data.get("q", ""), data.get("state", "")
    articles = selectors.article_list(workspace=request.workspace, query=query, state=state)
    page = Paginator(articles, PAGE_SIZE).get_page(data.get("page") or 1)
    help_center = services.help_center_for(workspace=request.workspace)
    language = teammate_language()
    rows = article_rows(list(page.object_list), workspace_id=request.workspace.pk, language=language)
    fallback = help_center.default_language
    for row in rows:
        collection = row.article.collection
        row.collection_title = collection.names_in(language, fallback)["title"] if collection else ""
    filters = {key: value for key, value in (("q", query), ("state", state)) if value}
    context = articles_context(
        request, "articles", help_center=help_center, form=form, rows=rows, query=query, state=state,
        filtered=bool(filters),
        **page_links(page, filters),
    )
    if request.htmx and not request.htmx.boosted:
        return render(request, "articles/list.html#article-results", context)
    return render(request, "articles/list.html", context)
