"""Settings screens cost the same number of queries with 3 teammates or 30 (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import InvitationFactory, MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _grow(workspace, teammates: int, teams: int) -> None:
    members = [MembershipFactory(workspace=workspace) for _ in range(teammates)]
    for index in range(teams):
        TeamFactory(workspace=workspace).members.set(members[index::teams] or members[:1])
    for _ in range(teammates // 3):
        InvitationFactory(workspace=workspace)


@pytest.mark.parametrize(
    "path, budget",
    [("settings/", 5), ("settings/teammates/", 7), ("settings/teams/", 7)],
)
def test_settings_pages_have_a_constant_query_budget(client_owner, workspace, path, budget):
    url = f"/w/{workspace.slug}/{path}"
    _grow(workspace, teammates=3, teams=2)
    small = _queries(client_owner, url)
    _grow(workspace, teammates=27, teams=8)
    large = _queries(client_owner, url)
    assert small == large <= budget, (small, large)
