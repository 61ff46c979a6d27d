from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


def avatar_upload_to(instance: User, filename: str) -> str:
    import secrets

    # A random name: the original filename is user input and would leak into URLs.
    return f"avatars/{secrets.token_urlsafe(16)}.png"


class User(AbstractUser):
    """A teammate. Signs in with an email; belongs to workspaces through Membership."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_away = models.BooleanField(
        _("away"), default=False, help_text=_("Away teammates are not assigned new conversations.")
    )
    last_workspace = models.ForeignKey(
        "workspaces.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def avatar_color(self) -> int:
        return (self.pk or 0) % 8

    @property
    def initials(self) -> str:
        parts = [p for p in (self.name or self.email).replace("@", " ").split() if p]
        if not parts:
            return "?"
        if len(parts) == 1 or not parts[0].isascii():
            return parts[0][:2].upper() if parts[0].isascii() else parts[0][:1]
        return (parts[0][0] + parts[1][0]).upper()
