from django.http import HttpResponse
from django.views.decorators.http import require_GET

from core.htmx import WorkspaceRequest
from core.views import area_placeholder
from workspaces.decorators import workspace_member_required


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    return area_placeholder(request, area="tickets")
