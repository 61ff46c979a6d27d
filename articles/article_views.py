"""The article editor: one language version at a time (tabs switch and create versions),
with what all versions share (author, collection, section) beside it. Save, save and close,
publish (the draft becomes what readers see), unpublish, preview and delete; pictures are
uploaded to Parley from the editor's toolbar."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles import selectors, services
from articles.forms import HELP_IMAGE_MAX_BYTES, IMAGE_ACCEPT, ArticleForm, ImageUploadForm
from articles.models import LANGUAGE_CODES, Article, ArticleContent, HelpCenter
from articles.views import (
    LANGUAGE_NAMES,
    article_public_url,
    article_title,
    articles_context,
    help_center_url,
    teammate_language,
    version_state,
)
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from core.images import NotAnImage
from workspaces.decorators import workspace_member_required

ACTIONS = {"save", "close", "publish", "preview"}


def _article_or_404(request: WorkspaceRequest, number: int) -> tuple[Article, dict[str, ArticleContent]]:
    article = (
        Article.objects.for_workspace(request.workspace).select_related("author__user", "collection", "section")
        .filter(number=number).first()
    )
    if article is None:
        raise Http404
    contents = {c.language: c for c in ArticleContent.objects.for_workspace(request.workspace).filter(article=article)}
    return article, contents


def _chosen_language(request: WorkspaceRequest, contents: dict[str, ArticleContent], help_center: HelpCenter) -> str:
    """The ?language= asked for; else the teammate's language or the help center's default
    if the article has that version; else its first version."""
    asked = request.GET.get("language", "")
    if asked in LANGUAGE_CODES:
        return asked
    for language in (teammate_language(), help_center.default_language, *LANGUAGE_CODES):
        if language in contents:
            return language
    return help_center.default_language if help_center.default_language in LANGUAGE_CODES else LANGUAGE_CODES[0]


def _editor_url(request: WorkspaceRequest, number: int, language: str) -> str:
    url = reverse("articles:edit", kwargs={"workspace_slug": request.workspace.slug, "number": number})
    return f"{url}?{urlencode({'language': language})}"


def _new_url(request: WorkspaceRequest, language: str) -> str:
    url = reverse("articles:new", kwargs={"workspace_slug": request.workspace.slug})
    return f"{url}?{urlencode({'language': language})}"


def _initial(article: Article | None, content: ArticleContent | None, request: WorkspaceRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"author": request.membership.pk}
    if article is not None:
        initial = {"author": article.author_id, "collection": article.collection_id, "section": article.section_id}
    if content is not None:
        initial.update(title=content.title, subtitle=content.subtitle, body=content.body)
    return initial


def _form(request: WorkspaceRequest, *, article: Article | None, content: ArticleContent | None, language: str,
          help_center: HelpCenter) -> ArticleForm:
    action = request.POST.get("action", "save")
    return ArticleForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(article, content, request), workspace=request.workspace,
        language=teammate_language(), fallback_language=help_center.default_language,
        publishing=request.method == "POST" and action == "publish", creating=content is None,
        current_author_id=article.author_id if article else None,
    )


def _after_save(request: WorkspaceRequest, *, action: str, number: int, language: str,
                content: ArticleContent) -> HttpResponse:
    if action == "close":
        messages.success(request, _("Saved."))
        return redirect("articles:index", workspace_slug=request.workspace.slug)
    if action == "preview":
        url = reverse("articles:preview", kwargs={"workspace_slug": request.workspace.slug, "number": number})
        return redirect(f"{url}?{urlencode({'language': language})}")
    if action == "publish":
        messages.success(request, _("Published. Readers see this version now."))
    elif content.is_published:
        messages.success(request, _("Changes saved as a draft. Readers keep seeing the published version until you publish the changes."))
    else:
        messages.success(request, _("Draft saved."))
    return redirect(_editor_url(request, number, language))


def _render_editor(request: WorkspaceRequest, *, article: Article | None, contents: dict[str, ArticleContent],
                   language: str, form: ArticleForm, help_center: HelpCenter) -> HttpResponse:
    content = contents.get(language)
    versions = []
    for code in LANGUAGE_CODES:
        version = contents.get(code)
        versions.append({
            "language": code, "name": LANGUAGE_NAMES.get(code, code), "active": code == language,
            "state": version_state(version) if version else None,
            "url": _editor_url(request, article.number, code) if article else _new_url(request, code),
        })
    stats = None
    if article is not None:
        stats = selectors.article_stats(workspace=request.workspace, article_ids=[article.pk])[article.pk]
    return render(request, "articles/editor.html", articles_context(
        request, "articles", help_center=help_center, article=article, content=content, language=language,
        language_name=LANGUAGE_NAMES.get(language, language), versions=versions, form=form, stats=stats,
        state=version_state(content) if content else None,
        title=article_title(list(contents.values()), teammate_language()) if article else "",
        public_url=article_public_url(help_center=help_center, content=content, number=article.number)
        if article and content else None,
        upload_url=reverse("articles:image_upload", kwargs={"workspace_slug": request.workspace.slug}),
        image_accept=IMAGE_ACCEPT, image_max_bytes=HELP_IMAGE_MAX_BYTES,
    ))


@require_http_methods(["GET", "POST"])
@workspace_member_required
def article_new(request: WorkspaceRequest) -> HttpResponse:
    """A new article: its first version is written in the language of the tab chosen."""
    help_center = services.help_center_for(workspace=request.workspace)
    language = _chosen_language(request, {}, help_center)
    form = _form(request, article=None, content=None, language=language, help_center=help_center)
    if request.method == "POST" and form.is_valid():
        data, action = form.cleaned_data, request.POST.get("action", "save")
        action = action if action in ACTIONS else "save"
        try:
            with transaction.atomic():
                content = services.article_create(
                    workspace=request.workspace, author=data["author"], language=language, title=data["title"],
                    subtitle=data["subtitle"], body=data["body"], collection=data["collection"],
                    section=data["section"],
                )
                if action == "publish":
                    content = services.article_publish(content=content)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return _after_save(request, action=action, number=content.article.number, language=language,
                               content=content)
    return _render_editor(request, article=None, contents={}, language=language, form=form, help_center=help_center)


@require_http_methods(["GET", "POST"])
@workspace_member_required
def article_edit(request: WorkspaceRequest, number: int) -> HttpResponse:
    """Edit the draft of one language version, or write a version the article does not have
    yet. Saving never changes what readers see; publishing does."""
    article, contents = _article_or_404(request, number)
    help_center = services.help_center_for(workspace=request.workspace)
    language = _chosen_language(request, contents, help_center)
    form = _form(request, article=article, content=contents.get(language), language=language, help_center=help_center)
    if request.method == "POST" and form.is_valid():
        data, action = form.cleaned_data, request.POST.get("action", "save")
        action = action if action in ACTIONS else "save"
        try:
            with transaction.atomic():  # place, draft and publication together, or nothing
                services.article_update(article=article, author=data["author"], collection=data["collection"],
                                        section=data["section"])
                content = services.article_draft_save(article=article, language=language, title=data["title"],
                                                      subtitle=data["subtitle"], body=data["body"])
                if action == "publish":
                    content = services.article_publish(content=content)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return _after_save(request, action=action, number=article.number, language=language, content=content)
    return _render_editor(request, article=article, contents=contents, language=language, form=form,
                          help_center=help_center)


@require_POST
@workspace_member_required
def article_unpublish(request: WorkspaceRequest, number: int) -> HttpResponse:
    """Take one language version off the help center; its draft stays."""
    article, contents = _article_or_404(request, number)
    language = request.POST.get("language", "")
    content = contents.get(language)
    if content is None or not content.is_published:
        messages.info(request, _("That version was not published."))
        return redirect(_editor_url(request, article.number, language if language in LANGUAGE_CODES else
                                    next(iter(contents), LANGUAGE_CODES[0])))
    services.article_unpublish(content=content)
    messages.success(request, _("Unpublished. Readers no longer see this version; its draft is kept."))
    return redirect(_editor_url(request, article.number, language))


@require_http_methods(["GET", "POST"])
@workspace_member_required
def article_delete(request: WorkspaceRequest, number: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the article with every language version."""
    article, contents = _article_or_404(request, number)
    title = article_title(list(contents.values()), teammate_language())
    if request.method == "POST":
        services.article_delete(article=article)
        messages.success(request, _("The article “%(title)s” was deleted.") % {"title": title or _("Untitled")})
        return redirect("articles:index", workspace_slug=request.workspace.slug)
    return render(request, "articles/delete.html", articles_context(
        request, "articles", article=article, title=title,
        published=[LANGUAGE_NAMES.get(c.language, c.language) for c in contents.values() if c.is_published],
        cancel_url=_editor_url(request, article.number, next(iter(contents), LANGUAGE_CODES[0])),
    ))


@require_GET
@workspace_member_required
def article_preview(request: WorkspaceRequest, number: int) -> HttpResponse:
    """The draft of one version laid out as readers will see it once published."""
    article, contents = _article_or_404(request, number)
    help_center = services.help_center_for(workspace=request.workspace)
    language = _chosen_language(request, contents, help_center)
    content = contents.get(language)
    if content is None:
        raise Http404
    try:
        theme_url = reverse("help_center:theme", kwargs={"help_center_slug": help_center.slug})
    except NoReverseMatch:
        theme_url = None
    return render(request, "articles/preview.html", {
        "article": article, "content": content, "help_center": help_center, "language": language,
        "author": article.author.user if article.author else None, "theme_url": theme_url,
        "help_center_url": help_center_url(help_center),
        "language_name": LANGUAGE_NAMES.get(language, language), "state": version_state(content),
        "editor_url": _editor_url(request, article.number, language),
        "collection_title": article.collection.names_in(language, help_center.default_language)["title"]
        if article.collection else "",
    })


@require_POST
@workspace_member_required
def image_upload(request: WorkspaceRequest) -> HttpResponse:
    """A picture for an article body, from the editor's toolbar: {"url": "/help/media/<token>"},
    or 400 with the reason in `error`."""
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = form.errors.get("image") or [_("Choose a picture to upload.")]
        return JsonResponse({"error": str(errors[0])}, status=400)
    try:
        image = services.help_image_create(workspace=request.workspace, upload=form.cleaned_data["image"],
                                           uploaded_by=request.membership)
    except NotAnImage:
        return JsonResponse({"error": _("Upload a PNG, JPEG, GIF or WebP picture.")},
                            status=400)
    return JsonResponse({"url": reverse("help_center:media", kwargs={"token": image.token}),
                         "width": image.width, "height": image.height}, status=201)
