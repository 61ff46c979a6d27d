"""Outsider cases for the outbound area's id-taking URLs (merged into
tests/test_tenant_isolation.py's OBJECT_FACTORIES): url name -> builds the victim's object in
the workspace and returns the URL kwargs naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workspaces.models import Workspace


def _message(workspace: Workspace) -> dict[str, Any]:
    from outbound import services
    from tests.factories import MembershipFactory

    owner = MembershipFactory(workspace=workspace, role="owner")
    message = services.message_create(workspace=workspace, actor=owner, title="Victim's email", sender=owner,
                                      subject="Private", body="<p>Private</p>")
    return {"message_id": message.pk}


def _live_message(workspace: Workspace) -> dict[str, Any]:
    from outbound.models import OutboundMessage

    kwargs = _message(workspace)
    OutboundMessage.objects.for_workspace(workspace).filter(pk=kwargs["message_id"]).update(state="live")
    return kwargs


def _template(workspace: Workspace) -> dict[str, Any]:
    from outbound import services

    template = services.template_save(workspace=workspace, actor=None, template=None, name="Victim's layout",
                                      html="<body><!--PARLEY:CONTENT--><a href='{{unsubscribe_url}}'>x</a></body>")
    return {"template_id": template.pk}


def _kept_mail(workspace: Workspace) -> dict[str, Any]:
    """An email the demo's backend kept for the workspace (in the test run's var/mailbox)."""
    from tests.outbound.test_mailbox import keep

    return {"name": keep(workspace, "Kept")}


FACTORIES: dict[str, Callable[[Workspace], dict[str, Any]]] = {
    "outbound:mailbox_read": _kept_mail,
    "outbound:edit": _message,
    "outbound:preview": _message,
    "outbound:send_test": _message,
    "outbound:set_live": _message,
    "outbound:pause": _live_message,
    "outbound:stop": _live_message,
    "outbound:delete": _message,
    "outbound:progress": _live_message,
    "outbound:template_edit": _template,
    "outbound:template_delete": _template,
    "outbound:template_preview": _template,
}
