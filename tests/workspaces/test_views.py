from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import InvitationFactory, MembershipFactory, TeamFactory, UserFactory
from workspaces import services
from workspaces.models import Invitation, Membership, OfficeHoursInterval, Team, Workspace

pytestmark = pytest.mark.django_db


def url(name, workspace, **kwargs):
    return reverse(f"workspaces:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def general_post(workspace, **overrides):
    data = {
        "ws-name": workspace.name, "ws-slug": workspace.slug, "ws-timezone": "Asia/Tokyo",
        "ws-default_language": "ja", "ws-expected_reply_time": "minutes", "ws-messenger_color": "#112233",
        "hours-TOTAL_FORMS": "2", "hours-INITIAL_FORMS": "0", "hours-MIN_NUM_FORMS": "0", "hours-MAX_NUM_FORMS": "28",
        "hours-0-weekday": "0", "hours-0-opens_at": "09:00", "hours-0-closes_at": "17:30",
        "hours-1-weekday": "", "hours-1-opens_at": "", "hours-1-closes_at": "",
    }
    data.update(overrides)
    return data


class TestHome:
    def test_signed_out_visitors_are_sent_to_sign_in(self, client, workspace):
        response = client.get("/w/acme/inbox/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")

    def test_lands_in_the_last_used_workspace(self, client, workspace, other_workspace):
        membership = MembershipFactory(workspace=workspace)
        MembershipFactory(workspace=other_workspace, user=membership.user)
        client.force_login(membership.user)
        client.get(f"/w/{other_workspace.slug}/")
        assert client.get("/")["Location"] == f"/w/{other_workspace.slug}/inbox/"

    def test_someone_without_a_workspace_is_asked_to_create_one(self, client):
        client.force_login(UserFactory())
        assert client.get("/")["Location"] == reverse("workspaces:create")

    def test_every_area_shows_an_honest_placeholder(self, client_agent, workspace):
        for area in ["bots", "tours", "reports"]:
            response = client_agent.get(f"/w/acme/{area}/")
            assert response.status_code == 200
            assert b"Not built yet" in response.content


class TestCreateWorkspace:
    def test_creates_and_switches(self, client_agent, agent):
        response = client_agent.post(reverse("workspaces:create"), {"name": "Second", "slug": "", "timezone": "UTC", "language": "en"})
        workspace = Workspace.objects.get(name="Second")
        assert response["Location"] == f"/w/{workspace.slug}/inbox/"
        assert Membership.objects.for_workspace(workspace).get(user=agent.user).role == "owner"
        page = client_agent.get(f"/w/{workspace.slug}/inbox/")
        assert b"Acme" in page.content and b"Second" in page.content  # both in the switcher

    @pytest.mark.parametrize("slug", ["A", "ab", "-bad", "has space", "UPPER", "x" * 41])
    def test_bad_slugs_re_render_with_an_error(self, client_agent, slug):
        response = client_agent.post(reverse("workspaces:create"), {"name": "N", "slug": slug, "timezone": "UTC", "language": "en"})
        assert response.status_code == 400
        assert b"field__errors" in response.content
        assert not Workspace.objects.filter(name="N").exists()

    def test_a_taken_slug_is_an_error(self, client_agent, workspace):
        response = client_agent.post(reverse("workspaces:create"), {"name": "N", "slug": "acme", "timezone": "UTC", "language": "en"})
        assert response.status_code == 400 and b"already taken" in response.content


class TestGeneralSettings:
    def test_admin_saves_settings_and_office_hours(self, client_admin, workspace):
        response = client_admin.post(url("settings_general", workspace), general_post(workspace, **{"ws-name": "Acme KK"}))
        assert response.status_code == 302
        workspace.refresh_from_db()
        assert (workspace.name, workspace.default_language, workspace.messenger_color) == ("Acme KK", "ja", "#112233")
        hours = list(OfficeHoursInterval.objects.for_workspace(workspace).values_list("weekday", "opens_at", "closes_at"))
        assert [(h[0], h[1].strftime("%H:%M"), h[2].strftime("%H:%M")) for h in hours] == [(0, "09:00", "17:30")]

    def test_agents_may_not_change_settings(self, client_agent, workspace):
        assert client_agent.get(url("settings_general", workspace)).status_code == 403
        assert client_agent.post(url("settings_general", workspace), general_post(workspace, **{"ws-name": "Hacked"})).status_code == 403
        workspace.refresh_from_db()
        assert workspace.name == "Acme"

    def test_bad_input_re_renders_and_changes_nothing(self, client_admin, workspace):
        OfficeHoursInterval.objects.create(workspace=workspace, weekday=3, opens_at="10:00", closes_at="11:00")
        bad = general_post(workspace, **{"ws-messenger_color": "red", "hours-0-closes_at": "08:00", "ws-timezone": "Mars/Base"})
        response = client_admin.post(url("settings_general", workspace), bad)
        assert response.status_code == 400
        assert b"#RRGGBB" in response.content and b"Closing time must be after opening time" in response.content
        workspace.refresh_from_db()
        assert workspace.messenger_color == "#3b5bdb"
        assert OfficeHoursInterval.objects.for_workspace(workspace).count() == 1

    def test_overlapping_hours_are_refused(self, client_admin, workspace):
        data = general_post(workspace, **{"hours-1-weekday": "0", "hours-1-opens_at": "12:00", "hours-1-closes_at": "19:00"})
        response = client_admin.post(url("settings_general", workspace), data)
        assert response.status_code == 400 and b"overlap" in response.content

    def test_secrets_and_ids_cannot_be_posted_in(self, client_admin, workspace):
        before = (workspace.app_id, workspace.identity_secret)
        data = general_post(workspace, **{"ws-app_id": "hijacked", "ws-identity_secret": "x", "app_id": "hijacked"})
        client_admin.post(url("settings_general", workspace), data)
        workspace.refresh_from_db()
        assert (workspace.app_id, workspace.identity_secret) == before

    def test_a_taken_slug_re_renders_with_working_links(self, client_admin, workspace, other_workspace):
        response = client_admin.post(url("settings_general", workspace), general_post(workspace, **{"ws-slug": "globex"}))
        assert response.status_code == 400
        assert b'href="/w/acme/inbox/"' in response.content


class TestTeammates:
    def test_everyone_sees_the_list_only_admins_see_the_controls(self, client_agent, client_admin, agent, admin, workspace):
        page = client_agent.get(url("teammates", workspace)).content.decode()
        assert agent.user.email in page and admin.user.email in page
        assert "Invite a teammate" not in page
        assert "Invite a teammate" in client_admin.get(url("teammates", workspace)).content.decode()

    def test_invite_sends_after_commit(self, client_admin, workspace, django_capture_on_commit_callbacks, eager_celery):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client_admin.post(url("invitation_create", workspace), {"email": "new@example.com", "role": "agent"})
        assert response.status_code == 302
        assert mail.outbox == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
        assert len(mail.outbox) == 1 and "/invitations/" in mail.outbox[0].body
        assert Invitation.objects.for_workspace(workspace).get().sent_at is not None

    def test_a_bad_invitation_re_renders(self, client_admin, workspace, agent):
        response = client_admin.post(url("invitation_create", workspace), {"email": "not-an-email", "role": "agent"})
        assert response.status_code == 400 and b"field__errors" in response.content
        response = client_admin.post(url("invitation_create", workspace), {"email": agent.user.email, "role": "agent"})
        assert response.status_code == 400 and b"already a teammate" in response.content

    def test_agents_cannot_invite_or_change_roles(self, client_agent, workspace, admin):
        assert client_agent.post(url("invitation_create", workspace), {"email": "x@example.com", "role": "admin"}).status_code == 403
        assert client_agent.post(url("membership_role", workspace, membership_id=admin.pk), {"role": "agent"}).status_code == 403
        admin.refresh_from_db()
        assert admin.role == "admin"

    def test_role_change_and_removal(self, client_owner, workspace, agent):
        client_owner.post(url("membership_role", workspace, membership_id=agent.pk), {"role": "admin"})
        agent.refresh_from_db()
        assert agent.role == "admin"
        client_owner.post(url("membership_remove", workspace, membership_id=agent.pk))
        agent.refresh_from_db()
        assert agent.is_active is False
        client = __import__("django.test", fromlist=["Client"]).Client()
        client.force_login(agent.user)
        assert client.get("/w/acme/inbox/").status_code == 404

    def test_last_owner_refusal_is_shown(self, client_owner, owner, workspace):
        response = client_owner.post(url("membership_role", workspace, membership_id=owner.pk), {"role": "agent"}, follow=True)
        assert b"at least one owner" in response.content
        owner.refresh_from_db()
        assert owner.role == "owner"

    def test_mass_assignment_through_role_form_is_ignored(self, client_admin, workspace, agent):
        client_admin.post(url("membership_role", workspace, membership_id=agent.pk),
                          {"role": "agent", "workspace_id": "999", "is_staff": "on", "user": "1"})
        agent.refresh_from_db()
        agent.user.refresh_from_db()
        assert agent.workspace == workspace and agent.user.is_staff is False

    def test_resend_and_revoke(self, client_admin, workspace):
        invitation = InvitationFactory(workspace=workspace)
        client_admin.post(url("invitation_resend", workspace, invitation_id=invitation.pk))
        client_admin.post(url("invitation_revoke", workspace, invitation_id=invitation.pk))
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        assert client_admin.post(url("invitation_revoke", workspace, invitation_id=invitation.pk)).status_code == 404

    def test_get_never_changes_anything(self, client_owner, workspace, agent):
        for name in ["membership_remove", "membership_role"]:
            assert client_owner.get(url(name, workspace, membership_id=agent.pk)).status_code == 405
        agent.refresh_from_db()
        assert agent.is_active and agent.role == "agent"


class TestInvitationAcceptance:
    def test_a_newcomer_creates_an_account_and_joins(self, client, owner, workspace):
        invitation = services.invitation_create(workspace=workspace, email="newbie@example.com", role="agent", invited_by=owner)
        link = reverse("workspaces:invitation_accept", args=[services.invitation_token(invitation=invitation)])
        assert b"Create account and join" in client.get(link).content
        weak = client.post(link, {"name": "Newbie", "password": "123"})
        assert weak.status_code == 400 and b"field__errors" in weak.content
        response = client.post(link, {"name": "Newbie", "password": "a-long-enough-passphrase"})
        assert response["Location"] == "/w/acme/inbox/"
        assert client.get("/w/acme/inbox/").status_code == 200  # signed in
        assert client.get(link).status_code == 404  # single use

    def test_an_existing_user_signs_in_then_joins(self, client, owner, workspace, outsider):
        invitation = services.invitation_create(workspace=workspace, email=outsider.user.email, role="agent", invited_by=owner)
        link = reverse("workspaces:invitation_accept", args=[services.invitation_token(invitation=invitation)])
        assert b"Sign in to join" in client.get(link).content
        assert client.post(link).status_code == 200  # not signed in: nothing happens
        client.force_login(outsider.user)
        assert client.post(link)["Location"] == "/w/acme/inbox/"
        assert Membership.objects.for_workspace(workspace).filter(user=outsider.user).exists()

    def test_someone_else_signed_in_cannot_take_the_invitation(self, client, owner, workspace, outsider, agent):
        invitation = services.invitation_create(workspace=workspace, email=outsider.user.email, role="admin", invited_by=owner)
        link = reverse("workspaces:invitation_accept", args=[services.invitation_token(invitation=invitation)])
        client.force_login(agent.user)
        response = client.post(link)
        assert response.status_code == 400
        agent.refresh_from_db()
        assert agent.role == "agent"

    def test_a_bad_link_is_a_clear_404(self, client):
        response = client.get(reverse("workspaces:invitation_accept", args=["nonsense"]))
        assert response.status_code == 404 and b"no longer valid" in response.content


class TestTeams:
    def test_admin_creates_edits_and_deletes_a_team(self, client_admin, workspace, agent):
        client_admin.post(url("teams", workspace), {"name": "Billing", "members": [agent.pk]})
        team = Team.objects.for_workspace(workspace).get()
        assert list(team.members.all()) == [agent]
        client_admin.post(url("team_edit", workspace, team_id=team.pk), {"name": "Billing JP", "members": []})
        team.refresh_from_db()
        assert team.name == "Billing JP" and team.members.count() == 0
        client_admin.post(url("team_delete", workspace, team_id=team.pk))
        assert not Team.objects.for_workspace(workspace).exists()

    def test_a_foreign_teammate_is_not_a_choice(self, client_admin, workspace, outsider):
        response = client_admin.post(url("teams", workspace), {"name": "Mixed", "members": [outsider.pk]})
        assert response.status_code == 400
        assert not Team.objects.for_workspace(workspace).exists()

    def test_agents_see_teams_but_cannot_change_them(self, client_agent, workspace):
        team = TeamFactory(workspace=workspace, name="Support")
        assert b"Support" in client_agent.get(url("teams", workspace)).content
        assert client_agent.post(url("teams", workspace), {"name": "Sneaky"}).status_code == 403
        assert client_agent.post(url("team_delete", workspace, team_id=team.pk)).status_code == 403
        assert Team.objects.for_workspace(workspace).count() == 1


class TestMessengerSettings:
    def test_admin_sees_the_install_code_and_saves_settings(self, client_admin, workspace):
        page = client_admin.get(url("settings_messenger", workspace)).content.decode()
        assert f"/widget/{workspace.app_id}" in page and workspace.identity_secret in page
        response = client_admin.post(url("settings_messenger", workspace), {
            "messenger_color": "#AA0000", "launcher_alignment": "left", "identity_verification_required": "on"})
        assert response.status_code == 302
        workspace.refresh_from_db()
        assert (workspace.messenger_color, workspace.launcher_alignment, workspace.identity_verification_required) == (
            "#aa0000", "left", True)

    def test_bad_colour_re_renders(self, client_admin, workspace):
        response = client_admin.post(url("settings_messenger", workspace), {"messenger_color": "blue", "launcher_alignment": "up"})
        assert response.status_code == 400 and b"#RRGGBB" in response.content

    def test_agents_cannot_see_the_secret_or_rotate_it(self, client_agent, workspace):
        assert client_agent.get(url("settings_messenger", workspace)).status_code == 403
        before = workspace.identity_secret
        assert client_agent.post(url("identity_secret_rotate", workspace)).status_code == 403
        workspace.refresh_from_db()
        assert workspace.identity_secret == before

    def test_rotating_the_secret_invalidates_old_hashes(self, client_admin, workspace):
        before = workspace.identity_secret
        client_admin.post(url("identity_secret_rotate", workspace))
        workspace.refresh_from_db()
        assert workspace.identity_secret != before and len(workspace.identity_secret) >= 40
