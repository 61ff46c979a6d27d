"""Outbound messages: emails to an audience (in-app chats, posts and series join later on the
same rows: `OutboundMessage.kind`).

Durability lives in PostgreSQL (STYLE 3.5): a message set live gets one `Delivery` row per
(message, contact) under a unique constraint, written by INSERT … SELECT from the audience
engine; workers claim pending rows with SELECT … FOR UPDATE SKIP LOCKED and a lease, send,
and record the outcome. A retried or duplicated task finds the row already claimed or sent,
so nobody is sent twice; a beat sweep hands rows whose worker died back to the queue.

Tracking (opens, clicks), provider events (delivered, bounced, complained) and replies are
recorded on the delivery and as `DeliveryEvent` rows, deduplicated by the provider's event
id. Unsubscribes, hard bounces and complaints suppress the address for the workspace
(`Suppression`); a suppressed address is never sent to."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from workspaces.scoping import WorkspaceScopedModel


class EmailTemplate(WorkspaceScopedModel):
    """A saved layout: HTML around the message body (`{{ content }}`), sanitized on save.
    Built-in layouts live in code (outbound/templates_builtin.py)."""

    name = models.CharField(_("name"), max_length=80)
    html = models.TextField(_("layout"))
    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="email_template_name_unique")]


class OutboundMessage(WorkspaceScopedModel):
    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    class DeliveryMode(models.TextChoices):
        FIXED = "fixed", _("Fixed: whoever matches when it is set live, once")
        DYNAMIC = "dynamic", _("Dynamic: whoever matches now and later, each once")

    class Sender(models.TextChoices):
        TEAMMATE = "teammate", _("A teammate")
        WORKSPACE = "workspace", _("The workspace's address")

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EMAIL)
    title = models.CharField(_("title"), max_length=120)  # internal, never sent
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)

    sender_kind = models.CharField(_("sender"), max_length=10, choices=Sender.choices, default=Sender.TEAMMATE)
    sender = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who gets the replies in the inbox: a teammate, a team, or (neither) nobody in particular.
    reply_assignee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_team = models.ForeignKey("workspaces.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)  # sanitized HTML with {{placeholders}}
    builtin_template = models.CharField(max_length=32, blank=True)  # a key of templates_builtin.LAYOUTS
    template = models.ForeignKey(EmailTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    rule = models.JSONField(default=dict)  # the audience engine's rule JSON
    delivery = models.CharField(
        _("delivery"), max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.FIXED
    )
    starts_at = models.DateTimeField(_("start sending"), null=True, blank=True)
    stops_at = models.DateTimeField(_("stop sending"), null=True, blank=True)
    # Sending window in the workspace's time zone: weekdays (0 = Monday) and hours [start, end).
    window_days = models.JSONField(default=list, blank=True)  # empty: every day
    window_start_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    window_end_hour = models.PositiveSmallIntegerField(null=True, blank=True)

    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    went_live_at = models.DateTimeField(null=True, blank=True)
    # Contacts found by the audience so far (fixed: once; dynamic: grows with each evaluation).
    audience_size = models.PositiveIntegerField(default=0)
    audience_evaluated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["workspace", "state"], name="outbound_message_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start_hour__isnull=True) | Q(window_start_hour__lte=23), name="outbound_window_start"
            ),
            models.CheckConstraint(
                condition=Q(window_end_hour__isnull=True) | Q(window_end_hour__lte=24), name="outbound_window_end"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(WorkspaceScopedModel):
    """One message to one contact: the idempotency key of sending (unique per message and
    contact), its lease while a worker sends it, and what happened to it afterwards."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent: unsubscribed or bounced")
        SKIPPED = "skipped", _("Not sent: stopped")

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    email = models.EmailField(max_length=254, blank=True)  # the address it went to
    # Random, unguessable: the key of tracking, unsubscribe and reply addresses (signed in URLs).
    token = models.CharField(max_length=32, unique=True)
    email_message_id = models.CharField(max_length=255, blank=True)  # our Message-ID header, stable across retries
    provider_message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    machine_opened_at = models.DateTimeField(null=True, blank=True)  # mail proxies and scanners
    clicked_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    # The conversation a reply to this email started (inbox), for the thread and the counts.
    conversation = models.ForeignKey(
        "inbox.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "message", "contact"], name="delivery_once_per_contact")
        ]
        indexes = [
            # Workers claim a message's pending rows in id order.
            models.Index(fields=["workspace", "message", "status", "id"], name="delivery_claim"),
            models.Index(fields=["workspace", "contact", "-created_at"], name="delivery_contact"),
            models.Index(fields=["status", "locked_until"], name="delivery_lease",
                         condition=Q(status="sending")),
            # Provider webhooks find their delivery by the provider's id or our Message-ID.
            models.Index(fields=["provider_message_id"], name="delivery_provider_id",
                         condition=~Q(provider_message_id="")),
            models.Index(fields=["email_message_id"], name="delivery_message_id",
                         condition=~Q(email_message_id="")),
        ]


class DeliveryEvent(WorkspaceScopedModel):
    """Something that happened to a delivery (opened, clicked, delivered, bounced, …), once:
    a provider's event id is unique, so a webhook delivered twice changes nothing twice."""

    class Kind(models.TextChoices):
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        REPLIED = "replied", _("Replied")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        FAILED = "failed", _("Failed")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    event_id = models.CharField(max_length=255, blank=True)  # the provider's, when it has one
    url = models.URLField(max_length=2000, blank=True)  # for clicks
    machine = models.BooleanField(default=False)  # an open or click by a proxy or scanner
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "event_id"], condition=~Q(event_id=""), name="delivery_event_once"
            )
        ]
        indexes = [models.Index(fields=["workspace", "delivery", "kind"], name="delivery_event_kind")]


class Suppression(WorkspaceScopedModel):
    """An address the workspace must not email: unsubscribed, hard-bounced or complained."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")

    email = models.EmailField(max_length=254)  # lower-cased
    reason = models.CharField(max_length=12, choices=Reason.choices)
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(F("workspace"), Lower("email"), name="suppression_email_unique"),
        ]
