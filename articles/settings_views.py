"""Help center settings (admins): name, address, language, colours, logo and header
picture, private mode."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from articles import services
from articles.forms import HelpCenterSettingsForm
from articles.models import HelpCenter
from articles.views import articles_context
from core.htmx import WorkspaceRequest
from core.images import NotAnImage
from workspaces.decorators import workspace_member_required

PICTURES = (("logo_upload", "remove_logo", "logo"), ("header_upload", "remove_header_image", "header_image"))


class _Refused(Exception):
    """A picture was not a picture: roll back, the form says which."""


def _save(request: WorkspaceRequest, form: HelpCenterSettingsForm, help_center: HelpCenter) -> bool:
    data = form.cleaned_data
    fields: dict[str, object] = {name: data[name] for name in HelpCenterSettingsForm.Meta.fields}
    try:
        # The pictures and the settings are written together or not at all. (A stored file of
        # a picture rolled back this way stays on disk, unreferenced.)
        with transaction.atomic():
            for upload_field, remove_field, target in PICTURES:
                if data.get(upload_field):
                    try:
                        fields[target] = services.help_image_create(
                            workspace=request.workspace, upload=data[upload_field], uploaded_by=request.membership
                        )
                    except NotAnImage:
                        form.add_error(upload_field, _("Upload a PNG, JPEG, GIF or WebP picture."))
                        raise _Refused from None
                elif data.get(remove_field):
                    fields[target] = None
            services.help_center_update(help_center=help_center, **fields)
    except _Refused:
        return False
    except IntegrityError:  # another help center took the address between the check and the save
        form.add_error("slug", _("That address is already taken. Choose another one."))
        return False
    return True


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def help_center_settings(request: WorkspaceRequest) -> HttpResponse:
    help_center = services.help_center_for(workspace=request.workspace)
    # The form edits a copy, so the page around it (the "go to your help center" link) keeps
    # showing the saved settings when the form does not validate.
    editable = HelpCenter.objects.for_workspace(request.workspace).select_related("logo", "header_image").get(
        pk=help_center.pk
    )
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = HelpCenterSettingsForm(*data, instance=editable)
    if request.method == "POST" and form.is_valid() and _save(request, form, editable):
        messages.success(request, _("Help center settings saved."))
        return redirect("articles:settings", workspace_slug=request.workspace.slug)
    current = HelpCenter.objects.for_workspace(request.workspace).select_related("logo", "header_image").get(
        pk=help_center.pk
    )
    return render(request, "articles/settings.html", articles_context(
        request, "settings", help_center=current, form=form,
    ))
