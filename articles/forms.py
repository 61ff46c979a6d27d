"""Input of the teammates' help-center screens. Every id that arrives in a form is chosen from
a queryset of the request's workspace, so an id from elsewhere is simply "not a choice"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from articles.models import LANGUAGE_CODES, RESERVED_HELP_CENTER_SLUGS, Article, Collection, HelpCenter, Section
from workspaces.models import Membership, Workspace, color_validator, slug_validator

# Pictures for article bodies, logos and headers. Pillow draws them again (core/images.py),
# and bigger files are refused before they are read.
HELP_IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp"
BODY_MAX_LENGTH = 500_000

STATE_CHANGED = "changed"  # published, with a draft that differs from what is published


def validate_picture_size(upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > HELP_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The picture is too large: %(limit)s at most.") % {"limit": filesizeformat(HELP_IMAGE_MAX_BYTES)}
        )


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by title"), max_length=100, required=False)
    state = forms.ChoiceField(
        label=_("State"), required=False,
        choices=[("", _("All states")), ("published", _("Published")), (STATE_CHANGED, _("Unpublished changes")),
                 ("draft", _("Draft"))],
    )
    page = forms.IntegerField(min_value=1, required=False)

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()


def _collection_label(collection: Collection, language: str, fallback: str) -> str:
    return collection.names_in(language, fallback)["title"] or str(_("Untitled collection"))


class ArticleForm(forms.Form):
    """One language version's draft plus what all versions share (author and place). A draft
    may be saved without a title, as in Intercom; publishing needs one."""

    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    subtitle = forms.CharField(
        label=_("Subtitle"), max_length=255, required=False,
        help_text=_("A one-line description, shown under the title and in search results."),
    )
    body = forms.CharField(
        label=_("Body (HTML)"), max_length=BODY_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Without JavaScript, write the body as HTML. Scripts and anything else not allowed are removed when it is saved."),
    )
    author = forms.ModelChoiceField(label=_("Author"), queryset=Membership.objects.none(), required=False,
                                    empty_label=_("No author"))
    collection = forms.ModelChoiceField(label=_("Collection"), queryset=Collection.objects.none(), required=False,
                                        empty_label=_("Not in a collection"))
    section = forms.TypedChoiceField(label=_("Section"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, workspace: Workspace, language: str, fallback_language: str,
                 publishing: bool = False, creating: bool = False, current_author_id: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publishing, self.creating = publishing, creating
        # Active teammates, and the author already named even if they have left the team, so
        # that saving an old article does not fail on its byline.
        self.fields["author"].queryset = (
            Membership.objects.for_workspace(workspace).filter(Q(is_active=True) | Q(pk=current_author_id))
            .select_related("user").order_by("user__name", "id")
        )
        self.fields["author"].label_from_instance = lambda m: m.user.name or m.user.email
        collections = list(Collection.objects.for_workspace(workspace).order_by("position", "id"))
        self.fields["collection"].queryset = Collection.objects.for_workspace(workspace).order_by("position", "id")
        # ModelChoiceField would run its queryset again for the choices; these lists are read once.
        self.fields["collection"].choices = [("", _("Not in a collection"))] + [
            (c.pk, _collection_label(c, language, fallback_language)) for c in collections
        ]
        self._sections = {
            s.pk: s for s in Section.objects.for_workspace(workspace).order_by("position", "id")
        }
        grouped: list[tuple[str, list[tuple[int, str]]]] = []
        for collection in collections:
            options = [(s.pk, s.names_in(language, fallback_language)["title"] or str(_("Untitled section")))
                       for s in self._sections.values() if s.collection_id == collection.pk]
            if options:
                grouped.append((_collection_label(collection, language, fallback_language), options))
        self.fields["section"].choices = [("", _("No section"))] + grouped

    def clean_section(self) -> Section | None:
        pk = self.cleaned_data.get("section")
        return self._sections.get(pk) if pk is not None else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        section, collection = cleaned.get("section"), cleaned.get("collection")
        if section is not None and (collection is None or section.collection_id != collection.pk):
            self.add_error("section", _("That section is not in the chosen collection. Choose one of its sections, or no section."))
        title = (cleaned.get("title") or "").strip()
        if self.publishing and not title:
            self.add_error("title", _("An article needs a title before it is published."))
        elif self.creating and not title and not (cleaned.get("body") or "").strip():
            self.add_error("title", _("Write a title or some text first."))
        return cleaned


class _BilingualNamesForm(forms.Form):
    """Titles (and descriptions) in every language; at least one title is needed."""

    with_descriptions = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for code in LANGUAGE_CODES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": names[code]}, max_length=120, required=False
            )
            if self.with_descriptions:
                self.fields[f"description_{code}"] = forms.CharField(
                    label=_("Description (%(language)s)") % {"language": names[code]}, max_length=300, required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not any((cleaned.get(f"title_{code}") or "").strip() for code in LANGUAGE_CODES):
            raise ValidationError(_("Give it a title in at least one language."))
        return cleaned

    def titles(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"title_{code}", "") for code in LANGUAGE_CODES}

    def descriptions(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"description_{code}", "") for code in LANGUAGE_CODES}

    @classmethod
    def initial_for(cls, names: dict[str, dict[str, str]]) -> dict[str, str]:
        initial = {}
        for code in LANGUAGE_CODES:
            entry = names.get(code) or {}
            initial[f"title_{code}"] = entry.get("title", "")
            initial[f"description_{code}"] = entry.get("description", "")
        return initial

    def title_fields(self) -> list[forms.BoundField]:
        return [self[f"title_{code}"] for code in LANGUAGE_CODES]

    def description_fields(self) -> list[forms.BoundField]:
        return [self[f"description_{code}"] for code in LANGUAGE_CODES] if self.with_descriptions else []


class CollectionForm(_BilingualNamesForm):
    icon = forms.ChoiceField(label=_("Icon"), choices=Collection.Icon.choices, initial=Collection.Icon.BOOK,
                             widget=forms.RadioSelect)


class SectionForm(_BilingualNamesForm):
    with_descriptions = False


class ImageUploadForm(forms.Form):
    image = forms.FileField(label=_("Picture"), validators=[validate_picture_size])


class LowercaseSlugField(forms.SlugField):
    """Addresses are lower case; "Acme-Help" typed is "acme-help" checked and kept."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().lower()


class HelpCenterSettingsForm(forms.ModelForm):
    logo_upload = forms.FileField(
        label=_("Logo"), required=False, validators=[validate_picture_size],
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("A PNG, JPEG, GIF or WebP picture, 5 MB at most. Shown in the header of every page."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    header_upload = forms.FileField(
        label=_("Header image"), required=False, validators=[validate_picture_size],
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("A wide picture behind the search box on the home page; PNG, JPEG, GIF or WebP, 5 MB at most."),
    )
    remove_header_image = forms.BooleanField(label=_("Remove the header image"), required=False)

    class Meta:
        model = HelpCenter
        # An explicit allow-list: the workspace, the article counter and the pictures'
        # ids are never taken from a form.
        fields = ["name", "slug", "default_language", "color", "header_color", "private"]
        field_classes = {"slug": LowercaseSlugField}
        widgets = {"color": forms.TextInput(attrs={"type": "color"}),
                   "header_color": forms.TextInput(attrs={"type": "color"})}
        labels = {"private": _("Private help center")}
        help_texts = {
            "slug": _("The address of your help center: /help/<slug>/. Changing it breaks links people saved."),
            "default_language": _("The language visitors see first when their browser asks for neither English nor Japanese."),
            "private": _("Only identified users can read it: people your website identifies in the messenger, "
                         "who open it from there or through a signed link the messenger gives them. "
                         "Everyone else, search engines included, gets “not found”."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].validators = [slug_validator]
        self.fields["color"].validators = [color_validator]
        self.fields["header_color"].validators = [color_validator]
        self.fields["color"].label = _("Brand colour")
        self.fields["header_color"].label = _("Header colour")

    def validate_unique(self) -> None:
        """The slug's uniqueness is checked by clean_slug across every workspace; the model's
        own check would run through the workspace-scoped manager and see only this one."""

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_HELP_CENTER_SLUGS:
            raise ValidationError(_("That address is reserved. Choose another one."))
        # all_workspaces: help-center addresses are unique across Parley (they are public
        # URLs), so a slug taken by any other workspace is taken.
        taken = HelpCenter.all_workspaces.filter(slug=slug).exclude(pk=self.instance.pk).exists()
        if taken:
            raise ValidationError(_("That address is already taken. Choose another one."))
        return slug

    def clean_color(self) -> str:
        return self.cleaned_data["color"].lower()

    def clean_header_color(self) -> str:
        return self.cleaned_data["header_color"].lower()


class AddArticlesForm(forms.Form):
    """Existing articles of the workspace to put into a collection (outside its sections)."""

    articles = forms.ModelMultipleChoiceField(label=_("Articles"), queryset=Article.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, workspace: Workspace, collection: Collection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.for_workspace(workspace).exclude(collection=collection)
        self.fields["articles"].error_messages["required"] = _("Choose at least one article.")
