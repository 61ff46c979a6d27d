"""The tenancy layer itself: the base model, the fail-closed manager, the bypass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from tests.factories import TeamFactory
from workspaces.models import Membership, Team, Workspace
from workspaces.scoping import WorkspaceScopedModel, WorkspaceScopeError, workspace_scope

ROOT = Path(__file__).resolve().parent.parent

# Foreign keys to Workspace that are not ownership, each with the reason.
NOT_OWNERSHIP = {
    ("accounts", "User", "last_workspace"): "a teammate's preference for where to land after sign-in",
}


def test_every_model_with_a_workspace_foreign_key_uses_the_scoped_base():
    offenders = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (isinstance(field, models.ForeignKey) and field.related_model is Workspace):
                continue
            key = (model._meta.app_label, model.__name__, field.name)
            if key in NOT_OWNERSHIP:
                continue
            if not issubclass(model, WorkspaceScopedModel):
                offenders.append(".".join(key))
    assert offenders == [], f"Models owned by a workspace must subclass WorkspaceScopedModel: {offenders}"


def test_scoped_models_lead_their_unique_constraints_with_the_workspace():
    for model in apps.get_models():
        if not issubclass(model, WorkspaceScopedModel):
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                first = constraint.fields[0] if constraint.fields else constraint.expressions[0]
                assert first in ("workspace", "workspace_id") or getattr(first, "name", None) == "workspace", (
                    f"{model.__name__}.{constraint.name} must start with workspace"
                )


@pytest.mark.django_db
def test_a_query_without_a_workspace_fails_closed(workspace):
    TeamFactory(workspace=workspace)
    with pytest.raises(WorkspaceScopeError):
        list(Team.objects.all())
    with pytest.raises(WorkspaceScopeError):
        Team.objects.count()
    with pytest.raises(WorkspaceScopeError):
        Team.objects.filter(name="x").exists()
    with pytest.raises(WorkspaceScopeError):
        Team.objects.update(name="y")
    with pytest.raises(WorkspaceScopeError):
        Team.objects.all().delete()
    with pytest.raises(WorkspaceScopeError):
        Team.objects.get(name="x")


@pytest.mark.django_db
def test_for_workspace_and_workspace_scope_each_confine_queries(workspace, other_workspace):
    mine = TeamFactory(workspace=workspace, name="Billing")
    TeamFactory(workspace=other_workspace, name="Billing")
    assert list(Team.objects.for_workspace(workspace)) == [mine]
    assert Team.objects.for_workspace(workspace).filter(name="Billing").count() == 1
    with workspace_scope(workspace.pk):
        assert list(Team.objects.all()) == [mine]
        # Even an explicit id of the other workspace's row finds nothing inside the scope.
        assert not Team.objects.filter(workspace=other_workspace).exists()
    with pytest.raises(WorkspaceScopeError):
        Team.objects.count()  # the scope ended with the block


@pytest.mark.django_db
def test_the_bypass_is_explicit(workspace, other_workspace):
    TeamFactory(workspace=workspace)
    TeamFactory(workspace=other_workspace)
    assert Team.all_workspaces.count() == 2


@pytest.mark.django_db
def test_foreign_key_access_from_a_row_is_not_blocked(agent):
    # Following a relation from a row we already hold uses the plain base manager.
    assert Membership.objects.for_workspace(agent.workspace).get(pk=agent.pk).workspace == agent.workspace


VIEW_FILES = [p for p in ROOT.glob("*/views.py")] + [p for p in ROOT.glob("*/views/*.py")]
UNSCOPED_LOOKUPS = [
    re.compile(r"get_object_or_404\(\s*[A-Z]\w*\s*,"),  # get_object_or_404(Model, ...) bypasses the scope
    re.compile(r"\.objects\.get\(\s*pk="),
    re.compile(r"\.objects\.get\(\s*id="),
]


def test_views_never_look_up_objects_by_id_without_a_workspace():
    assert VIEW_FILES, "no views found"
    offenders = []
    for path in VIEW_FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(pattern.search(line) for pattern in UNSCOPED_LOOKUPS):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_every_bypass_of_the_scope_says_why():
    """`all_workspaces` is allowed where a comment on the same or the previous lines explains it."""
    offenders = []
    for path in ROOT.glob("*/*.py"):
        if path.parts[-2] in {"tests", ".venv", "migrations"} or path.name == "scoping.py":
            continue
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines):
            if ".all_workspaces" not in line:
                continue
            window = " ".join(lines[max(0, index - 3) : index + 1])
            if "#" not in window:
                offenders.append(f"{path.relative_to(ROOT)}:{index + 1}")
    assert offenders == []


@pytest.mark.django_db
def test_related_managers_stay_inside_the_parents_workspace(workspace, other_workspace, agent, outsider):
    team = TeamFactory(workspace=workspace)
    # A cross-workspace link written behind the services' back is still not visible.
    team.members.through.objects.create(team=team, membership=outsider)
    team.members.add(agent)
    assert list(team.members.all()) == [agent]
