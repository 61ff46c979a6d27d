from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        # An explicit allow-list: email, role, is_staff and the like can never be posted in.
        fields = ["name", "avatar", "language", "is_away"]
        widgets = {"avatar": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"})}

    def clean_avatar(self):  # type: ignore[no-untyped-def]
        avatar = self.cleaned_data.get("avatar")
        if not avatar or not hasattr(avatar, "content_type"):
            return avatar  # unchanged or cleared
        if avatar.size > settings.AVATAR_MAX_BYTES:
            raise ValidationError(_("The picture is larger than 2 MB."))
        from accounts.services import avatar_normalize

        try:
            return avatar_normalize(upload=avatar)
        except ValueError as exc:
            raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP picture.")) from exc


class AccountCreateForm(forms.Form):
    """Sign-up through an invitation: the email comes from the invitation, not the form."""

    name = forms.CharField(label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )

    def __init__(self, *args, email: str, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
