"""The messenger's writes: boot (who is this browser, as whom), page views, events."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from contacts.tracking import parse_user_agent
from core.db import transaction_without_fsync_wait
from messenger.identity import identity_resolve
from messenger.inputs import Settings, language_pick
from messenger.models import MessengerSession, hash_session_token
from workspaces.models import Workspace

SESSION_LIFETIME = dt.timedelta(days=7)


@dataclass(frozen=True)
class Boot:
    session: MessengerSession
    token: str
    proof_rejected: bool


@transaction.atomic
def messenger_boot(
    *,
    workspace: Workspace,
    browser_id: str,
    settings: Settings,
    page: contact_services.PageInfo,
    browser_language: str,
    timezone_name: str,
    user_agent: str,
) -> Boot:
    identity, proof_rejected = identity_resolve(
        workspace=workspace,
        user_id=settings.user_id,
        email=settings.email,
        user_hash_value=settings.user_hash,
        token=settings.jwt,
    )
    language = language_pick(
        override=settings.language_override,
        browser=browser_language,
        workspace_default=workspace.default_language,
    )
    if identity.is_empty:
        contact = contact_services.contact_for_browser(
            workspace=workspace, browser_id=browser_id, language=language
        )
    else:
        contact = contact_services.contact_for_identity(workspace=workspace, identity=identity)
        earlier = (
            Contact.objects.for_workspace(workspace)
            .filter(browser_id=browser_id, role__in=[Contact.Role.VISITOR, Contact.Role.LEAD])
            .exclude(pk=contact.pk)
            .first()
        )
        if earlier is not None:
            # The lead logged in: one contact carries both histories from now on.
            contact = contact_services.contact_merge(source=earlier, target=contact)
    update = settings.update
    if workspace.identity_verification_required and not identity.proven:
        update.email = None  # an email is an identity claim too; unproven, it is ignored
    if not identity.is_empty and identity.proven and identity.email:
        update.email = identity.email  # signed attributes win over what the page claims
    contact_services.contact_apply_update(contact=contact, update=update)
    contact_services.contact_record_visit(
        contact=contact,
        page=page,
        client=parse_user_agent(user_agent),
        language=browser_language[:16] if browser_language else "",
        timezone_name=timezone_name,
    )
    contact.save()
    token = secrets.token_urlsafe(32)
    session = MessengerSession.objects.create(
        workspace=workspace,
        token_hash=hash_session_token(token),
        contact=contact,
        browser_id=browser_id,
        verified=identity.proven,
        language=language,
        expires_at=timezone.now() + SESSION_LIFETIME,
    )
    return Boot(session=session, token=token, proof_rejected=proof_rejected)


def messenger_ping(
    *, session: MessengerSession, settings: Settings, page: contact_services.PageInfo
) -> Contact:
    """A page view or `update` from the host page: one INSERT and one UPDATE."""
    contact = session.contact
    with transaction_without_fsync_wait():
        if (
            settings.update.name
            or settings.update.email
            or settings.update.attributes
            or settings.update.companies
        ):
            contact_services.contact_apply_update(contact=contact, update=settings.update)
            changed = None  # attributes changed too: save everything
        else:
            changed = []
        fields = contact_services.contact_record_visit(contact=contact, page=page)
        if changed is None:
            contact.save()
        else:
            contact.save(update_fields=[*fields, "updated_at"])
    return contact


def messenger_event(*, session: MessengerSession, name: str, metadata: dict) -> None:
    contact_services.event_track(contact=session.contact, name=name, metadata=metadata)
