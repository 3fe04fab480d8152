"""The public side: wired into the project's urlconf at the root."""

from django.urls import path
from django.views.decorators.cache import cache_page

from . import api, feeds, views
from .caching import CACHE_SECONDS

app_name = "public"

# Feeds, open data and the API hold no per-user content (no CSRF token, no messages), so a
# copy is kept a minute per URL and language and proxies may keep it as long: a hundred
# readers of one promise cost one build of it a minute. HTML pages carry the language form's
# CSRF token: the promise page keeps its content in the cache (public/caching.py) and builds
# its header per request.
cached = cache_page(CACHE_SECONDS)

urlpatterns = [
    path("", views.start, name="start"),
    path("loften/", views.promises, name="promises"),
    path("loften/<slug:slug>/", views.promise, name="promise"),
    path("kommun/<str:code>/", views.municipality, name="municipality"),
    path("loften/<slug:slug>/widget/", cached(views.widget), name="widget"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("personuppgifter/", views.personal_data, name="personal_data"),
    # A publisher's logo, re-encoded on upload (parties/logos.py); the version is in the name.
    path("utgivare/<int:pk>/logo-<str:version>.png", views.publisher_logo, name="publisher_logo"),
    # Follow: email, with double opt-in and one-click unsubscribe.
    path("loften/<slug:slug>/prenumerera/", views.subscribe, name="subscribe"),
    path(
        "prenumeration/<str:token>/bekrafta/",
        views.confirm_subscription,
        name="confirm_subscription",
    ),
    path("prenumeration/<str:token>/avsluta/", views.unsubscribe, name="unsubscribe"),
    # Follow: Atom feeds of new follow-ups.
    path("flode/", cached(feeds.FollowUpsFeed()), name="feed"),
    path("loften/<slug:slug>/flode/", cached(feeds.PromiseFollowUpsFeed()), name="promise_feed"),
    # Reuse: open data, described by CSVW and catalogued in DCAT-AP-SE.
    path("loften/<slug:slug>/data/dellofter.csv", cached(views.statuses_csv), name="statuses_csv"),
    path("loften/<slug:slug>/data/siffror.csv", cached(views.figures_csv), name="figures_csv"),
    path(
        "loften/<slug:slug>/data/csv-metadata.json", cached(views.csv_metadata), name="csv_metadata"
    ),
    # dataportal.se harvests /datasets/dcat by convention; the well-known name is an alias.
    path("datasets/dcat", cached(views.dcat), name="dcat"),
    path(".well-known/dcat", cached(views.dcat), name="dcat_well_known"),
    # The read-only JSON API.
    path("api/v1/", cached(api.index), name="api_index"),
    path("api/v1/openapi.json", cached(api.openapi), name="api_openapi"),
    path("api/v1/promises/", cached(api.promises), name="api_promises"),
    # Kept per promise version instead (public/caching.py): an approval shows at once.
    path("api/v1/promises/<slug:slug>/", api.promise, name="api_promise"),
]
