from django.urls import path

from tickets import views, views_create, views_settings

app_name = "tickets"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.ticket_new, name="new"),
    path("from-conversation/<int:number>/", views_create.from_conversation, name="from_conversation"),
    path("<int:number>/", views.ticket, name="ticket"),
    path("<int:number>/edit/", views.ticket_edit, name="edit"),
    path("<int:number>/state/", views.ticket_state, name="state"),
    path("<int:number>/assign/", views.ticket_assign, name="assign"),
    path("<int:number>/tracker/", views.ticket_tracker, name="tracker"),
    path("<int:number>/note/", views.ticket_note, name="note"),
    path("<int:number>/files/<int:attachment_id>/", views.ticket_attachment, name="attachment"),
    path("settings/", views_settings.settings_index, name="settings"),
    path("settings/types/new/", views_settings.type_new, name="type_new"),
    path("settings/types/<int:type_id>/", views_settings.type_edit, name="type"),
    path("settings/types/<int:type_id>/archive/", views_settings.type_archive, name="type_archive"),
    path("settings/types/<int:type_id>/fields/", views_settings.field_save, name="field_new"),
    path("settings/types/<int:type_id>/fields/<int:field_id>/", views_settings.field_save, name="field"),
    path("settings/types/<int:type_id>/fields/<int:field_id>/delete/", views_settings.field_delete,
         name="field_delete"),
]
