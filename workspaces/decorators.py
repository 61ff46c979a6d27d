"""The one place a request becomes "this member, in this workspace"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, overload

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from workspaces.scoping import workspace_scope
from workspaces.selectors import membership_for_user

V = TypeVar("V", bound=Callable[..., HttpResponse])


@overload
def workspace_member_required(view: V) -> V: ...
@overload
def workspace_member_required(*, admin: bool = False) -> Callable[[V], V]: ...


def workspace_member_required(view: Any = None, *, admin: bool = False) -> Any:
    """Resolve `workspace_slug` from the URL to the signed-in user's active membership.

    Someone who is not a member gets 404, exactly as for a workspace that does not exist,
    so workspace addresses cannot be probed. With `admin=True`, agents get 403: they may
    see that the page exists, but not change it. The view runs inside `workspace_scope`,
    so a query that forgets `for_workspace()` still cannot leave this workspace.
    """

    def decorate(view_func: V) -> V:
        @wraps(view_func)
        def wrapper(request: Any, *args: Any, workspace_slug: str, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for_user(user=request.user, workspace_slug=workspace_slug)
            if membership is None:
                raise Http404
            if admin and not membership.is_admin:
                raise PermissionDenied
            request.workspace = membership.workspace
            request.membership = membership
            with workspace_scope(membership.workspace_id):
                return view_func(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    if view is not None:
        return decorate(view)
    return decorate
