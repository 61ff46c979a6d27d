"""Tickets: customer requests the team handles behind the scenes (seeds: 004).

A ticket has a type (customer, back-office or tracker) with its own fields, a per-workspace
number shown to the customer (#123), one of four states whose labels each workspace words
for its team and for its customers, and a timeline of parts: the customer's and the team's
messages, internal notes and events (state changes, assignments, field changes), written by
services in the same transaction as the change. Customer tickets may be linked to a tracker
ticket (one problem, many customers) and to the conversation they came from.

Time is accounted as the ticket moves: `team_seconds` is the time spent in submitted and in
progress (the team's clock), `waiting_seconds` the time waiting on the customer (excluded
from the team's clock), `resolved_at` the end."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.scoping import WorkspaceScopedModel


class TicketState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")


# What the customer reads when a workspace has not worded a state itself.
DEFAULT_CUSTOMER_LABELS = {
    TicketState.SUBMITTED: _("Submitted"),
    TicketState.IN_PROGRESS: _("In progress"),
    TicketState.WAITING: _("Waiting on you"),
    TicketState.RESOLVED: _("Resolved"),
}


class TicketStateLabel(WorkspaceScopedModel):
    """A workspace's own words for a state: for its team, and for its customers."""

    state = models.CharField(max_length=12, choices=TicketState.choices)
    internal_label = models.CharField(_("label for the team"), max_length=60)
    customer_label = models.CharField(_("label for customers"), max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "state"], name="ticket_state_label_once")]


class TicketType(WorkspaceScopedModel):
    class Category(models.TextChoices):
        CUSTOMER = "customer", _("Customer ticket")
        BACK_OFFICE = "back_office", _("Back-office ticket")
        TRACKER = "tracker", _("Tracker ticket")

    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    name = models.CharField(_("name"), max_length=80)
    icon = models.CharField(_("icon"), max_length=8, default="🎫")
    description = models.TextField(_("description"), blank=True)
    default_title = models.CharField(_("default title"), max_length=200, blank=True)
    default_description = models.TextField(_("default description"), blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="ticket_type_name_unique")]

    def __str__(self) -> str:
        return self.name


class TicketField(WorkspaceScopedModel):
    """A field of a ticket type; whether the customer sees it, and fills it in."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        BOOLEAN = "boolean", _("Yes or no")
        DATE = "date", _("Date")
        LIST = "list", _("List")
        FILE = "file", _("File")

    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=60)  # the values' key, stable when the label changes
    label = models.CharField(_("label"), max_length=120)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    options = models.JSONField(default=list, blank=True)  # for lists
    required = models.BooleanField(_("required"), default=False)
    customer_visible = models.BooleanField(_("the customer sees it"), default=True)
    customer_fills = models.BooleanField(_("the customer fills it in"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "ticket_type", "key"], name="ticket_field_key_unique"),
            # A customer cannot fill in what they cannot see.
            models.CheckConstraint(condition=Q(customer_fills=False) | Q(customer_visible=True),
                                   name="ticket_field_filled_is_visible"),
        ]


class Ticket(WorkspaceScopedModel):
    number = models.PositiveIntegerField()
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=TicketType.Category.choices)  # the type's, copied
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=TicketState.choices, default=TicketState.SUBMITTED)
    values = models.JSONField(default=dict, blank=True)  # field key -> value (validated by the type's fields)

    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the customer (none for a tracker)
    conversation = models.ForeignKey(
        "inbox.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tracker = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="linked_tickets",
        limit_choices_to={"category": TicketType.Category.TRACKER},
    )
    assignee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("workspaces.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # none when the customer (or a bot) opened it

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    team_seconds = models.PositiveIntegerField(default=0)  # submitted + in progress
    waiting_seconds = models.PositiveIntegerField(default=0)  # waiting on the customer
    # The customer has not seen the latest change the team made (the messenger's badge).
    unread_by_customer = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="ticket_number_unique"),
            models.CheckConstraint(condition=~Q(category="tracker") | Q(contact__isnull=True),
                                   name="ticket_tracker_has_no_customer"),
        ]
        indexes = [
            # The tickets list: newest first within a state, keyset by (updated_at, id).
            models.Index(fields=["workspace", "state", "-updated_at", "-id"], name="ticket_state_recent"),
            # Views across states (all open, mine, my teams, unassigned) walk this in order and
            # stop after a page, instead of sorting every unresolved ticket.
            models.Index(fields=["workspace", "-updated_at", "-id"], name="ticket_recent"),
            models.Index(fields=["workspace", "assignee", "state"], name="ticket_assignee"),
            models.Index(fields=["workspace", "team", "state"], name="ticket_team"),
            # "Mine" and "my teams" in list order: a teammate with few tickets must not walk
            # the whole workspace's recent index to find none.
            models.Index(fields=["workspace", "assignee", "-updated_at", "-id"], name="ticket_assignee_recent"),
            models.Index(fields=["workspace", "team", "-updated_at", "-id"], name="ticket_team_recent"),
            models.Index(fields=["workspace", "contact", "-created_at"], name="ticket_contact"),
            models.Index(fields=["workspace", "tracker"], name="ticket_tracker"),
        ]


class TicketPart(WorkspaceScopedModel):
    """One entry of a ticket's timeline."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer message")
        REPLY = "reply", _("Teammate reply")
        NOTE = "note", _("Internal note")
        EVENT = "event", _("Event")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    author_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_membership = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)  # plain text as typed; templates escape it
    event = models.CharField(max_length=32, blank=True)  # state_changed, assigned, field_changed, linked, …
    event_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["workspace", "ticket", "id"], name="ticket_part_timeline")]

    @property
    def is_visible_to_customer(self) -> bool:
        """Internal notes never; events only for state changes (which the customer follows)."""
        if self.kind in (self.Kind.CUSTOMER, self.Kind.REPLY):
            return True
        return self.kind == self.Kind.EVENT and self.event == "state_changed"


def ticket_attachment_upload_to(instance: TicketAttachment, filename: str) -> str:
    import secrets

    return f"tickets/{instance.workspace_id}/{secrets.token_urlsafe(18)}{instance.extension}"


class TicketAttachment(WorkspaceScopedModel):
    """A file on a ticket's part or in a file field, checked by core/uploads.py."""

    part = models.ForeignKey(TicketPart, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    field_key = models.SlugField(max_length=60, blank=True)  # when it is a file field's value
    file = models.FileField(upload_to=ticket_attachment_upload_to)
    content_type = models.CharField(max_length=128)
    extension = models.CharField(max_length=8, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
