from django.urls import path

from inbox import sidebar_views, views

app_name = "inbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<int:number>/", views.conversation_detail, name="conversation"),
    path("c/<int:number>/older/", views.conversation_older, name="older"),
    path("c/<int:number>/new-parts/", views.conversation_new_parts, name="new_parts"),
    path("c/<int:number>/reply/", views.conversation_reply, name="reply"),
    path("c/<int:number>/assign/", views.conversation_assign, name="assign"),
    path("c/<int:number>/tags/", views.conversation_tag, name="tag"),
    path("c/<int:number>/tags/<int:tag_id>/remove/", views.conversation_untag, name="untag"),
    path("c/<int:number>/saved-reply/", views.saved_reply_insert, name="saved_reply_insert"),
    path("c/<int:number>/typing/", views.conversation_typing, name="typing"),
    path("c/<int:number>/customer/tags/", sidebar_views.contact_tag, name="contact_tag"),
    path("c/<int:number>/customer/tags/<int:tag_id>/remove/", sidebar_views.contact_untag, name="contact_untag"),
    path("c/<int:number>/customer/notes/", sidebar_views.customer_note, name="customer_note"),
    path("c/<int:number>/<str:action>/", views.conversation_state, name="state"),
    path("articles/search/", views.article_search, name="article_search"),
    path("email/", views.email_log, name="email_log"),
    path("saved-replies/", views.saved_replies, name="saved_replies"),
    path("saved-replies/<int:saved_reply_id>/", views.saved_reply_edit, name="saved_reply_edit"),
    path("saved-replies/<int:saved_reply_id>/delete/", views.saved_reply_delete, name="saved_reply_delete"),
]
