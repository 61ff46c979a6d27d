"""Collections and their sections: the help center's tree. Order is set by dragging
(SortableJS posts the new order of ids, answered with 204), and without JavaScript by the
up and down buttons and "move to" menus, which post to the same endpoints and come back to
the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles import services
from articles.forms import AddArticlesForm, CollectionForm, SectionForm
from articles.models import LANGUAGE_CODES, Article, ArticleContent, Collection, Section
from articles.views import article_rows, articles_context, teammate_language
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from workspaces.decorators import workspace_member_required

ADD_ARTICLES_LIMIT = 200


def _collection_or_404(request: WorkspaceRequest, collection_id: int) -> Collection:
    collection = Collection.objects.for_workspace(request.workspace).filter(pk=collection_id).first()
    if collection is None:
        raise Http404
    return collection


def _section_or_404(request: WorkspaceRequest, collection: Collection, section_id: int) -> Section:
    section = Section.objects.for_workspace(request.workspace).filter(collection=collection, pk=section_id).first()
    if section is None:
        raise Http404
    return section


def _collection_url(request: WorkspaceRequest, collection: Collection) -> str:
    return reverse("articles:collection", kwargs={"workspace_slug": request.workspace.slug,
                                                  "collection_id": collection.pk})


def _ids(values: list[str]) -> list[int] | None:
    try:
        return [int(value) for value in values]
    except ValueError:
        return None


def _bad_order(reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=400)


def _moved(ids: list[int], pk: int, direction: str) -> list[int] | None:
    """`ids` with `pk` one place up or down, or None if it cannot move that way."""
    if pk not in ids or direction not in ("up", "down"):
        return None
    index = ids.index(pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ids):
        return None
    ids = list(ids)
    ids[index], ids[target] = ids[target], ids[index]
    return ids


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form and try again.")


# --- collections --------------------------------------------------------------------------

@require_GET
@workspace_member_required
def collection_list(request: WorkspaceRequest) -> HttpResponse:
    help_center = services.help_center_for(workspace=request.workspace)
    collections = list(
        Collection.objects.for_workspace(request.workspace)
        .annotate(article_count=Count("articles", distinct=True), section_count=Count("sections", distinct=True))
        .order_by("position", "id")
    )
    language = teammate_language()
    for collection in collections:
        collection.localized = collection.names_in(language, help_center.default_language)  # type: ignore[attr-defined]
    return render(request, "articles/collections.html", articles_context(
        request, "collections", help_center=help_center, collections=collections,
        order_url=reverse("articles:collection_order", kwargs={"workspace_slug": request.workspace.slug}),
    ))


@require_POST
@workspace_member_required
def collection_order(request: WorkspaceRequest) -> HttpResponse:
    """The collections in a new order: `ids` (all of them, dragged; 204) or `move` one up or
    `direction` down (the buttons; back to the list)."""
    back = redirect("articles:collections", workspace_slug=request.workspace.slug)
    current = list(Collection.objects.for_workspace(request.workspace).order_by("position", "id")
                   .values_list("pk", flat=True))
    if "ids" in request.POST:
        ids = _ids(request.POST.getlist("ids"))
        if ids is None or set(ids) != set(current) or len(ids) != len(current):
            return _bad_order(_("The list changed meanwhile. Reload the page and try again."))
        services.reorder(workspace=request.workspace, model=Collection, ids=ids)
        return HttpResponse(status=204)
    moved = _moved(current, (_ids([request.POST.get("move", "")]) or [0])[0], request.POST.get("direction", ""))
    if moved is not None:
        services.reorder(workspace=request.workspace, model=Collection, ids=moved)
        messages.success(request, _("Order saved."))
    return back


@require_http_methods(["GET", "POST"])
@workspace_member_required
def collection_new(request: WorkspaceRequest) -> HttpResponse:
    form = CollectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        collection = services.collection_create(workspace=request.workspace, titles=form.titles(),
                                                descriptions=form.descriptions(), icon=form.cleaned_data["icon"])
        messages.success(request, _("Collection created. Add sections and articles to it."))
        return redirect(_collection_url(request, collection))
    return render(request, "articles/collection_form.html", articles_context(request, "collections", form=form))


@require_http_methods(["GET", "POST"])
@workspace_member_required
def collection_edit(request: WorkspaceRequest, collection_id: int) -> HttpResponse:
    collection = _collection_or_404(request, collection_id)
    form = CollectionForm(request.POST if request.method == "POST" else None,
                          initial={**CollectionForm.initial_for(collection.names), "icon": collection.icon})
    if request.method == "POST" and form.is_valid():
        services.collection_update(collection=collection, titles=form.titles(), descriptions=form.descriptions(),
                                   icon=form.cleaned_data["icon"])
        messages.success(request, _("Collection saved."))
        return redirect(_collection_url(request, collection))
    return render(request, "articles/collection_form.html", articles_context(
        request, "collections", form=form, collection=collection,
        title=collection.names_in(teammate_language(), "en")["title"],
    ))


@require_http_methods(["GET", "POST"])
@workspace_member_required
def collection_delete(request: WorkspaceRequest, collection_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the collection and its sections. Its articles
    stay, outside any collection."""
    collection = _collection_or_404(request, collection_id)
    title = collection.names_in(teammate_language(), "en")["title"]
    if request.method == "POST":
        services.collection_delete(collection=collection)
        messages.success(request, _("The collection “%(title)s” was deleted. Its articles were kept.") % {"title": title})
        return redirect("articles:collections", workspace_slug=request.workspace.slug)
    return render(request, "articles/collection_delete.html", articles_context(
        request, "collections", collection=collection, title=title,
        article_count=Article.objects.for_workspace(request.workspace).filter(collection=collection).count(),
    ))


# --- one collection: sections and articles -------------------------------------------------------

def _collection_articles(request: WorkspaceRequest, collection: Collection) -> list[Article]:
    return list(
        Article.objects.for_workspace(request.workspace).filter(collection=collection)
        .prefetch_related(Prefetch("contents", queryset=ArticleContent.objects.for_workspace(request.workspace)))
        .order_by("position", "id")
    )


@require_GET
@workspace_member_required
def collection_detail(request: WorkspaceRequest, collection_id: int) -> HttpResponse:
    collection = _collection_or_404(request, collection_id)
    help_center = services.help_center_for(workspace=request.workspace)
    language, fallback = teammate_language(), help_center.default_language
    sections = list(Section.objects.for_workspace(request.workspace).filter(collection=collection)
                    .order_by("position", "id"))
    rows = article_rows(_collection_articles(request, collection), workspace_id=request.workspace.pk,
                        language=language, with_stats=False)
    by_section: dict[int | None, list] = {None: []}
    for section in sections:
        by_section[section.pk] = []
    for row in rows:
        by_section.get(row.article.section_id, by_section[None]).append(row)
    containers = [{"section": None, "key": "", "rows": by_section[None]}]
    for section in sections:
        names = {code: (section.names.get(code) or {}).get("title", "") for code in LANGUAGE_CODES}
        containers.append({
            "section": section, "key": str(section.pk), "rows": by_section[section.pk],
            "title": section.names_in(language, fallback)["title"], "names": names,
        })
    return render(request, "articles/collection.html", articles_context(
        request, "collections", help_center=help_center, collection=collection,
        localized=collection.names_in(language, fallback), containers=containers, sections=sections,
        section_form=SectionForm(),
        order_url=reverse("articles:collection_reorder", kwargs={"workspace_slug": request.workspace.slug,
                                                                 "collection_id": collection.pk}),
    ))


@require_POST
@workspace_member_required
def collection_reorder(request: WorkspaceRequest, collection_id: int) -> HttpResponse:
    """Order inside a collection. Dragging posts `kind=sections&ids=…`, or
    `kind=articles&section=<id or empty>&ids=…` for the container an article was dropped in
    (dropping into another section moves it there); 204. The buttons post `move_section` or
    `move_article` with `direction`, or `move_article` with `to` (a section id, "loose", or
    "out" to take it out of the collection); back to the page."""
    collection = _collection_or_404(request, collection_id)
    ws = request.workspace
    back = redirect(_collection_url(request, collection))
    kind = request.POST.get("kind")
    if kind in ("sections", "articles"):
        ids = _ids(request.POST.getlist("ids"))
        if ids is None:
            return _bad_order(_("Unknown items."))
        section = None
        if kind == "articles" and request.POST.get("section"):
            section = Section.objects.for_workspace(ws).filter(
                collection=collection, pk=(_ids([request.POST["section"]]) or [0])[0]).first()
            if section is None:
                return _bad_order(_("That section is not in this collection."))
        try:
            if kind == "sections":
                services.reorder(workspace=ws, model=Section, ids=ids, collection=collection)
            else:
                services.reorder(workspace=ws, model=Article, ids=ids, collection=collection, section=section)
        except ApplicationError as exc:
            return _bad_order(exc.message)
        return HttpResponse(status=204)

    direction = request.POST.get("direction", "")
    if request.POST.get("move_section"):
        current = list(Section.objects.for_workspace(ws).filter(collection=collection).order_by("position", "id")
                       .values_list("pk", flat=True))
        moved = _moved(current, (_ids([request.POST["move_section"]]) or [0])[0], direction)
        if moved is not None:
            services.reorder(workspace=ws, model=Section, ids=moved, collection=collection)
            messages.success(request, _("Order saved."))
        return back
    if request.POST.get("move_article"):
        article = Article.objects.for_workspace(ws).filter(
            collection=collection, pk=(_ids([request.POST["move_article"]]) or [0])[0]).select_related("author").first()
        if article is None:
            messages.error(request, _("That article is not in this collection any more."))
            return back
        return _move_article(request, collection, article, direction=direction, to=request.POST.get("to"))
    return back


def _move_article(request: WorkspaceRequest, collection: Collection, article: Article, *, direction: str,
                  to: str | None) -> HttpResponse:
    ws = request.workspace
    back = redirect(_collection_url(request, collection))
    siblings = Article.objects.for_workspace(ws).filter(collection=collection).order_by("position", "id")
    if to is None:
        current = list(siblings.filter(section_id=article.section_id).values_list("pk", flat=True))
        moved = _moved(current, article.pk, direction)
        if moved is not None:
            section = Section.objects.for_workspace(ws).filter(pk=article.section_id).first() if article.section_id else None
            services.reorder(workspace=ws, model=Article, ids=moved, collection=collection, section=section)
            messages.success(request, _("Order saved."))
        return back
    if to == "out":
        services.article_update(article=article, author=article.author, collection=None, section=None)
        messages.success(request, _("The article was taken out of this collection. It is still in your articles."))
        return back
    section = None
    if to != "loose":
        section = Section.objects.for_workspace(ws).filter(collection=collection, pk=(_ids([to]) or [0])[0]).first()
        if section is None:
            messages.error(request, _("That section is not in this collection."))
            return back
    services.article_update(article=article, author=article.author, collection=collection, section=section)
    messages.success(request, _("Article moved."))
    return back


@require_POST
@workspace_member_required
def section_create(request: WorkspaceRequest, collection_id: int) -> HttpResponse:
    collection = _collection_or_404(request, collection_id)
    form = SectionForm(request.POST)
    if form.is_valid():
        services.section_create(collection=collection, titles=form.titles())
        messages.success(request, _("Section added."))
    else:
        messages.error(request, _first_error(form))
    return redirect(_collection_url(request, collection))


@require_POST
@workspace_member_required
def section_update(request: WorkspaceRequest, collection_id: int, section_id: int) -> HttpResponse:
    collection = _collection_or_404(request, collection_id)
    section = _section_or_404(request, collection, section_id)
    form = SectionForm(request.POST)
    if form.is_valid():
        services.section_update(section=section, titles=form.titles())
        messages.success(request, _("Section renamed."))
    else:
        messages.error(request, _first_error(form))
    return redirect(_collection_url(request, collection))


@require_POST
@workspace_member_required
def section_delete(request: WorkspaceRequest, collection_id: int, section_id: int) -> HttpResponse:
    collection = _collection_or_404(request, collection_id)
    section = _section_or_404(request, collection, section_id)
    services.section_delete(section=section)
    messages.success(request, _("Section deleted. Its articles stay in the collection."))
    return redirect(_collection_url(request, collection))


@require_http_methods(["GET", "POST"])
@workspace_member_required
def collection_add_articles(request: WorkspaceRequest, collection_id: int) -> HttpResponse:
    """Put existing articles into the collection, after the ones outside any section."""
    collection = _collection_or_404(request, collection_id)
    form = AddArticlesForm(request.POST if request.method == "POST" else None, workspace=request.workspace,
                           collection=collection)
    if request.method == "POST":
        if form.is_valid():
            loose = list(Article.objects.for_workspace(request.workspace).filter(collection=collection, section=None)
                         .order_by("position", "id").values_list("pk", flat=True))
            added = [article.pk for article in form.cleaned_data["articles"]]
            services.reorder(workspace=request.workspace, model=Article, ids=loose + added, collection=collection)
            messages.success(request, _("Articles added to the collection."))
            return redirect(_collection_url(request, collection))
    help_center = services.help_center_for(workspace=request.workspace)
    language = teammate_language()
    query = request.GET.get("q", "").strip()[:100]
    candidates = (
        Article.objects.for_workspace(request.workspace).exclude(collection=collection)
        .select_related("collection")
        .prefetch_related(Prefetch("contents", queryset=ArticleContent.objects.for_workspace(request.workspace)))
        .order_by("-updated_at", "-id")
    )
    if query:
        candidates = candidates.filter(contents__title__icontains=query).distinct()
    rows = article_rows(list(candidates[:ADD_ARTICLES_LIMIT]), workspace_id=request.workspace.pk, language=language,
                        with_stats=False)
    for row in rows:
        if row.article.collection is not None:
            row.collection_title = row.article.collection.names_in(language, help_center.default_language)["title"]
    return render(request, "articles/collection_add.html", articles_context(
        request, "collections", help_center=help_center, collection=collection, form=form, rows=rows, query=query,
        localized=collection.names_in(language, help_center.default_language),
        limited=len(rows) == ADD_ARTICLES_LIMIT,
    ))
