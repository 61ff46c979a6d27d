from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.index, name="index"),
    path("count/", views.count, name="count"),
    path("bulk/tag/", views.bulk_tag, name="bulk_tag"),
    path("segments/", views.segment_create, name="segment_create"),
    path("segments/<int:segment_id>/", views.segment_update, name="segment_update"),
    path("segments/<int:segment_id>/delete/", views.segment_remove, name="segment_delete"),
]
