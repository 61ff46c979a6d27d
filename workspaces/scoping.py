"""The tenancy layer: every row a customer of Parley owns belongs to a workspace.

Three defences, from the outside in:
1. views resolve the workspace and membership once, from the URL (decorators.py);
2. every lookup filters by workspace inside the query (`Model.objects.for_workspace(ws)`);
3. the default manager fails closed: a query on a workspace-owned model that is neither
   filtered with `for_workspace()` nor run inside `workspace_scope()` raises instead of
   reading every tenant's rows. `Model.all_workspaces` is the deliberately named bypass, for
   code that must cross workspaces (admin, sweepers); each use says why.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from workspaces.models import Workspace

_current_workspace_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "parley_current_workspace_id", default=None
)


class WorkspaceScopeError(RuntimeError):
    """A workspace-owned model was queried without saying which workspace."""


@contextmanager
def workspace_scope(workspace_id: int) -> Iterator[None]:
    """Run a block (a request, a task) on behalf of one workspace. The contextvar is reset in
    `finally` because threads and event loops are reused across requests and tasks."""
    token = _current_workspace_id.set(workspace_id)
    try:
        yield
    finally:
        _current_workspace_id.reset(token)


def current_workspace_id() -> int | None:
    return _current_workspace_id.get()


class WorkspaceQuerySet(models.QuerySet):
    _workspace_scoped: bool = False

    def for_workspace(self, workspace: Workspace | int) -> WorkspaceQuerySet:
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        clone = self.filter(workspace_id=workspace_id)
        clone._workspace_scoped = True
        return clone

    def _clone(self, *args: Any, **kwargs: Any) -> WorkspaceQuerySet:
        clone = super()._clone(*args, **kwargs)
        clone._workspace_scoped = self._workspace_scoped
        return clone

    def _require_scope(self) -> None:
        if not self._workspace_scoped:
            raise WorkspaceScopeError(
                f"{self.model.__name__} was queried without a workspace: use "
                f"{self.model.__name__}.objects.for_workspace(workspace) or run inside workspace_scope()."
            )

    # Every path that reads or writes rows goes through one of these.
    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()

    def count(self) -> int:
        self._require_scope()
        return super().count()

    def exists(self) -> bool:
        self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope()
        return super().delete()

    def iterator(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        self._require_scope()
        return super().iterator(*args, **kwargs)


class WorkspaceManager(models.Manager.from_queryset(WorkspaceQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> WorkspaceQuerySet:
        queryset = super().get_queryset()
        # A related manager (team.members, membership.teams) reaches rows through a parent
        # row; when that parent belongs to a workspace, its children are confined to the same
        # one, which also hides a cross-workspace link should one ever be written.
        parent_workspace_id = getattr(getattr(self, "instance", None), "workspace_id", None)
        if parent_workspace_id is not None:
            queryset = queryset.for_workspace(parent_workspace_id)
        workspace_id = current_workspace_id()
        if workspace_id is not None:
            return queryset.for_workspace(workspace_id)
        return queryset


class WorkspaceScopedModel(models.Model):
    """Base of every model a workspace owns. Uniqueness and indexes lead with `workspace`."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")

    objects = WorkspaceManager()
    # Bypass for code that must cross workspaces on purpose; every caller says why.
    all_workspaces = models.Manager()

    class Meta:
        abstract = True
