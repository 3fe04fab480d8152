"""The 400, 403, 404 and 500 pages: in Swedish first, in the site's style, with debug off."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path

from lofte import urls as project_urls


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("hostile")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test/forbidden/", forbidden),
    path("test/suspicious/", suspicious),
    path("test/broken/", broken),
    *project_urls.urlpatterns,
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls(__name__),
]

CSS = "/static/css/site.css"


@pytest.fixture(autouse=True)
def _debug_off():
    with override_settings(DEBUG=False):
        yield


@pytest.mark.parametrize(
    ("url", "status", "heading", "text"),
    [
        ("/test/suspicious/", 400, "Felaktig förfrågan", "Kontrollera det och försök igen."),
        ("/test/forbidden/", 403, "Åtkomst nekad", "Du har inte behörighet att se den här sidan."),
        ("/finns-inte/", 404, "Sidan hittades inte", "eller så är den inte din att se."),
        ("/test/broken/", 500, "Något gick fel", "försök igen om en stund."),
    ],
)
def test_error_pages_are_swedish_and_styled(url, status, heading, text):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="sv">' in page
    assert f"<h1>{heading}</h1>" in page
    assert text in page
    assert CSS in page
    assert 'href="/"' in page


def test_error_pages_are_in_english_for_who_chose_english():
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    assert "<h1>Page not found</h1>" in client.get("/finns-inte/").content.decode()
    assert "<h1>Something went wrong</h1>" in client.get("/test/broken/").content.decode()


def test_the_server_error_page_needs_no_database(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/test/broken/")
    assert response.status_code == 500
    assert "Något gick fel" in response.content.decode()


def test_a_logged_in_user_sees_the_not_found_page_with_the_site_menu(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("rapportor", password="x"))
    page = client.get("/finns-inte/").content.decode()
    assert "Sidan hittades inte" in page
    assert "Logga ut" in page
