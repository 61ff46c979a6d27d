from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from articles.models import Article, ArticleContent
from core.uploads import PreparedFile, UploadRefused, prepare_uploaded_file
from workspaces.models import Membership, Team, Workspace

VIEW_KEYS = ("open", "mine", "unassigned", "mentions", "snoozed", "closed")


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(choices=[(key, key) for key in VIEW_KEYS], required=False)
    team = forms.IntegerField(required=False, min_value=1)
    sort = forms.ChoiceField(choices=[("newest", "newest"), ("oldest", "oldest")], required=False)
    q = forms.CharField(required=False, max_length=100, strip=True)
    after = forms.CharField(required=False, max_length=64)


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(choices=[("reply", _("Reply")), ("note", _("Note"))], initial="reply")
    body = forms.CharField(label=_("Message"), required=False, max_length=settings.MESSENGER_MAX_MESSAGE_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("File"), required=False)
    # A help-center article sent with the reply, named by its number. The choices are this
    # workspace's published articles: a draft or another workspace's number is "not a choice".
    article = forms.ModelChoiceField(
        queryset=Article.objects.none(), required=False, to_field_name="number",
        error_messages={"invalid_choice": _("That article is not published in this workspace's help center.")},
    )

    def __init__(self, *args, workspace: Workspace | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if workspace is not None:
            self.fields["article"].queryset = (
                Article.objects.for_workspace(workspace)
                .filter(contents__state=ArticleContent.State.PUBLISHED).distinct()
            )

    def clean_file(self) -> PreparedFile | None:
        """The upload as core.uploads accepted it (a picture re-encoded, a document checked
        by its content), so the view only ever stores a PreparedFile."""
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        try:
            return prepare_uploaded_file(upload)
        except UploadRefused as refused:
            raise forms.ValidationError(refused.message) from None

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if cleaned.get("article") and cleaned.get("kind") == "note":
            # A form-wide error: the article stays chosen, so switching to a reply sends it.
            self.add_error(None, _("Articles are sent to the customer in a reply, not in a note."))
        if (
            not (cleaned.get("body") or "").strip() and not cleaned.get("file") and not cleaned.get("article")
            and "file" not in self.errors and "article" not in self.errors
        ):
            raise forms.ValidationError(_("Write a message or choose a file."))
        return cleaned


class ArticleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, workspace: Workspace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Choices come from this workspace only: another workspace's id is "not a choice".
        self.fields["assignee"].queryset = Membership.objects.for_workspace(workspace).filter(is_active=True)
        self.fields["team"].queryset = Team.objects.for_workspace(workspace)


class SnoozeForm(forms.Form):
    preset = forms.ChoiceField(choices=[("later", ""), ("tomorrow", ""), ("next_week", ""), ("custom", "")])
    until = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def until_for(self, presets: dict[str, dt.datetime], tz) -> dt.datetime | None:  # type: ignore[no-untyped-def]
        preset = self.cleaned_data["preset"]
        if preset != "custom":
            return presets[preset]
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        return until if until.tzinfo else until.replace(tzinfo=tz)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag"), max_length=64, strip=True)


class SavedReplyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, strip=True)
    body = forms.CharField(
        label=_("Text"), max_length=settings.MESSENGER_MAX_MESSAGE_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_('Placeholders: {{first_name}}, {{name}}, {{email}}, {{company_name}}, {{teammate_first_name}}; '
                    'add a fallback like {{first_name | fallback: "there"}}.'),
    )

    def clean_body(self) -> str:
        from inbox.placeholders import unknown_placeholders

        body = self.cleaned_data["body"]
        unknown = unknown_placeholders(body)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s.") % {"names": ", ".join("{{%s}}" % name for name in unknown)}
            )
        return body


class NoteForm(forms.Form):
    body = forms.CharField(max_length=5000, strip=True)
    company = forms.IntegerField(required=False, min_value=1)
