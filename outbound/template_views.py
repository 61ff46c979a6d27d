"""Saved email layouts (admins only): list, create, edit, delete, and a preview of the layout
around a sample body, served as a document of its own for a sandboxed frame."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from outbound import services
from outbound.forms import EmailTemplateForm
from outbound.models import EmailTemplate, OutboundMessage
from outbound.rendering import CONTENT_MARKER
from outbound.views import email_document, outbound_context
from workspaces.decorators import workspace_member_required

STARTER = f"""<!doctype html>
<html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #f4f5f7; font-family: sans-serif; color: #1f2933; }}
.wrap {{ max-width: 600px; margin: 0 auto; padding: 24px 16px; }}
.card {{ background: #ffffff; border-radius: 10px; padding: 28px 24px; }}
.footer {{ font-size: 12px; color: #7b8794; text-align: center; margin-top: 24px; }}
</style></head>
<body><div class="wrap"><div class="card">{CONTENT_MARKER}</div>
<p class="footer"><a href="{{{{unsubscribe_url}}}}">Unsubscribe</a></p></div></body></html>
"""


def _template_or_404(request: WorkspaceRequest, template_id: int) -> EmailTemplate:
    template = EmailTemplate.objects.for_workspace(request.workspace).filter(pk=template_id).first()
    if template is None:
        raise Http404
    return template


@require_GET
@workspace_member_required(admin=True)
def template_list(request: WorkspaceRequest) -> HttpResponse:
    templates = list(EmailTemplate.objects.for_workspace(request.workspace).select_related("created_by__user")
                     .order_by("name"))
    used = dict(OutboundMessage.objects.for_workspace(request.workspace).filter(template__isnull=False)
                .values_list("template_id").annotate(n=Count("id")).order_by())
    for template in templates:
        template.used_by = used.get(template.pk, 0)
    return render(request, "outbound/templates.html", outbound_context(request, "templates", templates=templates))


def _edit(request: WorkspaceRequest, template: EmailTemplate | None) -> HttpResponse:
    initial = {"name": template.name, "html": template.html} if template else {"html": STARTER}
    form = EmailTemplateForm(request.POST if request.method == "POST" else None, initial=initial,
                             workspace=request.workspace, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.template_save(workspace=request.workspace, actor=request.membership, template=template,
                                           name=form.cleaned_data["name"], html=form.cleaned_data["html"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
            return redirect("outbound:template_edit", workspace_slug=request.workspace.slug, template_id=saved.pk)
    return render(request, "outbound/template_form.html",
                  outbound_context(request, "templates", form=form, template=template))


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def template_new(request: WorkspaceRequest) -> HttpResponse:
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def template_edit(request: WorkspaceRequest, template_id: int) -> HttpResponse:
    return _edit(request, _template_or_404(request, template_id))


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def template_delete(request: WorkspaceRequest, template_id: int) -> HttpResponse:
    template = _template_or_404(request, template_id)
    if request.method == "POST":
        services.template_delete(template=template)
        messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
        return redirect("outbound:templates", workspace_slug=request.workspace.slug)
    used = OutboundMessage.objects.for_workspace(request.workspace).filter(template=template).count()
    return render(request, "outbound/template_delete.html",
                  outbound_context(request, "templates", template=template, used=used))


@require_GET
@workspace_member_required
def template_preview(request: WorkspaceRequest, template_id: int) -> HttpResponse:
    """The layout around a sample body (any teammate may see how a layout looks)."""
    template = _template_or_404(request, template_id)
    sample = "<h2>{}</h2><p>{}</p>".format(_("A heading"), _("The body of your email goes here."))
    return email_document(template.html.replace(CONTENT_MARKER, sample).replace("{{unsubscribe_url}}", "#"))
