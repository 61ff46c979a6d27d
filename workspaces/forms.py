from __future__ import annotations

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.widgets import LongSelect
from workspaces.models import Membership, OfficeHoursInterval, Team, Workspace, slug_validator

# Common zones first, then every IANA zone, so the select stays usable.
_COMMON_ZONES = ["Asia/Tokyo", "UTC", "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Paris"]
TIMEZONE_CHOICES = [(z, z) for z in _COMMON_ZONES] + [
    (z, z) for z in sorted(zoneinfo.available_timezones()) if z not in _COMMON_ZONES
]


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=80)
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        required=False,
        validators=[slug_validator],
        help_text=_("Used in links: /w/<address>/. Leave empty to derive it from the name."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES, initial="Asia/Tokyo", widget=LongSelect)
    language = forms.ChoiceField(label=_("Default language"), choices=Workspace._meta.get_field("default_language").choices)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        if slug and Workspace.objects.filter(slug=slug).exists():
            raise ValidationError(_("That address is already taken."))
        return slug


class WorkspaceSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES, widget=LongSelect)

    class Meta:
        model = Workspace
        # An explicit allow-list: app_id and identity_secret are never taken from a form.
        fields = ["name", "slug", "timezone", "default_language", "expected_reply_time", "messenger_color",
                  "email_tracking_enabled"]
        widgets = {"messenger_color": forms.TextInput(attrs={"type": "color"})}
        help_texts = {"slug": _("Used in links: /w/<address>/. Changing it breaks old bookmarks.")}

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].strip().lower()

    def clean_messenger_color(self) -> str:
        return self.cleaned_data["messenger_color"].lower()


class OfficeHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(
        # The blank choice lets an untouched spare row count as "unchanged" and be skipped.
        label=_("Day"), choices=[("", "—"), *OfficeHoursInterval.Weekday.choices], coerce=int
    )
    opens_at = forms.TimeField(label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    closes_at = forms.TimeField(label=_("Closes"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and opens >= closes:
            raise ValidationError(_("Closing time must be after opening time."))
        return cleaned


class BaseOfficeHoursFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        by_day: dict[int, list[tuple]] = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            by_day.setdefault(data["weekday"], []).append((data["opens_at"], data["closes_at"]))
        for intervals in by_day.values():
            intervals.sort()
            for (_o1, close1), (open2, _c2) in zip(intervals, intervals[1:]):
                if open2 < close1:
                    raise ValidationError(_("Two intervals on the same day overlap."))

    def intervals(self) -> list[tuple]:
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["opens_at"], f.cleaned_data["closes_at"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


OfficeHoursFormSet = forms.formset_factory(
    OfficeHoursForm, formset=BaseOfficeHoursFormSet, extra=2, can_delete=True, max_num=28, validate_max=True
)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.AGENT)

    def __init__(self, *args, actor: Membership, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not actor.is_owner:
            self.fields["role"].choices = [c for c in Membership.Role.choices if c[0] != Membership.Role.OWNER]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=80)
    round_robin = forms.BooleanField(
        label=_("Assign conversations to members in turn"), required=False,
        help_text=_("Skips teammates who are away."),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=Membership.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, workspace: Workspace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Only this workspace's teammates can be chosen: an id from elsewhere is "not a choice".
        self.fields["members"].queryset = (
            Membership.objects.for_workspace(workspace).filter(is_active=True).select_related("user").order_by("user__name")
        )
        self.fields["members"].label_from_instance = lambda m: m.user.name or m.user.email


def team_form_initial(team: Team) -> dict:
    return {"name": team.name, "members": list(team.members.all()), "round_robin": team.round_robin}


class MessengerSettingsForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["messenger_color", "launcher_alignment", "identity_verification_required"]
        widgets = {"messenger_color": forms.TextInput(attrs={"type": "color"})}

    def clean_messenger_color(self) -> str:
        return self.cleaned_data["messenger_color"].lower()
