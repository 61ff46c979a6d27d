from django.urls import path

from contacts import attribute_views, company_views, distribution_views, import_views, profile_views, views

app_name = "contacts"

urlpatterns = [
    path("", views.index, name="index"),
    path("count/", views.count, name="count"),
    path("bulk/tag/", views.bulk_tag, name="bulk_tag"),
    path("segments/", views.segment_create, name="segment_create"),
    path("segments/<int:segment_id>/", views.segment_update, name="segment_update"),
    path("segments/<int:segment_id>/delete/", views.segment_remove, name="segment_delete"),
    path("people/<int:contact_id>/", profile_views.contact_profile, name="contact"),
    path("people/<int:contact_id>/tags/", profile_views.contact_tag, name="contact_tag"),
    path("people/<int:contact_id>/tags/<int:tag_id>/remove/", profile_views.contact_untag, name="contact_untag"),
    path("people/<int:contact_id>/notes/", profile_views.contact_note, name="contact_note"),
    path("companies/", company_views.company_list, name="companies"),
    path("companies/<int:company_id>/", company_views.company_profile, name="company"),
    path("companies/<int:company_id>/notes/", company_views.company_note, name="company_note"),
    path("attributes/", attribute_views.attribute_list, name="attributes"),
    path("attributes/<int:attribute_id>/", attribute_views.attribute_edit, name="attribute_edit"),
    path("attributes/<int:attribute_id>/archive/", attribute_views.attribute_archive_toggle, name="attribute_archive"),
    path("distribution/", distribution_views.distribution, name="distribution"),
    path("import/", import_views.import_list, name="import"),
    path("import/<int:import_id>/map/", import_views.import_map, name="import_map"),
    path("import/<int:import_id>/", import_views.import_detail, name="import_detail"),
    path("import/<int:import_id>/errors.csv", import_views.import_errors, name="import_errors"),
    path("export/", import_views.export, name="export"),
    path("export/ticked/", import_views.export_ticked, name="export_ticked"),
    path("merge/", import_views.merge, name="merge"),
]
