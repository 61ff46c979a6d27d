"""Input of the teammates' outbound screens. Every id that arrives in a form is chosen from a
queryset of the request's workspace, so an id from elsewhere is simply "not a choice"; the
fields a form does not name (workspace, state, audience size, …) cannot be posted into a
message."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts import audience
from outbound import placeholders, templates_builtin
from outbound.models import EmailTemplate, OutboundMessage
from outbound.rendering import CONTENT_MARKER
from workspaces.models import Membership, Team, Workspace

BODY_MAX_LENGTH = 500_000
TEMPLATE_MAX_LENGTH = 200_000
WEEKDAYS = [(0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun"))]
HOURS = [("", "—")] + [(str(hour), f"{hour:02d}:00") for hour in range(25)]


class MessageFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states")), *OutboundMessage.State.choices])
    page = forms.IntegerField(min_value=1, required=False)


def _member_label(member: Membership) -> str:
    return member.user.name or member.user.email


def teammates(workspace: Workspace):  # type: ignore[no-untyped-def]
    return (Membership.objects.for_workspace(workspace).filter(is_active=True).select_related("user")
            .order_by("user__name", "user__email"))


def layout_choices(workspace: Workspace) -> list[tuple[str, Any]]:
    """Built-in layouts and the workspace's saved templates, in one menu."""
    saved = [(f"template:{pk}", name) for pk, name in
             EmailTemplate.objects.for_workspace(workspace).values_list("pk", "name")]
    choices: list[tuple[str, Any]] = [(f"builtin:{key}", label) for key, label in templates_builtin.choices()]
    if saved:
        choices.append((_("Saved templates"), saved))
    return choices


class MessageForm(forms.Form):
    """An email's words, people and timing. Live and stopped messages lose the audience and
    delivery fields: those are fixed once the message went live (the service says so too)."""

    title = forms.CharField(label=_("Title"), max_length=120,
                            help_text=_("Only your team sees it, in the list of messages."))
    sender_kind = forms.ChoiceField(label=_("From"), choices=OutboundMessage.Sender.choices,
                                    widget=forms.RadioSelect)
    sender = forms.ModelChoiceField(label=_("Teammate"), queryset=Membership.objects.none(), required=False)
    reply_assignee = forms.ModelChoiceField(
        label=_("Replies go to a teammate"), queryset=Membership.objects.none(), required=False,
        empty_label=_("Nobody in particular"))
    reply_team = forms.ModelChoiceField(label=_("…or to a team"), queryset=Team.objects.none(), required=False,
                                        empty_label=_("No team"))
    subject = forms.CharField(label=_("Subject"), max_length=255, required=False)
    body = forms.CharField(label=_("Body"), max_length=BODY_MAX_LENGTH, required=False, widget=forms.Textarea,
                           help_text=_("HTML. Placeholders such as {{first_name | fallback: \"there\"}} are filled in for each person."))
    layout = forms.ChoiceField(label=_("Layout"), choices=())
    rule = forms.CharField(required=False, widget=forms.HiddenInput)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=OutboundMessage.DeliveryMode.choices,
                                 widget=forms.RadioSelect)
    starts_at = forms.DateTimeField(label=_("Start sending"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    stops_at = forms.DateTimeField(label=_("Stop sending"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    window_days = forms.TypedMultipleChoiceField(label=_("Days"), choices=WEEKDAYS, coerce=int, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    window_start_hour = forms.TypedChoiceField(label=_("From"), choices=HOURS[:-1], coerce=int, empty_value=None,
                                               required=False)
    window_end_hour = forms.TypedChoiceField(label=_("Until"), choices=HOURS, coerce=int, empty_value=None,
                                             required=False)

    def __init__(self, *args: Any, workspace: Workspace, audience_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.tz = zoneinfo.ZoneInfo(workspace.timezone)
        members = teammates(workspace)
        for name in ("sender", "reply_assignee"):
            self.fields[name].queryset = members
            self.fields[name].label_from_instance = _member_label
        self.fields["reply_team"].queryset = Team.objects.for_workspace(workspace).order_by("name")
        self.fields["layout"].choices = layout_choices(workspace)
        self.audience_locked = audience_locked
        if audience_locked:
            for name in ("rule", "delivery"):
                del self.fields[name]

    def _local(self, value: dt.datetime | None) -> dt.datetime | None:
        """A datetime-local input is wall-clock time in the workspace's zone, not the server's."""
        if value is None:
            return None
        return timezone.make_aware(value.replace(tzinfo=None), self.tz)

    def clean_starts_at(self) -> dt.datetime | None:
        return self._local(self.cleaned_data["starts_at"])

    def clean_stops_at(self) -> dt.datetime | None:
        return self._local(self.cleaned_data["stops_at"])

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        if "\r" in subject or "\n" in subject:
            raise ValidationError(_("A subject is one line."))
        return subject.strip()

    def clean_rule(self) -> dict:
        raw = self.cleaned_data.get("rule") or ""
        try:
            rule = audience.parse(raw or audience.EVERYONE, workspace=self.workspace)
        except audience.RuleError as exc:
            # Never an unfiltered audience in its place: the message keeps the old one.
            raise ValidationError(_("This audience cannot be used: %(reason)s") % {"reason": exc.message}) from exc
        return {} if rule.is_everyone else rule.as_json()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("sender_kind") == OutboundMessage.Sender.TEAMMATE and not data.get("sender"):
            self.add_error("sender", _("Choose the teammate the email is from."))
        if data.get("reply_assignee") and data.get("reply_team"):
            self.add_error("reply_team", _("Replies go to a teammate or to a team, not both."))
        start, end = data.get("window_start_hour"), data.get("window_end_hour")
        if (start is None) != (end is None):
            self.add_error("window_end_hour", _("Choose both hours of the sending window, or neither."))
        elif start is not None and end is not None and end <= start:
            self.add_error("window_end_hour", _("The window must end after it starts."))
        if data.get("starts_at") and data.get("stops_at") and data["stops_at"] <= data["starts_at"]:
            self.add_error("stops_at", _("Stop sending after the start."))
        customs = None
        for name in ("subject", "body"):
            text = data.get(name) or ""
            if "{{" not in text:
                continue
            if customs is None:
                from outbound.services import custom_keys

                customs = custom_keys(self.workspace)
            # Quill writes quotes as &quot;; the placeholders are read in the text as saved.
            unknown = placeholders.unknown_names(text.replace("&quot;", '"'), custom_keys=customs)
            if unknown:
                self.add_error(name, _("Unknown placeholders: %(names)s") % {"names": ", ".join(unknown)})
        return data

    def message_fields(self) -> dict[str, Any]:
        """The cleaned data as the service's keyword arguments."""
        data = self.cleaned_data
        layout = data["layout"]
        template = None
        builtin = ""
        if layout.startswith("template:"):
            template = EmailTemplate.objects.for_workspace(self.workspace).filter(pk=layout.split(":", 1)[1]).first()
        else:
            builtin = layout.split(":", 1)[1]
        fields: dict[str, Any] = {
            "title": data["title"], "sender_kind": data["sender_kind"],
            "sender": data["sender"] if data["sender_kind"] == OutboundMessage.Sender.TEAMMATE else None,
            "reply_assignee": data["reply_assignee"], "reply_team": data["reply_team"],
            "subject": data["subject"], "body": data["body"].replace("&quot;", '"'),
            "builtin_template": builtin, "template": template,
            "starts_at": data["starts_at"], "stops_at": data["stops_at"],
            "window_days": sorted(set(data["window_days"])),
            "window_start_hour": data["window_start_hour"], "window_end_hour": data["window_end_hour"],
        }
        if not self.audience_locked:
            fields["rule"] = data["rule"]
            fields["delivery"] = data["delivery"]
        return fields

    def clean_layout(self) -> str:
        layout = self.cleaned_data["layout"]
        kind, _sep, key = layout.partition(":")
        if kind == "builtin" and key in templates_builtin.LAYOUTS:
            return layout
        if kind == "template" and key.isdigit():
            return layout
        raise ValidationError(_("Choose a layout."))


def initial_for(message: OutboundMessage | None, *, membership: Membership) -> dict[str, Any]:
    if message is None:
        return {"sender_kind": OutboundMessage.Sender.TEAMMATE, "sender": membership.pk,
                "reply_assignee": membership.pk, "layout": f"builtin:{templates_builtin.DEFAULT}",
                "delivery": OutboundMessage.DeliveryMode.FIXED, "rule": ""}
    tz = zoneinfo.ZoneInfo(message.workspace.timezone)
    return {
        "title": message.title, "sender_kind": message.sender_kind, "sender": message.sender_id,
        "reply_assignee": message.reply_assignee_id, "reply_team": message.reply_team_id,
        "subject": message.subject, "body": message.body,
        "layout": f"template:{message.template_id}" if message.template_id else
        f"builtin:{message.builtin_template or templates_builtin.DEFAULT}",
        "rule": message.rule or "", "delivery": message.delivery,
        "starts_at": message.starts_at.astimezone(tz).replace(tzinfo=None) if message.starts_at else None,
        "stops_at": message.stops_at.astimezone(tz).replace(tzinfo=None) if message.stops_at else None,
        "window_days": message.window_days, "window_start_hour": message.window_start_hour,
        "window_end_hour": message.window_end_hour,
    }


class TestSendForm(forms.Form):
    contact = forms.IntegerField(required=False, min_value=1)


class EmailTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    html = forms.CharField(
        label=_("Layout HTML"), max_length=TEMPLATE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 22}),
        help_text=_("A whole HTML document. Put <!--PARLEY:CONTENT--> where the email's body goes, and a link to "
                    "{{unsubscribe_url}} in the footer. CSS in a <style> block is inlined when the email is sent."),
    )

    def __init__(self, *args: Any, workspace: Workspace, template: EmailTemplate | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace, self.template = workspace, template

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = EmailTemplate.objects.for_workspace(self.workspace).filter(name=name)
        if self.template is not None:
            taken = taken.exclude(pk=self.template.pk)
        if taken.exists():
            raise ValidationError(_("A template with this name already exists."))
        return name

    def clean_html(self) -> str:
        from outbound.services import custom_keys

        html = self.cleaned_data["html"]
        if html.count(CONTENT_MARKER) != 1:
            raise ValidationError(_("The layout needs the marker <!--PARLEY:CONTENT--> exactly once, where the body goes."))
        if "{{unsubscribe_url}}" not in html.replace(" ", ""):
            raise ValidationError(_("The layout needs an unsubscribe link: {{unsubscribe_url}}."))
        unknown = placeholders.unknown_names(html, custom_keys=custom_keys(self.workspace))
        if unknown:
            raise ValidationError(_("Unknown placeholders: %(names)s") % {"names": ", ".join(unknown)})
        return html
