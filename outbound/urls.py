"""The teammates' outbound screens, under /w/<workspace>/outbound/."""

from django.urls import path

from outbound import mailbox_views, message_views, template_views, views

app_name = "outbound"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", message_views.message_new, name="new"),
    path("audience/count/", message_views.audience_count, name="audience_count"),
    path("contacts/", message_views.contact_search, name="contact_search"),
    path("<int:message_id>/", message_views.message_edit, name="edit"),
    path("<int:message_id>/preview/", message_views.message_preview, name="preview"),
    path("<int:message_id>/test/", message_views.message_send_test, name="send_test"),
    path("<int:message_id>/live/", message_views.message_set_live, name="set_live"),
    path("<int:message_id>/pause/", message_views.message_pause, name="pause"),
    path("<int:message_id>/stop/", message_views.message_stop, name="stop"),
    path("<int:message_id>/delete/", message_views.message_delete, name="delete"),
    path("<int:message_id>/progress/", message_views.message_progress, name="progress"),
    path("mailbox/", mailbox_views.mailbox_list, name="mailbox"),
    path("mailbox/<str:name>/", mailbox_views.mailbox_read, name="mailbox_read"),
    path("templates/", template_views.template_list, name="templates"),
    path("templates/new/", template_views.template_new, name="template_new"),
    path("templates/<int:template_id>/", template_views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", template_views.template_delete, name="template_delete"),
    path("templates/<int:template_id>/preview/", template_views.template_preview, name="template_preview"),
]
