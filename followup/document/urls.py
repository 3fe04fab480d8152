"""The published follow-up documents, under /uppfoljning/."""

from django.urls import path

from . import views

app_name = "document"

urlpatterns = [
    path("<slug:slug>/", views.follow_up, name="follow_up"),
    path("<slug:slug>/pdf/", views.follow_up_pdf, name="follow_up_pdf"),
    path("<slug:slug>/utkast/<int:pk>/", views.draft, name="draft"),
    path("<slug:slug>/utkast/<int:pk>/pdf/", views.draft_pdf, name="draft_pdf"),
    path(
        "<slug:slug>/utkast/<int:pk>/pdf/<int:preview_pk>/",
        views.draft_pdf_status,
        name="draft_pdf_status",
    ),
    path(
        "<slug:slug>/utkast/<int:pk>/pdf/<int:preview_pk>/ladda-ner/",
        views.draft_pdf_download,
        name="draft_pdf_download",
    ),
]
