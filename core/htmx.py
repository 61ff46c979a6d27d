from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from workspaces.models import Membership, Workspace


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
    user: User


class WorkspaceRequest(HtmxRequest):
    workspace: Workspace
    membership: Membership
