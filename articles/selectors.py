"""Reads of the help center, for the teammates' screens, the public site, the messenger and
the inbox. Public readers only ever get published copies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString

from articles import search
from articles.models import (
    Article,
    ArticleContent,
    ArticleConversation,
    ArticleReaction,
    ArticleView,
    Collection,
    HelpCenter,
    Section,
)
from contacts.models import Contact
from workspaces.models import Workspace

SEARCH_LIMIT = 10
SUGGESTION_LIMIT = 3


def help_center_by_slug(*, slug: str) -> HelpCenter | None:
    # all_workspaces: the public site is found by its own address, before any workspace is
    # known; everything read afterwards is scoped to the help center's workspace.
    return HelpCenter.all_workspaces.select_related("workspace", "logo", "header_image").filter(slug=slug).first()


def published_contents(*, workspace: Workspace | int, language: str | None = None) -> QuerySet[ArticleContent]:
    contents = ArticleContent.objects.for_workspace(workspace).filter(state=ArticleContent.State.PUBLISHED)
    return contents if language is None else contents.filter(language=language)


def published_content(*, workspace: Workspace | int, number: int, language: str) -> ArticleContent | None:
    """The published version of article `number` in `language`, else in any language it is
    published in (the caller shows which), with its article and author."""
    contents = list(
        published_contents(workspace=workspace).filter(article__number=number)
        .select_related("article__author__user", "article__collection", "article__section")
    )
    by_language = {content.language: content for content in contents}
    return by_language.get(language) or next(iter(sorted(contents, key=lambda c: c.language)), None)


def published_languages(*, workspace: Workspace | int, article_id: int) -> list[str]:
    return list(published_contents(workspace=workspace).filter(article_id=article_id).values_list("language", flat=True))


@dataclass
class SearchResult:
    content: ArticleContent
    snippet: SafeString

    @property
    def number(self) -> int:
        return self.content.article.number


def article_search(
    *, workspace: Workspace | int, query: str, language: str | None = None, limit: int = SEARCH_LIMIT,
) -> list[SearchResult]:
    """Published articles matching `query` (English or Japanese), best first, with
    highlighted snippets: one SQL query."""
    parsed = search.parse_query(query)
    if not parsed:
        return []
    matching = published_contents(workspace=workspace, language=language)
    if search.uses_full_text():
        # Still one statement: rank narrow rows first, then join and read the wide ones (the
        # text, for snippets) for the best `limit` only. A broad word matching thousands of
        # articles costs a quarter less this way (bench/help_center.py).
        best = search.search_filter(matching, parsed).values("pk")[:limit]
        matching = matching.filter(pk__in=best)
    contents = search.search_filter(matching.select_related("article"), parsed).only(
        "id", "language", "slug", "published_title", "published_subtitle", "published_text", "published_at",
        "article__id", "article__number",
    )[:limit]
    return [SearchResult(content=content, snippet=search.snippet(content.published_text, parsed)) for content in contents]


@dataclass
class SectionNode:
    section: Section | None
    articles: list[ArticleContent] = field(default_factory=list)


@dataclass
class CollectionNode:
    collection: Collection
    sections: list[SectionNode] = field(default_factory=list)

    @property
    def article_count(self) -> int:
        return sum(len(node.articles) for node in self.sections)


def help_center_tree(*, workspace: Workspace | int, language: str) -> list[CollectionNode]:
    """Collections with their sections and published articles in `language`, in the order
    teammates set: three SQL queries whatever the size. Articles in no section come first
    (as a node with `section=None`); empty collections are left out."""
    collections = list(Collection.objects.for_workspace(workspace).order_by("position", "id"))
    sections = list(Section.objects.for_workspace(workspace).order_by("position", "id"))
    contents = list(
        published_contents(workspace=workspace, language=language)
        .filter(article__collection__isnull=False)
        .select_related("article")
        .only("id", "language", "slug", "published_title", "published_subtitle", "article__id", "article__number",
              "article__collection_id", "article__section_id", "article__position")
        .order_by("article__position", "article__id")
    )
    by_place: dict[tuple[int, int | None], list[ArticleContent]] = defaultdict(list)
    for content in contents:
        by_place[(content.article.collection_id, content.article.section_id)].append(content)  # type: ignore[index]
    sections_of: dict[int, list[Section]] = defaultdict(list)
    for section in sections:
        sections_of[section.collection_id].append(section)
    tree: list[CollectionNode] = []
    for collection in collections:
        node = CollectionNode(collection=collection)
        loose = by_place.get((collection.pk, None), [])
        if loose:
            node.sections.append(SectionNode(section=None, articles=loose))
        for section in sections_of[collection.pk]:
            articles = by_place.get((collection.pk, section.pk), [])
            if articles:
                node.sections.append(SectionNode(section=section, articles=articles))
        if node.article_count:
            tree.append(node)
    return tree


def recently_viewed(*, workspace: Workspace | int, contact: Contact, limit: int = 5) -> list[dict]:
    """The articles this person read most recently, newest first, each once, with the title
    in the language they read it in: one SQL query."""
    rows = (
        ArticleView.objects.for_workspace(workspace).filter(contact=contact)
        .values("article_id", "article__number", "language")
        .annotate(last_viewed=Max("viewed_at"), views=Count("id"))
        .order_by("-last_viewed")[: limit * 2]
    )
    titles = {
        (c["article_id"], c["language"]): c["published_title"] or c["title"]
        for c in ArticleContent.objects.for_workspace(workspace)
        .filter(article_id__in={row["article_id"] for row in rows})
        .values("article_id", "language", "published_title", "title")
    } if rows else {}
    seen: set[int] = set()
    result: list[dict] = []
    for row in rows:
        if row["article_id"] in seen:
            continue
        seen.add(row["article_id"])
        result.append({
            "article_id": row["article_id"], "number": row["article__number"], "language": row["language"],
            "title": titles.get((row["article_id"], row["language"]), ""), "last_viewed": row["last_viewed"],
            "views": row["views"],
        })
        if len(result) == limit:
            break
    return result


@dataclass
class ArticleStats:
    views: int = 0
    conversations: int = 0
    reactions: dict[str, int] = field(default_factory=dict)

    @property
    def reaction_total(self) -> int:
        return sum(self.reactions.values())

    def reaction_percent(self, reaction: str) -> int:
        total = self.reaction_total
        return round(100 * self.reactions.get(reaction, 0) / total) if total else 0


def article_stats(*, workspace: Workspace | int, article_ids: list[int]) -> dict[int, ArticleStats]:
    """Views, reactions and conversations started, for many articles in three queries."""
    stats: dict[int, ArticleStats] = {pk: ArticleStats() for pk in article_ids}
    if not article_ids:
        return stats
    for row in (ArticleView.objects.for_workspace(workspace).filter(article_id__in=article_ids)
                .values("article_id").annotate(n=Count("id"))):
        stats[row["article_id"]].views = row["n"]
    for row in (ArticleConversation.objects.for_workspace(workspace).filter(article_id__in=article_ids)
                .values("article_id").annotate(n=Count("id"))):
        stats[row["article_id"]].conversations = row["n"]
    for row in (ArticleReaction.objects.for_workspace(workspace).filter(article_id__in=article_ids)
                .values("article_id", "reaction").annotate(n=Count("id"))):
        stats[row["article_id"]].reactions[row["reaction"]] = row["n"]
    return stats


def article_list(*, workspace: Workspace | int, query: str = "", state: str = "") -> QuerySet[Article]:
    """Teammates' list of articles with their language versions (drafts included). `state`
    is "draft" or "published" (some version is), or "changed" (some published version has
    a draft that differs from what is published)."""
    articles = (
        Article.objects.for_workspace(workspace)
        .select_related("author__user", "collection")
        .prefetch_related(Prefetch("contents", queryset=ArticleContent.objects.for_workspace(workspace)
                                   .order_by("language")))
        .order_by("-updated_at", "-id")
    )
    if query:
        articles = articles.filter(
            Q(contents__title__icontains=query) | Q(contents__published_title__icontains=query)
        ).distinct()
    if state == "changed":
        changed = ArticleContent.objects.for_workspace(workspace).filter(
            Q(state=ArticleContent.State.PUBLISHED)
            & (~Q(title=F("published_title")) | ~Q(subtitle=F("published_subtitle")) | ~Q(body=F("published_body")))
        )
        articles = articles.filter(pk__in=changed.values("article_id"))
    elif state in ArticleContent.State.values:
        articles = articles.filter(contents__state=state).distinct()
    return articles


# --- the public help center --------------------------------------------------------------------

def published_versions(*, workspace: Workspace | int, number: int) -> dict[str, ArticleContent]:
    """Every published language version of article `number`, by language, with its article,
    author, collection and section: one SQL query (the public article page's only read)."""
    contents = (
        published_contents(workspace=workspace).filter(article__number=number)
        .select_related("article__author__user", "article__collection", "article__section")
        .defer("title", "subtitle", "body", "search_vector")  # the draft is never shown publicly
    )
    return {content.language: content for content in contents}


@dataclass
class PublicCollection:
    node: CollectionNode  # sections and articles in the page's language
    languages: set[str]  # languages in which the collection has published articles


def collection_tree(*, workspace: Workspace | int, collection_id: int, language: str) -> PublicCollection | None:
    """One collection with its sections and published articles in `language`, and the
    languages it has articles in (three SQL queries), or None when the collection is not in
    the workspace."""
    collection = Collection.objects.for_workspace(workspace).filter(pk=collection_id).first()
    if collection is None:
        return None
    sections = list(Section.objects.for_workspace(workspace).filter(collection=collection).order_by("position", "id"))
    contents = list(
        published_contents(workspace=workspace)
        .filter(article__collection=collection)
        .select_related("article")
        .only("id", "language", "slug", "published_title", "published_subtitle", "article__id", "article__number",
              "article__collection_id", "article__section_id", "article__position")
        .order_by("article__position", "article__id")
    )
    by_section: dict[int | None, list[ArticleContent]] = defaultdict(list)
    for content in contents:
        if content.language == language:
            by_section[content.article.section_id].append(content)
    node = CollectionNode(collection=collection)
    if by_section.get(None):
        node.sections.append(SectionNode(section=None, articles=by_section[None]))
    for section in sections:
        if by_section.get(section.pk):
            node.sections.append(SectionNode(section=section, articles=by_section[section.pk]))
    return PublicCollection(node=node, languages={content.language for content in contents})


@dataclass
class CollectionCard:
    collection: Collection
    article_count: int


def collection_cards(*, workspace: Workspace | int, language: str) -> list[CollectionCard]:
    """Collections with how many articles are published in `language` in each, in the order
    teammates set, leaving out the empty ones: two SQL queries, and no article row is read
    into Python (the public home page, where `help_center_tree` would load every article)."""
    counts = dict(
        published_contents(workspace=workspace, language=language)
        .filter(article__collection__isnull=False)
        .values_list("article__collection_id")
        .annotate(n=Count("id"))
        .values_list("article__collection_id", "n")
        .order_by()
    )
    if not counts:
        return []
    collections = Collection.objects.for_workspace(workspace).filter(pk__in=counts).order_by("position", "id")
    return [CollectionCard(collection=collection, article_count=counts[collection.pk]) for collection in collections]


SITEMAP_MAX_URLS = 50_000  # the sitemaps.org limit for one file


def sitemap_articles(*, workspace: Workspace | int) -> list[dict]:
    """Published versions for a sitemap, newest first: number, language, slug, published_at
    and collection id, as plain values (one SQL query)."""
    return list(
        published_contents(workspace=workspace)
        .order_by("-published_at", "id")
        .values("article__number", "article__collection_id", "language", "slug", "published_at")[:SITEMAP_MAX_URLS]
    )


def article_cards(
    *, workspace: Workspace | int, article_ids: set[int] | list[int], language: str,
) -> dict[int, ArticleContent]:
    """The published version of each article, to show as a card (an article sent in a
    reply): in `language` when it is published in it, else in another. One SQL query; none
    for no ids. Unpublished articles have no card."""
    if not article_ids:
        return {}
    contents = (
        published_contents(workspace=workspace).filter(article_id__in=set(article_ids)).select_related("article")
        .only("id", "language", "slug", "published_title", "published_subtitle", "article__id", "article__number")
    )
    cards: dict[int, ArticleContent] = {}
    for content in sorted(contents, key=lambda c: (c.language != language, c.language)):
        cards.setdefault(content.article_id, content)
    return cards


def article_public_path(*, help_center: HelpCenter, language: str, number: int, slug: str) -> str | None:
    """/help/<help center>/<language>/articles/<number>-<slug> when the public site serves
    that address (help_center:article), else None. The address is resolved rather than
    reversed so that it does not depend on how the route names its arguments."""
    path = f"/help/{help_center.slug}/{language}/articles/{number}-{slug}"
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return iri_to_uri(path) if match.view_name == "help_center:article" else None


def article_edit_url(*, workspace_slug: str, number: int, article_id: int) -> str | None:
    """The teammates' editor of an article, if that screen exists (None otherwise)."""
    for name in ("articles:edit", "articles:article_edit"):
        for kwargs in ({"number": number}, {"article_id": article_id}):
            try:
                return reverse(name, kwargs={"workspace_slug": workspace_slug, **kwargs})
            except NoReverseMatch:
                continue
    return None


def recently_viewed_for_teammates(*, workspace: Workspace, contact: Contact, limit: int = 5) -> list[dict]:
    """recently_viewed (two queries whatever the number), each with the address of the
    article's editor when that screen exists (`edit_url`, else None)."""
    viewed = recently_viewed(workspace=workspace, contact=contact, limit=limit)
    for item in viewed:
        item["edit_url"] = article_edit_url(
            workspace_slug=workspace.slug, number=item["number"], article_id=item["article_id"]
        )
    return viewed
