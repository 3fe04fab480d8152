"""The public side: wired into the project's urlconf at the root."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.start, name="start"),
    path("loften/", views.promises, name="promises"),
    path("loften/<slug:slug>/", views.promise, name="promise"),
]
