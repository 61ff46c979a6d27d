from django.urls import include, path

from workspaces import views

app_name = "workspaces"

workspace_urlpatterns = [
    path("", views.workspace_home, name="workspace_home"),
    path("settings/", views.settings_general, name="settings_general"),
    path("settings/messenger/", views.settings_messenger, name="settings_messenger"),
    path("settings/messenger/rotate-secret/", views.identity_secret_rotate, name="identity_secret_rotate"),
    path("settings/teammates/", views.teammates, name="teammates"),
    path("settings/teammates/invite/", views.invitation_create, name="invitation_create"),
    path("settings/teammates/<int:membership_id>/role/", views.membership_role, name="membership_role"),
    path("settings/teammates/<int:membership_id>/remove/", views.membership_remove, name="membership_remove"),
    path("settings/invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("settings/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/teams/", views.teams, name="teams"),
    path("settings/teams/<int:team_id>/", views.team_edit, name="team_edit"),
    path("settings/teams/<int:team_id>/delete/", views.team_delete, name="team_delete"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("workspaces/new/", views.workspace_create, name="create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("w/<slug:workspace_slug>/", include(workspace_urlpatterns)),
]
