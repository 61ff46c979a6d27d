"""The public help center, /help/<help center slug>/…, and article pictures, /help/media/<token>
(articles/public_views.py describes each page)."""

from django.urls import path

from articles import public_views

app_name = "help_center"

urlpatterns = [
    # Before the help center routes: "media" reads as a help center slug otherwise.
    path("media/<str:token>", public_views.media, name="media"),
    path("<slug:help_center_slug>/", public_views.root, name="root"),
    path("<slug:help_center_slug>/sitemap.xml", public_views.sitemap, name="sitemap"),
    path("<slug:help_center_slug>/robots.txt", public_views.robots, name="robots"),
    path("<slug:help_center_slug>/theme.css", public_views.theme_css, name="theme"),
    path("<slug:help_center_slug>/<str:language>/", public_views.home, name="home"),
    path("<slug:help_center_slug>/<str:language>/search", public_views.search_page, name="search"),
    path("<slug:help_center_slug>/<str:language>/collections/<int:collection_id>", public_views.collection,
         name="collection"),
    path("<slug:help_center_slug>/<str:language>/articles/<int:number>-<str:slug>", public_views.article,
         name="article"),
    # Without its slug (short links, the messenger): redirects to the full address.
    path("<slug:help_center_slug>/<str:language>/articles/<int:number>", public_views.article,
         name="article_short"),
    path("<slug:help_center_slug>/<str:language>/articles/<int:number>/reactions", public_views.react,
         name="react"),
]
