from django.urls import path

from tickets import views, views_create

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
]
