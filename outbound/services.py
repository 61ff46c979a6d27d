"""Writes to outbound messages: drafts, going live, pausing, stopping, test sends, and what
readers do (outbound/tracking_services.py records opens, clicks and unsubscribes).

Forms validate input (400s); these functions re-check that every related row belongs to the
message's workspace and raise ApplicationError for a business rule."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.html import sanitize
from contacts import audience
from contacts.models import AttributeDefinition, Contact
from core.exceptions import ApplicationError
from outbound import placeholders
from outbound.models import Delivery, EmailTemplate, OutboundMessage
from workspaces.models import Membership, Team, Workspace

EDITABLE = {
    "title", "sender_kind", "sender", "reply_assignee", "reply_team", "subject", "body", "builtin_template",
    "template", "rule", "delivery", "starts_at", "stops_at", "window_days", "window_start_hour", "window_end_hour",
}


def custom_keys(workspace: Workspace | int) -> list[str]:
    return list(
        AttributeDefinition.objects.for_workspace(workspace)
        .filter(target=AttributeDefinition.Target.CONTACT).values_list("key", flat=True)
    )


def _check(workspace_id: int, fields: dict) -> None:
    for name in ("sender", "reply_assignee"):
        member = fields.get(name)
        if isinstance(member, Membership) and member.workspace_id != workspace_id:
            raise ApplicationError(_("That teammate is not in this workspace."))
    team = fields.get("reply_team")
    if isinstance(team, Team) and team.workspace_id != workspace_id:
        raise ApplicationError(_("That team is not in this workspace."))
    template = fields.get("template")
    if isinstance(template, EmailTemplate) and template.workspace_id != workspace_id:
        raise ApplicationError(_("That template is not in this workspace."))
    for text in (fields.get("subject", ""), fields.get("body", "")):
        unknown = placeholders.unknown_names(text or "", custom_keys=custom_keys(workspace_id))
        if unknown:
            raise ApplicationError(_("Unknown placeholders: %(names)s") % {"names": ", ".join(unknown)})
    if any(ch in (fields.get("subject") or "") for ch in "\r\n"):
        raise ApplicationError(_("A subject is one line."))


def message_create(*, workspace: Workspace, actor: Membership, **fields: object) -> OutboundMessage:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"message_create() got unknown fields {sorted(unknown)}")
    _check(workspace.pk, fields)
    if "body" in fields:
        fields["body"] = sanitize(str(fields["body"]))
    if fields.get("rule"):
        fields["rule"] = audience.parse(fields["rule"], workspace=workspace).as_json()
    return OutboundMessage.objects.create(workspace=workspace, created_by=actor, **fields)


def message_update(*, message: OutboundMessage, **fields: object) -> OutboundMessage:
    """Edit a message. A live message may change its words and its stop date; its audience
    and delivery are fixed once it went live (pause, or stop and duplicate, to change them)."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"message_update() got unknown fields {sorted(unknown)}")
    _check(message.workspace_id, fields)
    if message.state in (OutboundMessage.State.LIVE, OutboundMessage.State.STOPPED) and (
        {"rule", "delivery"} & {name for name, value in fields.items() if getattr(message, name) != value}
    ):
        raise ApplicationError(_("The audience and delivery of a live or stopped message cannot change."))
    if "body" in fields:
        fields["body"] = sanitize(str(fields["body"]))
    if "rule" in fields and fields["rule"]:
        fields["rule"] = audience.parse(fields["rule"], workspace=message.workspace).as_json()
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=[*fields, "updated_at"])
    return message


def _enqueue_evaluation(message: OutboundMessage) -> None:
    from outbound.tasks import message_evaluate

    transaction.on_commit(lambda: message_evaluate.delay(message.workspace_id, message.pk))


@transaction.atomic
def message_set_live(*, message: OutboundMessage, actor: Membership) -> OutboundMessage:
    """Start sending (or schedule it, with a start date in the future)."""
    message = OutboundMessage.objects.for_workspace(message.workspace_id).select_for_update().get(pk=message.pk)
    # A scheduled message is set live again to confirm a start that passed unsent (SCHEDULE_GRACE).
    if message.state not in (OutboundMessage.State.DRAFT, OutboundMessage.State.PAUSED, OutboundMessage.State.SCHEDULED):
        raise ApplicationError(_("Only a draft or a paused message can be set live."))
    if not message.subject.strip() or not message.body.strip():
        raise ApplicationError(_("An email needs a subject and a body before it goes live."))
    if message.sender_kind == OutboundMessage.Sender.TEAMMATE and message.sender is None:
        raise ApplicationError(_("Choose who the email is from."))
    audience.parse(message.rule or audience.EVERYONE, workspace=message.workspace)  # RuleError if it broke
    now = timezone.now()
    if message.stops_at and message.stops_at <= now:
        raise ApplicationError(_("The stop date has passed."))
    was_scheduled = message.state == OutboundMessage.State.SCHEDULED
    message.state = (
        OutboundMessage.State.SCHEDULED if message.starts_at and message.starts_at > now else OutboundMessage.State.LIVE
    )
    if was_scheduled and message.state == OutboundMessage.State.SCHEDULED:
        raise ApplicationError(_("This message is already scheduled."))
    message.went_live_at = message.went_live_at or now
    message.save(update_fields=["state", "went_live_at", "updated_at"])
    if message.state == OutboundMessage.State.LIVE:
        _enqueue_evaluation(message)
    return message


def message_pause(*, message: OutboundMessage) -> OutboundMessage:
    """Stop sending at once; workers check before every email. Resume with set live."""
    updated = OutboundMessage.objects.for_workspace(message.workspace_id).filter(
        pk=message.pk, state__in=[OutboundMessage.State.LIVE, OutboundMessage.State.SCHEDULED]
    ).update(state=OutboundMessage.State.PAUSED, updated_at=timezone.now())
    if not updated:
        raise ApplicationError(_("Only a live or scheduled message can be paused."))
    message.refresh_from_db()
    return message


@transaction.atomic
def message_stop(*, message: OutboundMessage) -> OutboundMessage:
    """For good: nothing more is sent; what waited is marked skipped."""
    from outbound.sending import stop_pending

    message = OutboundMessage.objects.for_workspace(message.workspace_id).select_for_update().get(pk=message.pk)
    if message.state == OutboundMessage.State.DRAFT:
        raise ApplicationError(_("A draft has nothing to stop; delete it instead."))
    message.state = OutboundMessage.State.STOPPED
    message.save(update_fields=["state", "updated_at"])
    stop_pending(message=message)
    return message


def message_delete(*, message: OutboundMessage) -> None:
    if message.state != OutboundMessage.State.DRAFT:
        raise ApplicationError(_("Only drafts can be deleted; stop a message that went live."))
    message.delete()


# A scheduled message whose start passed longer ago than this is not sent by itself: after a
# restore from backup or a clock jump, a teammate confirms it first (set it live again).
SCHEDULE_GRACE = dt.timedelta(hours=1)


def scheduled_start(*, now=None) -> list[OutboundMessage]:  # type: ignore[no-untyped-def]
    """Scheduled messages whose start has come (within the grace period) become live (beat)."""
    now = now or timezone.now()
    # Crosses workspaces on purpose: a periodic sweep; each message is handled in its own scope.
    due = list(OutboundMessage.all_workspaces.filter(
        state=OutboundMessage.State.SCHEDULED, starts_at__lte=now, starts_at__gt=now - SCHEDULE_GRACE
    ))
    for message in due:
        with transaction.atomic():
            OutboundMessage.objects.for_workspace(message.workspace_id).filter(
                pk=message.pk, state=OutboundMessage.State.SCHEDULED
            ).update(state=OutboundMessage.State.LIVE, updated_at=now)
            _enqueue_evaluation(message)
    return due


def test_contact(*, membership: Membership) -> Contact:
    """The person a test send goes to: a contact standing for the teammate, never in any
    audience of the workspace (a visitor with the teammate's address)."""
    contact = (
        Contact.objects.for_workspace(membership.workspace_id)
        .filter(role=Contact.Role.VISITOR, email=membership.user.email, browser_id=f"teammate-test-{membership.pk}")
        .first()
    )
    if contact is None:
        contact = Contact.objects.create(
            workspace_id=membership.workspace_id, role=Contact.Role.VISITOR, email=membership.user.email,
            name=membership.user.name, browser_id=f"teammate-test-{membership.pk}",
        )
    return contact


def message_send_test(*, message: OutboundMessage, membership: Membership, as_contact: Contact | None = None) -> None:
    """Send the email to the teammate themselves now, filled in as `as_contact` (else as
    them), with no tracking and outside the message's counts."""
    from django.core.mail import get_connection

    from outbound import rendering, sending
    from outbound.sending import _companies

    if as_contact is not None and as_contact.workspace_id != message.workspace_id:
        raise ApplicationError("contact from another workspace")
    shown = as_contact or test_contact(membership=membership)
    rendered = rendering.preview(message, contact=shown, company=_companies([shown.pk], message.workspace_id).get(shown.pk))
    fake = Delivery(workspace_id=message.workspace_id, message=message, contact=shown, email=membership.user.email,
                    token="test", email_message_id="")
    email = sending.build_email(message=message, delivery=fake, rendered=rendering.Rendered(
        subject=f"[{_('Test')}] {rendered.subject}", html=rendered.html, text=rendered.text), connection=get_connection())
    email.extra_headers.pop("List-Unsubscribe", None)
    email.extra_headers.pop("List-Unsubscribe-Post", None)
    email.reply_to = []
    email.send()


def template_save(*, workspace: Workspace, actor: Membership, template: EmailTemplate | None, name: str,
                  html: str) -> EmailTemplate:
    """Create or edit a saved layout. Not sanitized (a layout is a whole document with <head>
    and <style>): only admins write them, and they are rendered only into emails and into
    sandboxed preview frames, never into the app's pages."""
    from outbound.rendering import CONTENT_MARKER

    if html.count(CONTENT_MARKER) != 1:
        raise ApplicationError(_("The layout needs the marker <!--PARLEY:CONTENT--> exactly once, where the body goes."))
    if template is None:
        return EmailTemplate.objects.create(workspace=workspace, created_by=actor, name=name, html=html)
    if template.workspace_id != workspace.pk:
        raise ApplicationError(_("That template is not in this workspace."))
    template.name, template.html = name, html
    template.save(update_fields=["name", "html", "updated_at"])
    return template


def template_delete(*, template: EmailTemplate) -> None:
    """Messages that used it fall back to the default built-in layout."""
    template.delete()
