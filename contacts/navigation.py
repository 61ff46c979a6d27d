"""The contacts area's navigation column: built-in views and saved segments, with counts."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count

from contacts import audience
from contacts.models import Segment
from contacts.segments import BUILTIN_SEGMENTS, people_of
from core.htmx import WorkspaceRequest

BUILTIN_COUNTS_SECONDS = 60


def _builtin_counts(request: WorkspaceRequest) -> dict[str, int]:
    """The built-in views' counts in one COUNT … FILTER query, remembered for a minute:
    over a million contacts they cost a scan, and a minute-old count is good enough."""
    key = f"contacts-builtin-counts:{request.workspace.pk}"  # see builtin_counts_forget
    counts = cache.get(key)
    if counts is None:
        fields = audience.catalogue(request.workspace)
        aggregates = {
            builtin.key: Count("id", filter=audience.q_for(
                audience.parse(builtin.rule, workspace=request.workspace, fields=fields), workspace=request.workspace))
            for builtin in BUILTIN_SEGMENTS
        }
        counts = people_of(request.workspace).aggregate(**aggregates)
        cache.set(key, counts, BUILTIN_COUNTS_SECONDS)
    return counts


def contacts_nav(request: WorkspaceRequest) -> dict[str, Any]:
    """Context for templates/contacts/_layout.html."""
    counts = _builtin_counts(request)
    return {
        "builtins": [{"key": b.key, "label": b.label, "count": counts.get(b.key, 0)} for b in BUILTIN_SEGMENTS],
        "segments": list(Segment.objects.for_workspace(request.workspace).only("id", "name", "member_count")),
    }


def contacts_context(request: WorkspaceRequest, section: str, **extra: Any) -> dict[str, Any]:
    """What every contacts page passes to the layout."""
    return {"current_area": "contacts", "contacts_section": section, "contacts_nav": contacts_nav(request), **extra}





def builtin_counts_forget(*, workspace_id: int) -> None:
    """After a change to many contacts at once (an import), count again on the next page."""
    cache.delete(f"contacts-builtin-counts:{workspace_id}")
