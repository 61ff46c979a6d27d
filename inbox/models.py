"""Conversations between a contact and the team. The messenger writes them (this issue); the
Inbox issue adds the agents' screens over the same rows."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from workspaces.scoping import WorkspaceScopedModel


class Conversation(WorkspaceScopedModel):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        SNOOZED = "snoozed", _("Snoozed")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        MESSENGER = "messenger", _("Messenger")
        EMAIL = "email", _("Email")
        OUTBOUND = "outbound", _("Outbound reply")

    number = models.PositiveIntegerField()
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MESSENGER)
    assignee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("workspaces.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_priority = models.BooleanField(default=False)
    # The browser that started it. Without proof of identity, a messenger session sees only
    # the conversations its own browser started (identity verification, issue 3).
    browser_id = models.CharField(max_length=64, blank=True)
    preview = models.CharField(max_length=255, blank=True)
    # The subject of the email that started it (email conversations); threads the emails.
    subject = models.CharField(max_length=255, blank=True)
    tags = models.ManyToManyField("workspaces.Tag", blank=True, related_name="+")
    # Set by "mark unread": the conversation shows as unread in the inbox until opened.
    unread_by_team = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField()
    first_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_teammate_reply_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Until when the customer has read the thread, and whether a reply came after that
    # (kept as a flag so the messenger's badge is a plain indexed count).
    customer_read_at = models.DateTimeField(null=True, blank=True)
    unread_by_customer = models.BooleanField(default=False)
    # Satisfaction, asked in the messenger when the conversation is closed.
    csat_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    csat_remark = models.TextField(blank=True)
    csat_rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", "number", name="conversation_unique_number"),
            models.CheckConstraint(
                condition=models.Q(csat_rating__isnull=True) | models.Q(csat_rating__gte=1, csat_rating__lte=5),
                name="conversation_csat_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "state", "-last_activity_at"], name="conversation_ws_state_recent"),
            models.Index(fields=["workspace", "contact", "-last_activity_at"], name="conversation_ws_contact"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class ConversationPart(WorkspaceScopedModel):
    """One entry of a conversation's timeline: a message, a note or an event. The timeline
    is data written by services, never a side effect of signals."""

    class Kind(models.TextChoices):
        CUSTOMER_MESSAGE = "customer", _("Customer message")
        TEAMMATE_REPLY = "reply", _("Teammate reply")
        NOTE = "note", _("Internal note")
        BOT_MESSAGE = "bot", _("Bot message")
        EVENT = "event", _("Event")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    author_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_membership = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Plain text as typed; templates escape it, so HTML a customer sends is shown as text.
    body = models.TextField(blank=True)
    event = models.CharField(max_length=32, blank=True)
    event_data = models.JSONField(default=dict, blank=True)
    # A customer message that arrived by email, or the email that relayed a teammate reply
    # the customer had not read (a part is in at most one such email).
    inbound_email = models.ForeignKey(
        "inbox.InboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_email = models.ForeignKey(
        "inbox.ReplyEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="parts"
    )
    # A help-center article a teammate sent with the reply; the messenger shows it as a card
    # that opens the article inside the panel.
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "conversation", "id"], name="part_ws_conversation")]
        ordering = ["id"]

    @property
    def is_visible_to_customer(self) -> bool:
        return self.kind in (self.Kind.CUSTOMER_MESSAGE, self.Kind.TEAMMATE_REPLY, self.Kind.BOT_MESSAGE)


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    import secrets

    return f"attachments/{instance.workspace_id}/{secrets.token_urlsafe(18)}{instance.extension}"


class Attachment(WorkspaceScopedModel):
    """A file attached to a part, accepted by core/uploads.py (pictures re-encoded by Pillow,
    a few document kinds checked by their content). Stored under a random name, never the
    sender's; served only through a signed address (messenger/views.py::attachment)."""

    part = models.ForeignKey(ConversationPart, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to)
    # Long enough for the OOXML types (application/vnd.openxmlformats-officedocument...).
    content_type = models.CharField(max_length=128)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    # The sender's name for it, already made safe (core.uploads.safe_filename): shown and
    # offered as the download's name, never used on disk.
    filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def extension(self) -> str:
        from core.uploads import extension_for

        return extension_for(self.content_type)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SavedReply(WorkspaceScopedModel):
    """A reply teammates reuse, with placeholders such as {{first_name | fallback: "there"}}."""

    name = models.CharField(_("name"), max_length=80)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="saved_reply_unique_name_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationMention(WorkspaceScopedModel):
    """A teammate @mentioned in an internal note; feeds their Mentions view."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    part = models.ForeignKey(ConversationPart, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey("workspaces.Membership", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "part", "membership", name="mention_unique_per_part")]
        indexes = [models.Index(fields=["workspace", "membership", "conversation"], name="mention_ws_member")]


class ReplyEmail(WorkspaceScopedModel):
    """The outbox row of one email relaying teammate replies the customer had not read.
    Its Message-ID is fixed when the row is written, so a retried send is the same message
    to the customer's mail program, and their answer threads back by it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    to_email = models.EmailField()
    message_id = models.CharField(max_length=255)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A sender's lease: another copy of the task leaves the row alone until it expires.
    locked_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "message_id", name="reply_email_unique_message_id")]
        indexes = [models.Index(fields=["status", "created_at"], name="reply_email_status")]


class InboundEmail(WorkspaceScopedModel):
    """The receipt of an email that arrived at the workspace's address. The webhook only
    stores it; a task threads it into a conversation (or starts one), and what could not
    be used stays here with its reason, visible in the inbox's email log."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        THREADED = "threaded", _("Added to a conversation")
        STARTED = "started", _("Started a conversation")
        IGNORED = "ignored", _("Ignored")
        QUARANTINED = "quarantined", _("Quarantined")

    provider = models.CharField(max_length=32)
    message_id = models.CharField(max_length=255)
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    # The message as received (MIME); empty when it was refused for its size.
    raw = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    reason = models.CharField(max_length=255, blank=True)
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A provider retrying its webhook, or a message sent twice, is received once.
            models.UniqueConstraint("workspace", "provider", "message_id", name="inbound_email_unique_message"),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="inbound_email_ws_recent"),
            models.Index(fields=["workspace", "message_id"], name="inbound_email_ws_message_id"),
        ]
