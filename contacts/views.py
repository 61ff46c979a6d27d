"""The people spreadsheet with its filter builder, the live count, saved segments and bulk
tagging. Every page's audience is a rule of the audience engine: a built-in view, a saved
segment, or the rule the builder is editing (`?rule=<json>`)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contacts import audience, people_list
from contacts.models import Contact, Segment
from contacts.navigation import contacts_context
from contacts.segments import BUILTINS_BY_KEY, people_of, segment_delete, segment_save
from contacts.services import contacts_tag_bulk
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from workspaces.decorators import workspace_member_required



class Audience:
    """What a contacts page shows: the rule in force and where it came from."""

    def __init__(self, request: WorkspaceRequest, data: Any | None = None) -> None:
        data = data if data is not None else request.GET
        self.segment: Segment | None = None
        self.builtin = BUILTINS_BY_KEY.get(data.get("segment", ""))
        self.segment_key = data.get("segment", "")
        base: Any = audience.EVERYONE
        if self.builtin is not None:
            base = self.builtin.rule
        elif self.segment_key.isdigit():
            self.segment = Segment.objects.for_workspace(request.workspace).filter(pk=int(self.segment_key)).first()
            if self.segment is None:
                raise Http404
            base = self.segment.rule
        else:
            self.segment_key = ""
        raw = data.get("rule") or base
        self.edited = bool(data.get("rule"))
        self.fields = audience.catalogue(request.workspace)
        self.error = ""
        try:
            self.rule = audience.parse(raw, workspace=request.workspace, fields=self.fields)
        except audience.RuleError as exc:
            self.error, self.rule = exc.message, None
        self.rule_json = json.dumps(self.rule.as_json() if self.rule else _loads(raw), ensure_ascii=False)

    @property
    def title(self) -> str:
        if self.segment is not None:
            return self.segment.name
        if self.builtin is not None:
            return str(self.builtin.label)
        return _("All people")

    def people(self, request: WorkspaceRequest):  # type: ignore[no-untyped-def]
        if self.rule is None:
            return Contact.objects.for_workspace(request.workspace).none()
        return people_of(request.workspace) & audience.contacts(self.rule, workspace=request.workspace)

    def query(self) -> str:
        """The query string naming this audience, for links that keep it."""
        from urllib.parse import urlencode

        params = {"segment": self.segment_key} if self.segment_key else {}
        if self.edited:
            params["rule"] = self.rule_json
        return urlencode(params)


def _loads(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return audience.EVERYONE
    return raw


def _columns(request: WorkspaceRequest, fields: Any) -> tuple[list[people_list.Column], list[people_list.Column]]:
    """The columns this teammate chose (remembered per workspace in their session)."""
    available = people_list.columns_available(fields)
    key = f"contacts-columns:{request.workspace.pk}"
    if "columns" in request.GET:
        request.session[key] = [c for c in request.GET.getlist("columns") if c][:30]
    return available, people_list.columns_chosen(available, request.session.get(key))


def _table_rows(request: WorkspaceRequest, rows: list, columns: list[people_list.Column]) -> list:
    # One reverse() for the page: profile addresses differ only by the id at their end.
    profile_url = reverse("contacts:contact", kwargs={"workspace_slug": request.workspace.slug, "contact_id": 0})
    profile_prefix = profile_url[: profile_url.rindex("/0/")]
    return [
        (contact, [
            people_list.cell_html(contact, column, people_list.cell(contact, column),
                                  profile_url=f"{profile_prefix}/{contact.pk}/" if index == 0 else None)
            for index, column in enumerate(columns)
        ])
        for contact in rows
    ]


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    chosen = Audience(request)
    available, columns = _columns(request, chosen.fields)
    sortable = {column.key: column for column in available if column.sortable}
    sort = sortable.get(request.GET.get("sort", ""), sortable["last_seen_at"])
    descending = request.GET.get("dir", "desc") != "asc"
    rows, next_cursor = people_list.people_page(
        people=chosen.people(request), sort=sort, descending=descending, columns=columns,
        cursor=request.GET.get("after") or None,
    )
    params = request.GET.copy()
    params.pop("after", None)
    context = contacts_context(
        request, "people",
        audience=chosen, current_segment=chosen.segment_key or "", columns=columns, available_columns=available,
        sort=sort, descending=descending,
        table_rows=_table_rows(request, rows, columns),
        next_url=f"?{params.urlencode()}&after={next_cursor}" if next_cursor else None,
        schema=audience.builder_schema(request.workspace, fields=chosen.fields),
        sentence=audience.describe(chosen.rule) if chosen.rule else "",
    )
    status = 400 if chosen.error else 200
    if request.htmx and not request.htmx.boosted and request.GET.get("after"):
        return render(request, "contacts/partials/_people_rows.html", context, status=status)
    return render(request, "contacts/people.html", context, status=status)


@require_GET
@workspace_member_required
def count(request: WorkspaceRequest) -> HttpResponse:
    """The live count and the sentence of the rule being edited (the builder asks for it
    after each change)."""
    chosen = Audience(request)
    context: dict[str, Any] = {"audience": chosen}
    if chosen.rule is not None:
        try:
            context["total"] = audience.count(chosen.rule, workspace=request.workspace, base=people_of(request.workspace))
        except audience.RuleError as exc:
            chosen.error = exc.message
        context["sentence"] = audience.describe(chosen.rule)
    return render(request, "contacts/partials/_count.html", context, status=400 if chosen.error else 200)


@require_POST
@workspace_member_required
def segment_create(request: WorkspaceRequest) -> HttpResponse:
    try:
        segment = segment_save(workspace=request.workspace, segment=None, name=request.POST.get("name", ""),
                               rule=request.POST.get("rule", ""), actor=request.membership)
    except (ApplicationError, audience.RuleError) as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('contacts:index', kwargs={'workspace_slug': request.workspace.slug})}?"
                        f"{Audience(request, request.POST).query()}")
    messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
    return _to_segment(request, segment)


def _to_segment(request: WorkspaceRequest, segment: Segment) -> HttpResponse:
    return redirect(f"{reverse('contacts:index', kwargs={'workspace_slug': request.workspace.slug})}?segment={segment.pk}")


def _segment_or_404(request: WorkspaceRequest, segment_id: int) -> Segment:
    segment = Segment.objects.for_workspace(request.workspace).filter(pk=segment_id).first()
    if segment is None:
        raise Http404
    return segment


@require_POST
@workspace_member_required
def segment_update(request: WorkspaceRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(request, segment_id)
    try:
        segment_save(workspace=request.workspace, segment=segment, name=request.POST.get("name") or segment.name,
                     rule=request.POST.get("rule") or segment.rule, actor=request.membership)
        messages.success(request, _("Segment “%(name)s” updated.") % {"name": segment.name})
    except (ApplicationError, audience.RuleError) as exc:
        messages.error(request, exc.message)
    return _to_segment(request, segment)


@require_POST
@workspace_member_required
def segment_remove(request: WorkspaceRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(request, segment_id)
    try:
        segment_delete(segment=segment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _to_segment(request, segment)
    messages.success(request, _("Segment deleted."))
    return redirect("contacts:index", workspace_slug=request.workspace.slug)


@require_POST
@workspace_member_required
def bulk_tag(request: WorkspaceRequest) -> HttpResponse:
    """Tag the people ticked on the page (ids of this workspace only; others are ignored)."""
    ids = [int(value) for value in request.POST.getlist("contact") if value.isdigit()][:people_list.MAX_BULK]
    name = request.POST.get("tag", "").strip()
    back = request.POST.get("back", "")
    people = list(people_of(request.workspace).filter(pk__in=ids))
    if not name or not people:
        messages.error(request, _("Tick some people and name the tag."))
    else:
        try:
            contacts_tag_bulk(workspace=request.workspace, contacts=people, name=name)
            messages.success(request, _("Tagged %(count)d people “%(tag)s”.") % {"count": len(people), "tag": name[:64]})
        except ApplicationError as exc:
            messages.error(request, exc.message)
    target = reverse("contacts:index", kwargs={"workspace_slug": request.workspace.slug})
    return redirect(f"{target}?{back}" if back and not back.startswith(("/", "http")) else target)
