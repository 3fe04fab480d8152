"""The partners' reporting portal, under /rapportering/."""

from django.urls import path

from . import dashboard, views

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("omgang/<int:period_id>/", dashboard.period_detail, name="period"),
    path(
        "omgang/<int:period_id>/dellofte/<int:sub_promise_id>/",
        views.report_form,
        name="report",
    ),
]
