"""Writes to the help center: settings, images, articles and their language versions,
collections, sections, their order, and what readers do (views, reactions, conversations).

Input validation that produces 400s lives in forms and views; these functions assume valid
input, re-check that every related row belongs to the same workspace, and raise
`ApplicationError` for a business rule."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from articles import html, search
from articles.models import (
    LANGUAGE_CODES,
    RESERVED_HELP_CENTER_SLUGS,
    Article,
    ArticleContent,
    ArticleConversation,
    ArticleReaction,
    ArticleView,
    Collection,
    HelpCenter,
    HelpImage,
    Section,
)
from contacts.models import Contact
from core.exceptions import ApplicationError
from core.images import picture_reencode
from workspaces.models import Membership, Workspace

IMAGE_MAX_SIDE = 2048
SLUG_MAX_LENGTH = 80


def help_center_for(*, workspace: Workspace) -> HelpCenter:
    """The workspace's help center, created with defaults on first use."""
    help_center = HelpCenter.objects.for_workspace(workspace).first()
    if help_center is not None:
        return help_center
    base = slugify(workspace.slug)[:34] or "help"
    if base in RESERVED_HELP_CENTER_SLUGS:
        base = f"{base}-help"
    for attempt in range(20):
        slug = base if attempt == 0 else f"{base}-{secrets.token_hex(2)}"
        try:
            with transaction.atomic():
                return HelpCenter.objects.create(
                    workspace=workspace, name=workspace.name, slug=slug, default_language=workspace.default_language,
                    color=workspace.messenger_color,
                )
        except IntegrityError:
            existing = HelpCenter.objects.for_workspace(workspace).first()
            if existing is not None:  # created meanwhile by another request
                return existing
    raise ApplicationError(_("Could not choose an address for the help center."))


def help_center_update(*, help_center: HelpCenter, **fields: object) -> HelpCenter:
    allowed = {"name", "slug", "default_language", "color", "header_color", "private", "logo", "header_image"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"help_center_update() got unknown fields {sorted(unknown)}")
    for image in (fields.get("logo"), fields.get("header_image")):
        if isinstance(image, HelpImage) and image.workspace_id != help_center.workspace_id:
            raise ApplicationError(_("That picture is not in this workspace."))
    for name, value in fields.items():
        setattr(help_center, name, value)
    help_center.save(update_fields=[*fields, "updated_at"])
    return help_center


def help_image_create(*, workspace: Workspace, upload: object, uploaded_by: Membership | None) -> HelpImage:
    """Store a picture for an article, a logo or a header. Raises core.images.NotAnImage
    for anything Pillow cannot draw again."""
    picture = picture_reencode(upload=upload, max_side=IMAGE_MAX_SIDE)  # type: ignore[arg-type]
    token = secrets.token_urlsafe(18)
    extension = ".png" if picture.content_type == "image/png" else ".jpg"
    image = HelpImage(
        workspace=workspace, token=token, content_type=picture.content_type, width=picture.width,
        height=picture.height, uploaded_by=uploaded_by,
    )
    image.file.save(f"{token}{extension}", ContentFile(picture.data), save=False)
    image.save()
    return image


# --- articles -------------------------------------------------------------------------------

def _next_article_number(workspace: Workspace) -> int:
    # The help center row's lock serialises number allocation; numbers never repeat.
    help_center = help_center_for(workspace=workspace)
    locked = HelpCenter.objects.for_workspace(workspace).select_for_update().only("article_seq").get(pk=help_center.pk)
    locked.article_seq += 1
    locked.save(update_fields=["article_seq"])
    return locked.article_seq


def _check_place(workspace_id: int, collection: Collection | None, section: Section | None) -> None:
    if collection is not None and collection.workspace_id != workspace_id:
        raise ApplicationError(_("That collection is not in this workspace."))
    if section is not None and (section.workspace_id != workspace_id or section.collection_id != getattr(
        collection, "pk", None
    )):
        raise ApplicationError(_("That section is not in the chosen collection."))


@transaction.atomic
def article_create(
    *, workspace: Workspace, author: Membership | None, language: str, title: str, subtitle: str = "",
    body: str = "", collection: Collection | None = None, section: Section | None = None,
) -> ArticleContent:
    """A new article with its first language version, as a draft."""
    if author is not None and author.workspace_id != workspace.pk:
        raise ApplicationError(_("The author is not a teammate of this workspace."))
    _check_place(workspace.pk, collection, section)
    position = (
        Article.objects.for_workspace(workspace).filter(collection=collection, section=section)
        .aggregate(last=Max("position"))["last"]
    )
    article = Article.objects.create(
        workspace=workspace, number=_next_article_number(workspace), author=author, collection=collection,
        section=section, position=0 if position is None else position + 1,
    )
    return ArticleContent.objects.create(
        workspace=workspace, article=article, language=language, title=title.strip(), subtitle=subtitle.strip(),
        body=html.sanitize(body),
    )


@transaction.atomic
def article_update(
    *, article: Article, author: Membership | None, collection: Collection | None, section: Section | None,
) -> Article:
    """Author and place in the help center (shared by all language versions)."""
    if author is not None and author.workspace_id != article.workspace_id:
        raise ApplicationError(_("The author is not a teammate of this workspace."))
    _check_place(article.workspace_id, collection, section)
    moved = (article.collection_id, article.section_id) != (getattr(collection, "pk", None), getattr(section, "pk", None))
    article.author, article.collection, article.section = author, collection, section
    if moved:
        last = (
            Article.objects.for_workspace(article.workspace_id).filter(collection=collection, section=section)
            .exclude(pk=article.pk).aggregate(last=Max("position"))["last"]
        )
        article.position = 0 if last is None else last + 1
    article.save(update_fields=["author", "collection", "section", "position", "updated_at"])
    return article


@transaction.atomic
def article_draft_save(*, article: Article, language: str, title: str, subtitle: str, body: str) -> ArticleContent:
    """Save the draft of one language version (creating that version if it is new). The
    published copy, if any, is untouched until `article_publish`."""
    if language not in LANGUAGE_CODES:
        raise ApplicationError(_("Unknown language."))
    content, _created = ArticleContent.objects.for_workspace(article.workspace_id).get_or_create(
        article=article, language=language,
        defaults={"workspace_id": article.workspace_id, "title": title.strip()},
    )
    content.title, content.subtitle, content.body = title.strip(), subtitle.strip(), html.sanitize(body)
    content.draft_updated_at = timezone.now()
    content.save(update_fields=["title", "subtitle", "body", "draft_updated_at"])
    Article.objects.for_workspace(article.workspace_id).filter(pk=article.pk).update(updated_at=timezone.now())
    return content


def _unique_slug(content: ArticleContent) -> str:
    base = slugify(content.title, allow_unicode=True)[:SLUG_MAX_LENGTH].strip("-") or "article"
    taken = set(
        ArticleContent.objects.for_workspace(content.workspace_id)
        .filter(language=content.language, slug__startswith=base).exclude(pk=content.pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


@transaction.atomic
def article_publish(*, content: ArticleContent) -> ArticleContent:
    """Publish the draft of one language version: the public sees it from now on."""
    content = ArticleContent.objects.for_workspace(content.workspace_id).select_for_update().get(pk=content.pk)
    if not content.title:
        raise ApplicationError(_("An article needs a title before it is published."))
    # Public addresses are /articles/<number>-<slug> and are found by number, so the slug may
    # follow a new title: the old address redirects to the new one.
    if not content.slug or content.title != content.published_title:
        content.slug = _unique_slug(content)
    content.published_title, content.published_subtitle = content.title, content.subtitle
    content.published_body = content.body
    content.published_text = html.text_of(content.body)
    content.state = ArticleContent.State.PUBLISHED
    content.published_at = timezone.now()
    content.save(update_fields=[
        "published_title", "published_subtitle", "published_body", "published_text", "state", "published_at",
        "slug",
    ])
    if search.uses_full_text():
        ArticleContent.objects.for_workspace(content.workspace_id).filter(pk=content.pk).update(
            search_vector=search.vector_expression(
                title=content.published_title, subtitle=content.published_subtitle, text=content.published_text
            )
        )
    return content


@transaction.atomic
def article_unpublish(*, content: ArticleContent) -> ArticleContent:
    """Take one language version off the public site (its draft stays)."""
    content.state = ArticleContent.State.DRAFT
    content.published_title = content.published_subtitle = content.published_body = content.published_text = ""
    content.published_at = None
    content.search_vector = None
    content.save(update_fields=[
        "state", "published_title", "published_subtitle", "published_body", "published_text", "published_at",
        "search_vector",
    ])
    return content


def article_delete(*, article: Article) -> None:
    article.delete()


# --- collections and sections -----------------------------------------------------------------

def _names(titles: dict[str, str], descriptions: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for code in LANGUAGE_CODES:
        title = (titles.get(code) or "").strip()
        description = ((descriptions or {}).get(code) or "").strip()
        if title or description:
            names[code] = {"title": title, "description": description}
    return names


def collection_create(
    *, workspace: Workspace, titles: dict[str, str], descriptions: dict[str, str], icon: str,
) -> Collection:
    last = Collection.objects.for_workspace(workspace).aggregate(last=Max("position"))["last"]
    return Collection.objects.create(
        workspace=workspace, names=_names(titles, descriptions), icon=icon, position=0 if last is None else last + 1
    )


def collection_update(
    *, collection: Collection, titles: dict[str, str], descriptions: dict[str, str], icon: str,
) -> Collection:
    collection.names, collection.icon = _names(titles, descriptions), icon
    collection.save(update_fields=["names", "icon", "updated_at"])
    return collection


def collection_delete(*, collection: Collection) -> None:
    """Its articles stay (outside any collection); its sections go."""
    with transaction.atomic():
        Article.objects.for_workspace(collection.workspace_id).filter(collection=collection).update(
            collection=None, section=None
        )
        collection.delete()


def section_create(*, collection: Collection, titles: dict[str, str]) -> Section:
    last = Section.objects.for_workspace(collection.workspace_id).filter(collection=collection).aggregate(
        last=Max("position")
    )["last"]
    return Section.objects.create(
        workspace_id=collection.workspace_id, collection=collection, names=_names(titles),
        position=0 if last is None else last + 1,
    )


def section_update(*, section: Section, titles: dict[str, str]) -> Section:
    section.names = _names(titles)
    section.save(update_fields=["names"])
    return section


def section_delete(*, section: Section) -> None:
    """Its articles stay in the collection, outside any section."""
    with transaction.atomic():
        Article.objects.for_workspace(section.workspace_id).filter(section=section).update(section=None)
        section.delete()


@transaction.atomic
def reorder(*, workspace: Workspace, model: type[Collection] | type[Section] | type[Article], ids: Sequence[int],
            collection: Collection | None = None, section: Section | None = None) -> None:
    """Put rows in the given order (the order a teammate dragged them into). Ids that are
    not in this workspace (or not under the given collection/section) are refused as a whole.
    For articles and sections, moving into `collection`/`section` is part of the reorder:
    dragging an article into another section moves it there."""
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    rows = model.objects.for_workspace(workspace).filter(pk__in=ids)
    if model is Section and collection is None:
        raise ApplicationError(_("Sections are ordered inside a collection."))
    found = {row.pk: row for row in rows.select_for_update()}
    if len(found) != len(ids):
        raise ApplicationError(_("Some of those items are not in this workspace."))
    _check_place(workspace.pk, collection, section)
    for position, pk in enumerate(ids):
        row = found[pk]
        row.position = position
        fields = ["position"]
        if model is Section:
            row.collection = collection
            fields.append("collection")
        elif model is Article:
            row.collection, row.section = collection, section
            fields += ["collection", "section"]
        row.save(update_fields=fields)


# --- readers ---------------------------------------------------------------------------------

def article_view_record(*, article: Article, contact: Contact | None, language: str, source: str) -> None:
    if contact is not None and contact.workspace_id != article.workspace_id:
        raise ApplicationError("contact from another workspace")
    ArticleView.objects.create(
        workspace_id=article.workspace_id, article=article, contact=contact, language=language, source=source
    )


def article_react(*, article: Article, reader_key: str, contact: Contact | None, reaction: str) -> ArticleReaction:
    """Record a reader's reaction; a second one from the same reader replaces the first."""
    if contact is not None and contact.workspace_id != article.workspace_id:
        raise ApplicationError("contact from another workspace")
    if reaction not in ArticleReaction.Reaction.values:
        raise ApplicationError(_("Unknown reaction."))
    row, _created = ArticleReaction.objects.for_workspace(article.workspace_id).update_or_create(
        article=article, reader_key=reader_key,
        defaults={"reaction": reaction, "contact": contact, "workspace_id": article.workspace_id},
    )
    return row


def article_conversation_record(*, article: Article, conversation_id: int, workspace_id: int) -> None:
    """Remember that a conversation was started from this article (for its statistics)."""
    if article.workspace_id != workspace_id:
        raise ApplicationError("article from another workspace")
    ArticleConversation.objects.for_workspace(workspace_id).get_or_create(
        conversation_id=conversation_id, defaults={"article": article, "workspace_id": workspace_id}
    )
