from django.urls import path

from messenger import demo

app_name = "demo"

urlpatterns = [
    path("", demo.demo_site, name="site"),
    path("pricing", demo.demo_site, {"page": "pricing"}, name="pricing"),
]
