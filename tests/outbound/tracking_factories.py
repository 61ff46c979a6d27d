"""Sent emails to track: a message and deliveries as the sending pipeline leaves them."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.utils import timezone

from outbound.models import Delivery, OutboundMessage
from tests.factories import ContactFactory


def message_for(workspace, title: str = "Welcome") -> OutboundMessage:  # type: ignore[no-untyped-def]
    return OutboundMessage.objects.create(workspace=workspace, title=title, subject="Hi", body="<p>Hi</p>",
                                          sender_kind=OutboundMessage.Sender.WORKSPACE,
                                          state=OutboundMessage.State.LIVE)


def sent_delivery(workspace, *, email: str = "hana@example.com", message=None, contact=None,  # type: ignore[no-untyped-def]
                  sent_ago: dt.timedelta = dt.timedelta(hours=1), **fields) -> Delivery:
    message = message or message_for(workspace)
    contact = contact or ContactFactory(workspace=workspace, role="user", email=email)
    return Delivery.objects.create(
        workspace=workspace, message=message, contact=contact, email=contact.email or email,
        token=secrets.token_hex(16), status=fields.pop("status", Delivery.Status.SENT),
        sent_at=timezone.now() - sent_ago,
        **{"email_message_id": f"<{uuid.uuid4().hex}@mail.parley.test>", "provider_message_id": str(uuid.uuid4()),
           **fields},
    )
