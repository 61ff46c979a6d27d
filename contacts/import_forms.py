"""Input of the import, export and merge screens, validated into plain values."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.imports import (
    COMPANY_ID, COMPANY_NAME, CUSTOM, EMAIL, IGNORE, NAME, SIGNED_UP_AT, STANDARD_FIELDS, TAGS, USER_ID,
    ColumnPreview,
)
from contacts.models import AttributeDefinition, ContactImport

NEW_ATTRIBUTE = "new"
FIELD_LABELS = {
    NAME: gettext_lazy("Name"),
    EMAIL: gettext_lazy("Email"),
    USER_ID: gettext_lazy("User ID"),
    SIGNED_UP_AT: gettext_lazy("Signed up"),
    TAGS: gettext_lazy("Tags (separated by commas)"),
    COMPANY_ID: gettext_lazy("Company ID"),
    COMPANY_NAME: gettext_lazy("Company name"),
}
NEW_ATTRIBUTE_TYPES = [
    (value, label) for value, label in AttributeDefinition.Type.choices if value != AttributeDefinition.Type.EVENT
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
                           help_text=gettext_lazy("UTF-8 or Shift_JIS, with a header row. Up to 20 MB."))
    kind = forms.ChoiceField(label=gettext_lazy("Import as"), choices=ContactImport.Kind.choices,
                             initial=ContactImport.Kind.USERS, widget=forms.RadioSelect)


class ImportMappingForm(forms.Form):
    """One choice per CSV column: a standard field, an existing custom attribute, a new
    attribute (with its name and type) or nothing. Each standard field may take one column."""

    def __init__(self, *args, columns: list[ColumnPreview], kind: str, definitions: list[AttributeDefinition],
                 **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.columns, self.kind = columns, kind
        self.definitions = {definition.key: definition for definition in definitions}
        standard = [(f, FIELD_LABELS[f]) for f in STANDARD_FIELDS if not (f == USER_ID and kind == ContactImport.Kind.LEADS)]
        existing = [(f"{CUSTOM}:{key}", key) for key in self.definitions]
        choices = [
            (IGNORE, _("Don’t import")),
            (_("Person"), standard),
            *([(_("Custom attributes"), existing)] if existing else []),
            (NEW_ATTRIBUTE, _("New custom attribute…")),
        ]
        for column in columns:
            guess = column.guess
            if guess["field"] == CUSTOM and guess.get("new"):
                initial = NEW_ATTRIBUTE
            elif guess["field"] == CUSTOM:
                initial = f"{CUSTOM}:{guess['key']}"
            else:
                initial = guess["field"]
            self.fields[f"column_{column.index}"] = forms.ChoiceField(
                label=column.header or _("Column %(number)s") % {"number": column.index + 1},
                choices=choices, initial=initial)
            self.fields[f"new_key_{column.index}"] = forms.CharField(
                label=_("Attribute name"), required=False, max_length=190,
                initial=guess.get("key", column.header)[:190] if guess.get("new") else column.header[:190])
            self.fields[f"new_type_{column.index}"] = forms.ChoiceField(
                label=_("Type"), choices=NEW_ATTRIBUTE_TYPES, required=False,
                initial=guess.get("type", AttributeDefinition.Type.STRING))

    def rows(self) -> list[dict]:
        """For the template: each column with its bound fields and sample values."""
        return [{"column": column, "field": self[f"column_{column.index}"], "new_key": self[f"new_key_{column.index}"],
                 "new_type": self[f"new_type_{column.index}"]} for column in self.columns]

    def clean(self) -> dict:
        cleaned = super().clean()
        mapping: list[dict] = []
        used_fields: set[str] = set()
        used_keys: set[str] = set()
        for column in self.columns:
            name = f"column_{column.index}"
            choice = cleaned.get(name)
            if choice is None:
                return cleaned
            if choice == NEW_ATTRIBUTE:
                key = " ".join((cleaned.get(f"new_key_{column.index}") or "").split())
                kind = cleaned.get(f"new_type_{column.index}") or AttributeDefinition.Type.STRING
                if not key:
                    self.add_error(f"new_key_{column.index}", _("Name the new attribute."))
                elif key in self.definitions:
                    self.add_error(f"new_key_{column.index}", _("%(key)s already exists; choose it from the list.")
                                   % {"key": key})
                elif key in used_keys:
                    self.add_error(f"new_key_{column.index}", _("Two columns cannot fill the same attribute."))
                used_keys.add(key)
                mapping.append({"field": CUSTOM, "key": key, "new": True, "type": kind})
            elif choice.startswith(f"{CUSTOM}:"):
                key = choice.split(":", 1)[1]
                if key in used_keys:
                    self.add_error(name, _("Another column already fills %(field)s.") % {"field": key})
                used_keys.add(key)
                mapping.append({"field": CUSTOM, "key": key})
            else:
                if choice in used_fields:
                    self.add_error(name, _("Another column already fills %(field)s.") % {"field": FIELD_LABELS[choice]})
                if choice != IGNORE:
                    used_fields.add(choice)
                mapping.append({"field": choice})
        fields = {entry["field"] for entry in mapping}
        if self.kind == ContactImport.Kind.LEADS and EMAIL not in fields:
            raise forms.ValidationError(_("Leads are matched by email: choose the column that holds it."))
        if not fields & {EMAIL, USER_ID}:
            raise forms.ValidationError(_("Choose the column with the email or the user ID: people are matched by it."))
        cleaned["mapping"] = mapping
        return cleaned


class MergeForm(forms.Form):
    source = forms.IntegerField(min_value=1)
    target = forms.IntegerField(min_value=1, required=False)
    target_email = forms.EmailField(label=gettext_lazy("Email of the user to merge into"), required=False)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("target") and not cleaned.get("target_email") and not self.errors:
            raise forms.ValidationError(_("Say which user to merge into."))
        return cleaned
