from django.contrib import admin
from django.urls import include, path

from followup.review.start import start_page

from . import views
from .admin_tools.scope import view_on_site

admin.site.site_header = "Medborgarlöften"
admin.site.site_title = "Medborgarlöften"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin's own: "view on site" only for objects in the user's admin lists.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
        name="admin_view_on_site",
    ),
    # Admin opens on what needs doing (followup/review/start.py), not on a list of models.
    path("admin/", admin.site.admin_view(start_page), name="admin_start"),
    path("admin/", admin.site.urls),
    path("accounts/", include("lofte.accounts.login_links")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("rapportering/", include("followup.portal.urls")),
    path("uppfoljning/", include("followup.document.urls")),
    # The public side (start page, promise pages, feeds, open data, API); nothing imports it.
    path("", include("public.urls")),
]
