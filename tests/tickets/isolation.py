"""Outsider cases for the tickets area's id-taking URLs (merged into
tests/test_tenant_isolation.py's OBJECT_FACTORIES): url name -> builds the victim's object in
the workspace and returns the URL kwargs naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workspaces.models import Workspace

FACTORIES: dict[str, Callable[[Workspace], dict[str, Any]]] = {}
