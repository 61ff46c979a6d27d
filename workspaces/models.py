from __future__ import annotations

import datetime as dt
import secrets
import string
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.scoping import WorkspaceScopedModel

if TYPE_CHECKING:
    from accounts.models import User

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$",
    _("Use 3 to 40 lowercase letters, digits or hyphens, starting and ending with a letter or digit."),
)
color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #3b5bdb."))


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def generate_app_id() -> str:
    # Intercom's app ids are 8 lowercase letters and digits; snippets copied from Intercom
    # keep working when only the script URL changes.
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def generate_identity_secret() -> str:
    return secrets.token_urlsafe(32)


class Workspace(models.Model):
    """A customer of Parley (Intercom's "app"). Not itself scoped: it is the scope."""

    class ReplyTime(models.TextChoices):
        MINUTES = "minutes", _("In a few minutes")
        HOURS = "hours", _("In a few hours")
        DAY = "day", _("In a day")

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("address"), max_length=40, unique=True, validators=[slug_validator])
    app_id = models.CharField(max_length=16, unique=True, default=generate_app_id, editable=False)
    identity_secret = models.CharField(max_length=64, default=generate_identity_secret, editable=False)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_timezone])
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="ja"
    )
    expected_reply_time = models.CharField(
        _("expected reply time"), max_length=16, choices=ReplyTime.choices, default=ReplyTime.HOURS
    )
    messenger_color = models.CharField(
        _("messenger colour"), max_length=7, default="#3b5bdb", validators=[color_validator]
    )
    launcher_alignment = models.CharField(
        _("launcher position"), max_length=5, default="right",
        choices=[("right", _("Bottom right")), ("left", _("Bottom left"))],
    )
    identity_verification_required = models.BooleanField(
        _("require identity verification"),
        default=False,
        help_text=_("Ignore user_id and email sent to the messenger unless a valid user_hash or JWT proves them."),
    )
    email_tracking_enabled = models.BooleanField(
        _("track email opens and clicks"),
        default=True,
        help_text=_("Outbound emails carry an open pixel and links through Parley's click tracker."),
    )
    # Last per-workspace conversation number handed out (allocated under a row lock).
    conversation_seq = models.PositiveIntegerField(default=0, editable=False)
    # Last per-workspace ticket number handed out (tickets/services.py, under the same lock).
    ticket_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_within_office_hours(self, at: dt.datetime | None = None) -> bool:
        """True when `at` (default: now) falls inside one of the workspace's office-hours
        intervals, read in the workspace's own time zone. No intervals means always open."""
        intervals = list(OfficeHoursInterval.objects.for_workspace(self))
        if not intervals:
            return True
        local = (at or timezone.now()).astimezone(self.tzinfo)
        now = local.time()
        return any(
            interval.weekday == local.weekday() and interval.opens_at <= now < interval.closes_at
            for interval in intervals
        )


    def next_opening(self, at: dt.datetime | None = None) -> dt.datetime | None:
        """When the team is next within office hours after `at` (None: always open, or
        open now)."""
        intervals = list(OfficeHoursInterval.objects.for_workspace(self))
        now = (at or timezone.now()).astimezone(self.tzinfo)
        if not intervals or self.is_within_office_hours(now):
            return None
        for days_ahead in range(8):
            day = (now + dt.timedelta(days=days_ahead)).date()
            for interval in intervals:
                if interval.weekday != day.weekday():
                    continue
                opening = dt.datetime.combine(day, interval.opens_at, tzinfo=self.tzinfo)
                if opening > now:
                    return opening
        return None


class Membership(WorkspaceScopedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        AGENT = "agent", _("Agent")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    # When a conversation was last assigned to this teammate (round-robin picks the oldest).
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")]
        indexes = [models.Index(fields=["workspace", "role"])]
        ordering = ["joined_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        """Owners and admins manage the workspace; agents work in it."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class Team(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=80)
    members = models.ManyToManyField(Membership, blank=True, related_name="teams", verbose_name=_("members"))
    round_robin = models.BooleanField(
        _("assign in turn"), default=False,
        help_text=_("Conversations assigned to the team go to its available (not away) members in turn."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="team_unique_name_ci"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(WorkspaceScopedModel):
    """A label teammates put on conversations (and, with the Contacts issue, on people)."""

    name = models.CharField(_("name"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="tag_unique_name_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfficeHoursInterval(WorkspaceScopedModel):
    """One weekly opening, e.g. Monday 09:00–18:00, in the workspace's time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens"))
    closes_at = models.TimeField(_("closes"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="office_hours_open_before_close"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="office_hours_valid_weekday"),
        ]
        ordering = ["weekday", "opens_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


def generate_invitation_secret() -> str:
    return secrets.token_urlsafe(24)


class Invitation(WorkspaceScopedModel):
    """An invitation to join a workspace.

    The link carries a token signed with SECRET_KEY over (id, secret); resending rotates
    `secret`, which kills every earlier link. Accepting sets `accepted_at` under a row lock,
    so a link works once; `expires_at` bounds its life."""

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices, default=Membership.Role.AGENT)
    secret = models.CharField(max_length=64, default=generate_invitation_secret, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.is_pending and not self.is_expired

    def matches(self, user: User) -> bool:
        return user.email.lower() == self.email.lower()
