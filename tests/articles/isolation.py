"""Outsider cases for the articles area's id-taking URLs (merged into
tests/test_tenant_isolation.py's OBJECT_FACTORIES): url name -> builds the victim's object in
the workspace and returns the URL kwargs naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workspaces.models import Workspace


def _article(workspace: Workspace) -> dict[str, Any]:
    from articles import services

    content = services.article_create(workspace=workspace, author=None, language="en", title="Victim's article",
                                      body="<p>Private draft</p>")
    return {"number": content.article.number}


def _published_article(workspace: Workspace) -> dict[str, Any]:
    from articles import services

    content = services.article_create(workspace=workspace, author=None, language="en", title="Victim's published",
                                      body="<p>Published</p>")
    services.article_publish(content=content)
    return {"number": content.article.number}


def _collection(workspace: Workspace) -> dict[str, Any]:
    from articles import services

    collection = services.collection_create(workspace=workspace, titles={"en": "Victim's collection"},
                                            descriptions={}, icon="book")
    return {"collection_id": collection.pk}


def _section(workspace: Workspace) -> dict[str, Any]:
    from articles import services

    collection = services.collection_create(workspace=workspace, titles={"en": "Victim's collection"},
                                            descriptions={}, icon="book")
    section = services.section_create(collection=collection, titles={"en": "Victim's section"})
    return {"collection_id": collection.pk, "section_id": section.pk}


FACTORIES: dict[str, Callable[[Workspace], dict[str, Any]]] = {
    "articles:edit": _article,
    "articles:preview": _article,
    "articles:unpublish": _published_article,
    "articles:delete": _article,
    "articles:collection": _collection,
    "articles:collection_edit": _collection,
    "articles:collection_delete": _collection,
    "articles:collection_reorder": _collection,
    "articles:collection_add_articles": _collection,
    "articles:section_create": _collection,
    "articles:section_update": _section,
    "articles:section_delete": _section,
}
