from django.urls import include, path
from django.views.i18n import set_language

from core.streams import streams_health
from inbox.streams import inbox_stream
from messenger.streams import messenger_stream
from core.views import healthz, livez

AREA_APPS = ["inbox", "contacts", "articles", "outbound", "bots", "tours", "tickets", "reports"]

urlpatterns = [
    path("", include("workspaces.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("media/", include("core.media_urls")),
    # Email providers' webhooks (inbound mail); Basic auth or the provider's signature.
    path("anymail/", include("anymail.urls")),
    path("streams/health", streams_health, name="streams_health"),
    path("streams/messenger", messenger_stream, name="messenger_stream"),
    path("streams/w/<slug:workspace_slug>/inbox", inbox_stream, name="inbox_stream"),
    path("", include("messenger.urls")),
    path("demo/", include("messenger.demo_urls")),
    # The public help center and its pictures; no session needed.
    path("help/", include("articles.public_urls")),
    # Open pixel, click tracker and unsubscribe of outbound emails; no session.
    path("e/", include("outbound.public_urls")),
    *[path(f"w/<slug:workspace_slug>/{app}/", include(f"{app}.urls")) for app in AREA_APPS],
]
