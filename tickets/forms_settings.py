"""Admins' input for ticket types, their fields and the states' labels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tickets.models import TicketField, TicketState, TicketType


class TicketTypeForm(forms.ModelForm):
    class Meta:
        model = TicketType
        fields = ["category", "name", "icon", "description", "default_title", "default_description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "default_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Tickets copy their type's category; changing it would leave them inconsistent.
            self.fields["category"].disabled = True

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = TicketType.objects.for_workspace(self.instance.workspace_id).filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another ticket type has this name."))
        return name


class TicketFieldForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a list: one option a line."),
    )

    class Meta:
        model = TicketField
        fields = ["label", "kind", "required", "customer_visible", "customer_fills"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options_text"].initial = "\n".join(str(o) for o in self.instance.options)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("customer_fills") and not data.get("customer_visible"):
            self.add_error("customer_fills", _("A customer can only fill in a field they see."))
        elif data.get("customer_fills") and data.get("kind") == TicketField.Kind.FILE:
            # The messenger's new-ticket form takes no files; customers attach them in a reply.
            self.add_error("customer_fills", _("Customers attach files in a reply on the ticket, not in this form."))
        options = [line.strip() for line in (data.get("options_text") or "").splitlines() if line.strip()]
        if data.get("kind") == TicketField.Kind.LIST and not options:
            self.add_error("options_text", _("A list needs at least one option."))
        if len(set(options)) != len(options):
            self.add_error("options_text", _("Each option once."))
        data["options"] = options if data.get("kind") == TicketField.Kind.LIST else []
        return data

    def save(self, commit: bool = True) -> TicketField:
        field = super().save(commit=False)
        field.options = self.cleaned_data["options"]
        if not field.key:
            field.key = unique_key(field)
        if commit:
            field.save()
        return field


def unique_key(field: TicketField) -> str:
    """The values' key from the label (ASCII; a Japanese label gets `field`), unique in its type."""
    base = slugify(field.label).replace("-", "_")[:50] or "field"
    taken = set(TicketField.objects.for_workspace(field.workspace_id).filter(ticket_type_id=field.ticket_type_id)
                .values_list("key", flat=True))
    key, suffix = base, 2
    while key in taken:
        key, suffix = f"{base}_{suffix}", suffix + 1
    return key


class StateLabelsForm(forms.Form):
    def __init__(self, *args: Any, labels: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for state, name in TicketState.choices:
            self.fields[f"{state}-internal"] = forms.CharField(
                label=_("%(state)s: label for the team") % {"state": name}, max_length=60,
                initial=labels[state][0])
            self.fields[f"{state}-customer"] = forms.CharField(
                label=_("%(state)s: label for customers") % {"state": name}, max_length=60,
                initial=labels[state][1])
