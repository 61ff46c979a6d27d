from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import ApplicationError
from tests.factories import InvitationFactory, MembershipFactory, OfficeHoursIntervalFactory, UserFactory
from workspaces import services
from workspaces.models import Invitation, Membership, OfficeHoursInterval, Workspace

pytestmark = pytest.mark.django_db


def test_workspace_create_makes_the_creator_owner_with_default_office_hours():
    user = UserFactory()
    workspace = services.workspace_create(name="Kaisha", slug="kaisha", owner=user)
    membership = Membership.objects.for_workspace(workspace).get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert OfficeHoursInterval.objects.for_workspace(workspace).count() == 5
    user.refresh_from_db()
    assert user.last_workspace == workspace
    assert len(workspace.app_id) == 8 and workspace.identity_secret


def test_workspace_create_refuses_a_taken_slug_and_leaves_nothing_behind(workspace):
    user = UserFactory()
    with pytest.raises(ApplicationError):
        services.workspace_create(name="Again", slug=workspace.slug, owner=user)
    assert Workspace.objects.filter(name="Again").count() == 0
    assert Membership.all_workspaces.filter(user=user).count() == 0  # checking across workspaces


def test_slug_suggestion_handles_japanese_names_and_collisions(workspace):
    assert services.workspace_slug_suggest(name="株式会社サンプル").startswith("workspace")
    assert services.workspace_slug_suggest(name="Acme") != "acme"
    assert services.workspace_slug_suggest(name="Fresh Start") == "fresh-start"


@pytest.mark.parametrize(
    "moment, expected",
    [
        (dt.datetime(2026, 11, 23, 9, 0), True),  # Monday 09:00 Tokyo, opening minute
        (dt.datetime(2026, 11, 23, 17, 59), True),
        (dt.datetime(2026, 11, 23, 18, 0), False),  # closing time is exclusive
        (dt.datetime(2026, 11, 24, 10, 0), False),  # Tuesday: no hours
    ],
)
def test_office_hours_are_read_in_the_workspace_time_zone(workspace, moment, expected):
    OfficeHoursIntervalFactory(workspace=workspace, weekday=0, opens_at=dt.time(9), closes_at=dt.time(18))
    tokyo = moment.replace(tzinfo=workspace.tzinfo)
    assert workspace.is_within_office_hours(tokyo.astimezone(dt.timezone.utc)) is expected


def test_no_office_hours_means_always_open(workspace):
    assert workspace.is_within_office_hours() is True


def test_office_hours_replace_swaps_the_whole_schedule(workspace):
    OfficeHoursIntervalFactory(workspace=workspace, weekday=2)
    services.office_hours_replace(workspace=workspace, intervals=[(4, dt.time(10), dt.time(12))])
    assert [(i.weekday, i.opens_at) for i in OfficeHoursInterval.objects.for_workspace(workspace)] == [(4, dt.time(10))]


class TestRoles:
    def test_admin_changes_an_agent_to_admin(self, admin, agent):
        services.membership_change_role(membership=agent, role="admin", actor=admin)
        agent.refresh_from_db()
        assert agent.role == "admin"

    def test_only_an_owner_grants_ownership(self, admin, agent):
        with pytest.raises(ApplicationError):
            services.membership_change_role(membership=agent, role="owner", actor=admin)

    def test_an_agent_changes_no_roles(self, agent, admin):
        with pytest.raises(ApplicationError):
            services.membership_change_role(membership=admin, role="agent", actor=agent)

    def test_the_last_owner_cannot_step_down_or_be_removed(self, owner):
        with pytest.raises(ApplicationError, match="at least one owner"):
            services.membership_change_role(membership=owner, role="admin", actor=owner)
        with pytest.raises(ApplicationError, match="at least one owner"):
            services.membership_remove(membership=owner, actor=owner)

    def test_with_two_owners_one_may_step_down(self, owner, workspace):
        second = MembershipFactory(workspace=workspace, role="owner")
        services.membership_change_role(membership=second, role="agent", actor=owner)
        second.refresh_from_db()
        assert second.role == "agent"

    def test_removal_deactivates_and_leaves_teams(self, owner, agent, workspace):
        team = services.team_save(workspace=workspace, team=None, name="Billing", members=[agent])
        services.membership_remove(membership=agent, actor=owner)
        agent.refresh_from_db()
        assert agent.is_active is False
        assert team.members.count() == 0

    def test_a_membership_of_another_workspace_is_refused(self, owner, outsider):
        with pytest.raises(ApplicationError):
            services.membership_change_role(membership=outsider, role="agent", actor=owner)


class TestInvitations:
    def test_create_enqueues_the_email_after_commit(self, owner, workspace, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            invitation = services.invitation_create(
                workspace=workspace, email="New@Example.com", role="agent", invited_by=owner
            )
        assert invitation.email == "new@example.com"
        assert len(callbacks) == 1

    def test_the_link_works_once(self, owner, workspace):
        invitation = services.invitation_create(workspace=workspace, email="n@example.com", role="admin", invited_by=owner)
        token = services.invitation_token(invitation=invitation)
        assert services.invitation_from_token(token=token) == invitation
        user = UserFactory(email="n@example.com")
        membership = services.invitation_accept(invitation=invitation, user=user)
        assert membership.role == "admin" and membership.workspace == workspace
        assert services.invitation_from_token(token=token) is None
        with pytest.raises(ApplicationError):
            services.invitation_accept(invitation=invitation, user=user)

    def test_the_link_expires(self, owner, workspace):
        invitation = InvitationFactory(workspace=workspace, expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert services.invitation_from_token(token=services.invitation_token(invitation=invitation)) is None

    def test_a_tampered_or_foreign_token_is_refused(self, workspace):
        invitation = InvitationFactory(workspace=workspace)
        token = services.invitation_token(invitation=invitation)
        assert services.invitation_from_token(token=token[:-2] + "xx") is None
        assert services.invitation_from_token(token="garbage") is None

    def test_resend_kills_the_old_link(self, owner, workspace):
        invitation = InvitationFactory(workspace=workspace)
        old = services.invitation_token(invitation=invitation)
        services.invitation_resend(invitation=invitation)
        assert services.invitation_from_token(token=old) is None
        assert services.invitation_from_token(token=services.invitation_token(invitation=invitation)) == invitation

    def test_only_the_invited_address_can_accept(self, workspace):
        invitation = InvitationFactory(workspace=workspace, email="right@example.com")
        with pytest.raises(ApplicationError, match="right@example.com"):
            services.invitation_accept(invitation=invitation, user=UserFactory(email="wrong@example.com"))

    def test_a_second_pending_invitation_is_refused_but_an_expired_one_is_replaced(self, owner, workspace):
        services.invitation_create(workspace=workspace, email="twice@example.com", role="agent", invited_by=owner)
        with pytest.raises(ApplicationError, match="already been invited"):
            services.invitation_create(workspace=workspace, email="twice@example.com", role="agent", invited_by=owner)
        Invitation.objects.for_workspace(workspace).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        fresh = services.invitation_create(workspace=workspace, email="twice@example.com", role="agent", invited_by=owner)
        assert fresh.is_usable

    def test_inviting_an_existing_teammate_is_refused(self, owner, agent, workspace):
        with pytest.raises(ApplicationError, match="already a teammate"):
            services.invitation_create(workspace=workspace, email=agent.user.email.upper(), role="agent", invited_by=owner)

    def test_an_admin_cannot_invite_an_owner(self, admin, workspace):
        with pytest.raises(ApplicationError):
            services.invitation_create(workspace=workspace, email="o@example.com", role="owner", invited_by=admin)

    def test_a_removed_teammate_rejoins_through_a_new_invitation(self, owner, agent, workspace):
        services.membership_remove(membership=agent, actor=owner)
        invitation = services.invitation_create(workspace=workspace, email=agent.user.email, role="admin", invited_by=owner)
        membership = services.invitation_accept(invitation=invitation, user=agent.user)
        assert membership.pk == agent.pk and membership.is_active and membership.role == "admin"

    def test_the_periodic_sweep_revokes_expired_invitations_everywhere(self, workspace, other_workspace):
        InvitationFactory(workspace=workspace, expires_at=timezone.now() - dt.timedelta(days=1))
        InvitationFactory(workspace=other_workspace, expires_at=timezone.now() - dt.timedelta(days=1))
        live = InvitationFactory(workspace=workspace)
        assert services.invitations_expire() == 2
        live.refresh_from_db()
        assert live.revoked_at is None


class TestTeams:
    def test_team_names_are_unique_per_workspace_ignoring_case(self, workspace, other_workspace):
        services.team_save(workspace=workspace, team=None, name="Billing", members=[])
        with pytest.raises(ApplicationError):
            services.team_save(workspace=workspace, team=None, name="billing", members=[])
        services.team_save(workspace=other_workspace, team=None, name="Billing", members=[])

    def test_members_of_another_workspace_are_refused(self, workspace, outsider):
        with pytest.raises(ApplicationError):
            services.team_save(workspace=workspace, team=None, name="Mixed", members=[outsider])
