from django.urls import path

from outbound import views

app_name = "outbound"

urlpatterns = [
    path("", views.index, name="index"),
]
