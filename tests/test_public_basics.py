"""A public-sector site's basics: the accessibility statement and the personal-data page."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from .conftest import make_coordinator, make_promise, make_user

pytestmark = pytest.mark.django_db

DIGG = (
    "https://www.digg.se/analys-och-uppfoljning/"
    "lagen-om-tillganglighet-till-digital-offentlig-service-dos-lagen/anmal-bristande-tillganglighet"
)


def text_of(response) -> str:
    assert response.status_code == 200
    body = response.content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_accessibility_statement_has_diggs_parts_before_anyone_writes_it(client, settings):
    settings.OWNER_EMAIL = "tillganglighet@example.org"
    response = client.get(reverse("public:accessibility"))
    text = text_of(response)
    for heading in [
        "Hur tillgänglig är webbplatsen?",
        "Vad är inte tillgängligt?",
        "Rapportera brister",
        "Tillsyn",
        "Hur vi testat webbplatsen",
    ]:
        assert heading in text
    assert "Webbplatsen är delvis förenlig med lagen" in text
    assert "Webbplatsen granskades senast den 25 november 2026." in text
    assert "tillganglighet@example.org" in text
    assert f'href="{DIGG}"' in response.content.decode()


def test_administrator_writes_the_statement_and_citizens_read_the_newest(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:public_accessibilitystatement_add"),
        {
            "organisation": "Göteborgs Stad",
            "compliance": "full",
            "known_gaps": "<b>Inga</b> kända brister.",
            "contact_email": "webb@goteborg.example",
            "assessment_method": "Granskad av en extern byrå.",
            "assessed_on": "2026-10-01",
        },
    )
    assert response.status_code == 302
    client.logout()
    text = text_of(client.get(reverse("public:accessibility")))
    assert "Göteborgs Stad står bakom den här webbplatsen." in text
    assert "Webbplatsen är helt förenlig med lagen" in text
    assert "Webbplatsen granskades senast den 1 oktober 2026." in text
    assert "<b>Inga</b> kända brister." in text  # shown as text, not markup
    assert f"Redogörelsen uppdaterades senast den {datetime.date.today():%-d}" in text


def test_coordinators_cannot_edit_the_statement(client):
    client.force_login(make_coordinator(make_promise()))
    response = client.get(reverse("admin:public_accessibilitystatement_add"))
    assert response.status_code == 403


def test_personal_data_page_says_what_is_kept_and_what_is_never_public(client):
    text = text_of(client.get(reverse("public:personal_data")))
    assert "Du behöver inget konto och vi sparar ingenting om dig." in text
    assert "aldrig vem som skrev det" in text


def test_every_public_page_links_both_from_its_footer(client):
    body = client.get(reverse("public:promises")).content.decode()
    assert f'href="{reverse("public:accessibility")}"' in body
    assert f'href="{reverse("public:personal_data")}"' in body
