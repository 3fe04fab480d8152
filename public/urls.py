"""The public side: wired into the project's urlconf at the root."""

from django.urls import path

from . import api, feeds, views

app_name = "public"

urlpatterns = [
    path("", views.start, name="start"),
    path("loften/", views.promises, name="promises"),
    path("loften/<slug:slug>/", views.promise, name="promise"),
    # Follow: Atom feeds of new follow-ups.
    path("flode/", feeds.FollowUpsFeed(), name="feed"),
    path("loften/<slug:slug>/flode/", feeds.PromiseFollowUpsFeed(), name="promise_feed"),
    # Reuse: open data, described by CSVW and catalogued in DCAT-AP-SE.
    path("loften/<slug:slug>/data/dellofter.csv", views.statuses_csv, name="statuses_csv"),
    path("loften/<slug:slug>/data/siffror.csv", views.figures_csv, name="figures_csv"),
    path("loften/<slug:slug>/data/csv-metadata.json", views.csv_metadata, name="csv_metadata"),
    # dataportal.se harvests /datasets/dcat by convention; the well-known name is an alias.
    path("datasets/dcat", views.dcat, name="dcat"),
    path(".well-known/dcat", views.dcat, name="dcat_well_known"),
    # The read-only JSON API.
    path("api/v1/", api.index, name="api_index"),
    path("api/v1/openapi.json", api.openapi, name="api_openapi"),
    path("api/v1/promises/", api.promises, name="api_promises"),
    path("api/v1/promises/<slug:slug>/", api.promise, name="api_promise"),
]
