from django.urls import path

from contacts import import_views, views

app_name = "contacts"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", import_views.import_list, name="import"),
    path("import/<int:import_id>/map/", import_views.import_map, name="import_map"),
    path("import/<int:import_id>/", import_views.import_detail, name="import_detail"),
    path("import/<int:import_id>/errors.csv", import_views.import_errors, name="import_errors"),
    path("export/", import_views.export, name="export"),
    path("merge/", import_views.merge, name="merge"),
]
