"""The addresses email conversations travel by. A workspace receives mail at
<app_id>@INBOUND_EMAIL_DOMAIN; each conversation's emails carry a Reply-To of
<app_id>+<conversation id>-<signature>@INBOUND_EMAIL_DOMAIN, so an answer threads back
without trusting anything else the sender wrote. Display names are stripped of line breaks
and built with email.headerregistry, so no name can add a header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from workspaces.models import Workspace

_SIGNATURE_SALT = "parley.inbox.reply-address"
_LOCAL_PART = re.compile(
    r"^(?P<app_id>[A-Za-z0-9]{4,16})"
    r"(?:\+(?:(?P<conversation>\d{1,12})|m(?P<delivery>\d{1,12}))-(?P<signature>[0-9a-f]{16}))?$"
)
_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Recipient:
    """What an inbound address names: a workspace, and perhaps one of its conversations."""

    app_id: str
    conversation_id: int | None
    # An outbound email's delivery whose reply this is (outbound/replies.py).
    delivery_id: int | None = None
    signature: str = ""


def inbound_enabled() -> bool:
    return bool(settings.INBOUND_EMAIL_DOMAIN)


def workspace_address(workspace: Workspace) -> str:
    return f"{workspace.app_id.lower()}@{settings.INBOUND_EMAIL_DOMAIN}"


def _signature(workspace_id: int, conversation_id: int) -> str:
    return salted_hmac(_SIGNATURE_SALT, f"{workspace_id}:{conversation_id}", algorithm="sha256").hexdigest()[:16]


def conversation_reply_address(*, workspace: Workspace, conversation_id: int) -> str:
    local = f"{workspace.app_id.lower()}+{conversation_id}-{_signature(workspace.pk, conversation_id)}"
    return f"{local}@{settings.INBOUND_EMAIL_DOMAIN}"


def outbound_reply_address(*, workspace: Workspace, delivery_id: int) -> str:
    """Reply-To of an outbound email: a reply starts a conversation with that email first."""
    local = f"{workspace.app_id.lower()}+m{delivery_id}-{_delivery_signature(workspace.pk, delivery_id)}"
    return f"{local}@{settings.INBOUND_EMAIL_DOMAIN}"


def _delivery_signature(workspace_id: int, delivery_id: int) -> str:
    return salted_hmac(_SIGNATURE_SALT, f"{workspace_id}:m{delivery_id}", algorithm="sha256").hexdigest()[:16]


def delivery_signature_valid(*, workspace: Workspace, delivery_id: int, signature: str) -> bool:
    return constant_time_compare(_delivery_signature(workspace.pk, delivery_id), signature)


def recipient_parse(address: str) -> Recipient | None:
    """The workspace (and conversation) an address at our inbound domain names, or None
    for any other address. The signature is checked later, once the workspace is known."""
    local, _, domain = address.strip().lower().rpartition("@")
    if not inbound_enabled() or domain != settings.INBOUND_EMAIL_DOMAIN:
        return None
    match = _LOCAL_PART.match(local)
    if match is None:
        return None
    conversation, delivery = match["conversation"], match["delivery"]
    return Recipient(
        app_id=match["app_id"], conversation_id=int(conversation) if conversation else None,
        delivery_id=int(delivery) if delivery else None, signature=match["signature"] or "",
    )


def conversation_id_verified(*, address: str, workspace: Workspace) -> int | None:
    """The conversation a reply address names, if its signature is this workspace's."""
    local = address.strip().lower().rpartition("@")[0]
    match = _LOCAL_PART.match(local)
    if match is None or not match["conversation"]:
        return None
    conversation_id = int(match["conversation"])
    if not constant_time_compare(match["signature"], _signature(workspace.pk, conversation_id)):
        return None
    return conversation_id


def addresses_in(*header_values: str | None) -> list[str]:
    """Bare addresses from To/Cc-style header values, in order, without duplicates."""
    found: list[str] = []
    for _name, addr in getaddresses([value for value in header_values if value]):
        addr = addr.strip()
        if addr and addr.lower() not in (a.lower() for a in found):
            found.append(addr)
    return found


def display_name_safe(name: str) -> str:
    return _LINE_BREAKS.sub(" ", name or "").strip()[:80]


def formatted_address(*, name: str, address: str) -> str:
    """`"Name" <user@host>`, encoded as the standard requires, with line breaks removed."""
    user, _, domain = address.rpartition("@")
    return str(Address(display_name=display_name_safe(name), username=user, domain=domain))
