from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.areas import AREAS


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the agent app's shell needs on every page: the areas, the workspace the
    navigation points into (the current one, or on pages outside a workspace such as the
    profile, the last one used) and the workspaces the teammate can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": AREAS}

    def memberships() -> list:
        from workspaces.selectors import membership_list_for_user

        return list(membership_list_for_user(user=user))

    nav_memberships = SimpleLazyObject(memberships)

    def shell_membership() -> Any:
        current = getattr(request, "membership", None)
        if current is not None:
            return current
        return next((m for m in nav_memberships if m.workspace_id == user.last_workspace_id), None) or next(
            iter(nav_memberships), None
        )

    return {
        "nav_areas": AREAS,
        "nav_memberships": nav_memberships,
        "shell_membership": SimpleLazyObject(shell_membership),
    }
