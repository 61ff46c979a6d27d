"""The public help center, /help/<help center slug>/…, and article pictures, /help/media/<token>."""

from django.urls import path

from articles import public_views

app_name = "help_center"

urlpatterns = [
    path("media/<str:token>", public_views.media, name="media"),
]
