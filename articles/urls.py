"""The teammates' side of the help center, under /w/<workspace>/articles/."""

from django.urls import path

from articles import article_views, collection_views, settings_views, views

app_name = "articles"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", article_views.article_new, name="new"),
    path("images/", article_views.image_upload, name="image_upload"),
    path("<int:number>/", article_views.article_edit, name="edit"),
    path("<int:number>/preview/", article_views.article_preview, name="preview"),
    path("<int:number>/unpublish/", article_views.article_unpublish, name="unpublish"),
    path("<int:number>/delete/", article_views.article_delete, name="delete"),
    path("collections/", collection_views.collection_list, name="collections"),
    path("collections/new/", collection_views.collection_new, name="collection_new"),
    path("collections/order/", collection_views.collection_order, name="collection_order"),
    path("collections/<int:collection_id>/", collection_views.collection_detail, name="collection"),
    path("collections/<int:collection_id>/edit/", collection_views.collection_edit, name="collection_edit"),
    path("collections/<int:collection_id>/delete/", collection_views.collection_delete, name="collection_delete"),
    path("collections/<int:collection_id>/order/", collection_views.collection_reorder, name="collection_reorder"),
    path("collections/<int:collection_id>/add/", collection_views.collection_add_articles,
         name="collection_add_articles"),
    path("collections/<int:collection_id>/sections/", collection_views.section_create, name="section_create"),
    path("collections/<int:collection_id>/sections/<int:section_id>/", collection_views.section_update,
         name="section_update"),
    path("collections/<int:collection_id>/sections/<int:section_id>/delete/", collection_views.section_delete,
         name="section_delete"),
    path("settings/", settings_views.help_center_settings, name="settings"),
]
