"""Addresses inside sent emails: the open pixel, the click tracker and unsubscribing. No
session: the delivery's random token (or a signature) is the permission."""

from django.urls import path

from outbound import public_views

app_name = "outbound_public"

urlpatterns = [
    path("o/<str:token>.gif", public_views.open_pixel, name="open"),
    path("c/<str:signed>/", public_views.click, name="click"),
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]
