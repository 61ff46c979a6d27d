"""Input for the tickets screens. Every id that arrives in a form is looked up inside the
request's workspace (choices built from scoped querysets), so another workspace's id is
simply not a valid choice. Field values are checked by services.values_clean."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets import selectors
from tickets.models import TicketField, TicketState, TicketType
from workspaces.models import Membership, Team, Workspace


class TicketFilterForm(forms.Form):
    view = forms.ChoiceField(required=False, choices=[(v, v) for v in selectors.VIEWS])
    type = forms.ModelChoiceField(queryset=TicketType.objects.none(), required=False)
    state = forms.ChoiceField(required=False, choices=[("", "")] + list(TicketState.choices))
    q = forms.CharField(required=False, max_length=100)
    after = forms.CharField(required=False, max_length=60)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = TicketType.objects.for_workspace(workspace)


class TicketTextForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=TicketState.choices)
    update_linked = forms.BooleanField(required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=Membership.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (Membership.objects.for_workspace(workspace).filter(is_active=True)
                                            .select_related("user").order_by("user__name"))
        self.fields["assignee"].label_from_instance = lambda m: m.user.name or m.user.email
        self.fields["team"].queryset = Team.objects.for_workspace(workspace)


class TrackerForm(forms.Form):
    tracker = forms.ModelChoiceField(label=_("Tracker ticket"), queryset=TicketType.objects.none(), required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tracker"].queryset = selectors.trackers_open(workspace=workspace)
        self.fields["tracker"].label_from_instance = lambda t: f"#{t.number} {t.title}"


class BodyForm(forms.Form):
    body = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))


class TicketCreateForm(AssignForm):
    ticket_type = forms.ModelChoiceField(label=_("Type"), queryset=TicketType.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave it empty to use the type's default title."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, workspace: Workspace, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, workspace=workspace, **kwargs)
        self.fields["ticket_type"].queryset = selectors.ticket_types_active(workspace=workspace).filter(
            category__in=categories)
        self.fields["ticket_type"].label_from_instance = lambda t: f"{t.icon} {t.name} · {t.get_category_display()}"
        self.order_fields(["ticket_type", "title", "description", "team", "assignee"])


def raw_values(data: Any, fields: list[TicketField], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The posted values keyed by field key (inputs named `field-<key>`); an unticked
    yes-or-no box posts nothing, which means no."""
    raw: dict[str, Any] = {}
    for field in fields:
        name = f"field-{field.key}"
        if field.kind == TicketField.Kind.BOOLEAN:
            raw[field.key] = "true" if data.get(name) else "false"
        elif field.kind == TicketField.Kind.FILE:
            raw[field.key] = (previous or {}).get(field.key)  # files are not replaced from this form
        else:
            raw[field.key] = data.get(name, "")
    return raw
