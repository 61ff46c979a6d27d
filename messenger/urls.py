from django.urls import path

from messenger import api, help_views, ticket_views, views

app_name = "messenger"

urlpatterns = [
    path("widget/<str:app_id>", api.loader, name="loader_intercom_path"),
    path("messenger/loader.js", api.loader, name="loader"),
    path("messenger/api/boot", api.boot, name="boot"),
    path("messenger/api/ping", api.ping, name="ping"),
    path("messenger/api/events", api.events, name="events"),
    path("messenger/api/unread", api.unread, name="unread"),
    path("messenger/panel/", views.panel, name="panel"),
    path("messenger/panel/home", views.home, name="home"),
    path("messenger/panel/conversations", views.conversation_list, name="conversations"),
    path("messenger/panel/conversations/new", views.conversation_new, name="conversation_new"),
    path("messenger/panel/conversations/start", views.conversation_start, name="conversation_start"),
    path("messenger/panel/conversations/<int:number>", views.conversation_detail, name="conversation"),
    path("messenger/panel/conversations/<int:number>/messages", views.message_create, name="message_create"),
    path(
        "messenger/panel/conversations/<int:number>/poll", views.conversation_poll, name="conversation_poll"
    ),
    path("messenger/panel/conversations/<int:number>/rate", views.conversation_rate, name="conversation_rate"),
    path("messenger/panel/conversations/<int:number>/typing", views.conversation_typing, name="conversation_typing"),
    path("messenger/panel/help", help_views.help_home, name="help"),
    path("messenger/panel/help/search", help_views.help_search, name="help_search"),
    path("messenger/panel/help/articles/<int:number>", help_views.help_article, name="help_article"),
    path("messenger/panel/help/articles/<int:number>/react", help_views.help_react, name="help_react"),
    path("messenger/panel/help/suggestions", help_views.suggestions, name="help_suggestions"),
    path("messenger/attachments/<str:token>/", views.attachment, name="attachment"),
    path("messenger/panel/tickets", ticket_views.ticket_list, name="tickets"),
    path("messenger/panel/tickets/unread", ticket_views.ticket_unread, name="tickets_unread"),
    path("messenger/panel/tickets/new", ticket_views.ticket_new, name="ticket_new"),
    path("messenger/panel/tickets/create", ticket_views.ticket_create, name="ticket_create"),
    path("messenger/panel/tickets/<int:number>", ticket_views.ticket_detail, name="ticket"),
    path("messenger/panel/tickets/<int:number>/live", ticket_views.ticket_live, name="ticket_live"),
    path("messenger/panel/tickets/<int:number>/messages", ticket_views.ticket_message_create,
         name="ticket_message_create"),
    path("messenger/ticket-files/<str:token>/", ticket_views.ticket_attachment, name="ticket_attachment"),
]
