"""The help center: articles in English and Japanese, organised in collections and sections,
published on a public site and inside the messenger.

An article is one piece of help with a version per language (`ArticleContent`). Each version
keeps two copies: the draft a teammate edits and the published one the public reads, so a
published article keeps serving what was published while its next draft is being written.
Collection and section titles are short and edited together in both languages, so they are
kept as `{"en": {...}, "ja": {...}}` on the row itself (`names`).

The full-text column (`ArticleContent.search_vector`) is written by articles/search.py on
PostgreSQL, from the published copy only, and has a GIN index there (migration 0002); the
embedded SQLite demo searches with LIKE instead."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.scoping import WorkspaceScopedModel

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
# Help-center addresses that the public site's own routes use (/help/media/<token>, …).
RESERVED_HELP_CENTER_SLUGS = frozenset({"media", "static", "api", "search", "sitemap", "assets", "admin", "embed"})


def localized(names: dict[str, Any], language: str, fallback: str) -> dict[str, str]:
    """The {"title", "description"} of `names` in `language`, else in `fallback`, else any."""
    for code in (language, fallback, *LANGUAGE_CODES):
        entry = names.get(code) or {}
        if entry.get("title"):
            return {"title": entry.get("title", ""), "description": entry.get("description", "")}
    return {"title": "", "description": ""}


class HelpCenter(WorkspaceScopedModel):
    """The workspace's public help center and its settings (one per workspace, created on
    first use). It also hands out the per-workspace article numbers."""

    name = models.CharField(_("name"), max_length=80)
    # The public address: /help/<slug>/. Unique across Parley, like the workspace's own.
    slug = models.SlugField(_("URL slug"), max_length=40, unique=True)
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="ja"
    )
    color = models.CharField(_("colour"), max_length=7, default="#3b5bdb")
    header_color = models.CharField(_("header colour"), max_length=7, default="#1f2a44")
    logo = models.ForeignKey(
        "articles.HelpImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    header_image = models.ForeignKey(
        "articles.HelpImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Only identified users (through the messenger, or a signed link it hands them) may read.
    private = models.BooleanField(_("private"), default=False)
    # Last per-workspace article number handed out (allocated under this row's lock).
    article_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="help_center_one_per_workspace")]

    def __str__(self) -> str:
        return self.name


class HelpImage(WorkspaceScopedModel):
    """A picture uploaded for an article body, a logo or a header. Drawn again by Pillow
    (core/images.py) and served publicly under its random `token` (articles/public_views)."""

    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to="help/%Y/%m/")
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class Collection(WorkspaceScopedModel):
    class Icon(models.TextChoices):
        BOOK = "book", "📘"
        ROCKET = "rocket", "🚀"
        GEAR = "gear", "⚙️"
        CARD = "card", "💳"
        PERSON = "person", "👤"
        LOCK = "lock", "🔒"
        CHAT = "chat", "💬"
        CHART = "chart", "📊"
        BULB = "bulb", "💡"
        TOOLS = "tools", "🛠️"

    names = models.JSONField(default=dict)  # {"en": {"title": …, "description": …}, "ja": {…}}
    icon = models.CharField(_("icon"), max_length=16, choices=Icon.choices, default=Icon.BOOK)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workspace", "position"], name="collection_order")]

    def names_in(self, language: str, fallback: str) -> dict[str, str]:
        return localized(self.names, language, fallback)


class Section(WorkspaceScopedModel):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="sections")
    names = models.JSONField(default=dict)  # {"en": {"title": …}, "ja": {…}}
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workspace", "collection", "position"], name="section_order")]

    def names_in(self, language: str, fallback: str) -> dict[str, str]:
        return localized(self.names, language, fallback)


class Article(WorkspaceScopedModel):
    """One piece of help; its words live in `ArticleContent`, one per language."""

    number = models.PositiveIntegerField()  # per workspace, in public URLs: /articles/<number>-<slug>
    author = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where it sits in the help center: no collection means "not in the help center's tree"
    # (it can still be found by search and linked). A section is inside the collection.
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "number"], name="article_number_unique")]
        indexes = [models.Index(fields=["workspace", "collection", "section", "position"], name="article_order")]


class ArticleContent(WorkspaceScopedModel):
    """An article in one language: the draft being edited and the copy that is published."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="contents")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)

    # The draft: what the editor shows. Body HTML is sanitized when saved (articles/html.py).
    title = models.CharField(_("title"), max_length=255)
    subtitle = models.CharField(_("subtitle"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    draft_updated_at = models.DateTimeField(auto_now_add=True)

    # The published copy: what the public, the messenger and search see.
    slug = models.SlugField(max_length=120, allow_unicode=True, blank=True)
    published_title = models.CharField(max_length=255, blank=True)
    published_subtitle = models.CharField(max_length=255, blank=True)
    published_body = models.TextField(blank=True)
    published_text = models.TextField(blank=True)  # the body as plain text: snippets, meta description
    published_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "article", "language"], name="article_content_language_unique"
            ),
            # Public addresses are unique per workspace and language; drafts have no slug yet.
            models.UniqueConstraint(
                fields=["workspace", "language", "slug"], condition=~Q(slug=""), name="article_slug_unique"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "state", "language"], name="article_content_state")]

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def has_unpublished_changes(self) -> bool:
        return self.is_published and (
            self.title != self.published_title
            or self.subtitle != self.published_subtitle
            or self.body != self.published_body
        )


class ArticleView(WorkspaceScopedModel):
    """An article read in the messenger or on the help center. `contact` is known when the
    reader is (the messenger's visitor, an identified help-center reader)."""

    class Source(models.TextChoices):
        MESSENGER = "messenger", _("Messenger")
        HELP_CENTER = "help_center", _("Help center")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    source = models.CharField(max_length=12, choices=Source.choices)
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "contact", "-viewed_at"], name="article_view_contact"),
            models.Index(fields=["workspace", "article"], name="article_view_article"),
        ]


class ArticleReaction(WorkspaceScopedModel):
    """😞 😐 😃 on an article; one per reader (a contact, or an anonymous browser's key), the
    latest choice wins."""

    class Reaction(models.TextChoices):
        DISAPPOINTED = "disappointed", "😞"
        NEUTRAL = "neutral", "😐"
        HAPPY = "happy", "😃"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    reader_key = models.CharField(max_length=64)  # "c:<contact id>" or "b:<hash of a browser cookie>"
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reaction = models.CharField(max_length=12, choices=Reaction.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "article", "reader_key"], name="article_reaction_once")
        ]


class ArticleConversation(WorkspaceScopedModel):
    """A conversation a customer started from an article (its statistics count these)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("inbox.Conversation", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "conversation"], name="article_conversation_once")
        ]
        indexes = [models.Index(fields=["workspace", "article"], name="article_conversation_article")]
