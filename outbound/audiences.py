"""Who an outbound message goes to, and writing them down as deliveries.

The audience is the message's rule (contacts/audience), always narrowed to users and leads
with an email address that the workspace has not suppressed. Evaluating it writes one
pending `Delivery` per new match with one INSERT … SELECT … ON CONFLICT DO NOTHING, so a
fixed message evaluated twice, or a dynamic one evaluated every few minutes, adds each
contact once and only once."""

from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from contacts import audience
from contacts.models import Contact
from contacts.segments import people_of
from outbound.models import Delivery, OutboundMessage, Suppression


def eligible(*, message: OutboundMessage) -> QuerySet[Contact]:
    """Contacts the message may go to now (RuleError for a rule that no longer parses)."""
    workspace = message.workspace
    rule = audience.parse(message.rule or audience.EVERYONE, workspace=workspace)
    suppressed = Suppression.objects.for_workspace(workspace).filter(email=Lower(OuterRef("email")))
    people = people_of(workspace).exclude(email="").exclude(Exists(suppressed))
    return people if rule.is_everyone else people & audience.contacts(rule, workspace=workspace)


def audience_count(*, message: OutboundMessage) -> int:
    return eligible(message=message).count()


def audience_evaluate(*, message: OutboundMessage) -> int:
    """Add a pending delivery for every eligible contact who has none for this message yet.
    Returns how many were added."""
    selected = eligible(message=message).values("id", "email")
    table = Delivery._meta.db_table
    now = timezone.now()
    if connection.vendor == "postgresql":
        sql, params = selected.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (workspace_id, message_id, contact_id, status, email, token, "
                f"email_message_id, provider_message_id, attempts, error, created_at) "
                # gen_random_uuid(): 122 random bits per delivery, the key of its tracking addresses.
                f"SELECT %s, %s, picked.id, %s, picked.email, replace(gen_random_uuid()::text, '-', ''), '', '', 0, '', %s "
                f"FROM ({sql}) AS picked ORDER BY picked.id "
                f"ON CONFLICT (workspace_id, message_id, contact_id) DO NOTHING",
                [message.workspace_id, message.pk, Delivery.Status.PENDING, now, *params],
            )
            added = cursor.rowcount
    else:  # the embedded demo's SQLite
        rows = [
            Delivery(workspace_id=message.workspace_id, message=message, contact_id=row["id"], email=row["email"],
                     token=secrets.token_hex(16))
            for row in selected
        ]
        before = Delivery.objects.for_workspace(message.workspace_id).filter(message=message).count()
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        added = Delivery.objects.for_workspace(message.workspace_id).filter(message=message).count() - before
    total = Delivery.objects.for_workspace(message.workspace_id).filter(message=message).count()
    OutboundMessage.objects.for_workspace(message.workspace_id).filter(pk=message.pk).update(
        audience_size=total, audience_evaluated_at=now
    )
    return added
