"""An import's upload is bounded, and bound to the coordinator who uploaded it."""

import datetime
import io
import os
import tempfile
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from lofte.models import PendingImport
from parties.models import Partner

from .conftest import make_coordinator, make_promise
from .test_import_export import format_index, import_file

pytestmark = pytest.mark.django_db

PARTNERS = "namn,typ,e-post,löften\nNy förening,association,,backa\n"
CONFIRM = reverse("admin:parties_partner_process_import")
IMPORT = reverse("admin:parties_partner_import")


@pytest.fixture
def two():
    backa, angered = make_promise("Backa", slug="backa"), make_promise("Angered", slug="angered")
    return {
        "backa": backa,
        "angered": angered,
        "mine": make_coordinator(backa, "samordnare-backa"),
        "colleague": make_coordinator(backa, "samordnare-backa-2"),
        "other": make_coordinator(angered, "samordnare-angered"),
    }


def preview(client, content: bytes, name="parter.csv", fmt="csv"):
    return import_file(client, "parties_partner", content, name, fmt, confirm=False)[0]


def confirm_data(response) -> dict:
    form = response.context["confirm_form"]
    return {name: value for name, value in form.initial.items() if value is not None}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_another_coordinators_pending_upload_cannot_be_confirmed(client, two):
    client.force_login(two["mine"])
    mine = confirm_data(preview(client, PARTNERS.encode()))
    assert PendingImport.objects.count() == 1

    # Another coordinator, of my promise or another, sends my token or the stored name.
    stored = PendingImport.objects.get().name
    for someone in (two["colleague"], two["other"]):
        client.force_login(someone)
        for name in (mine["import_file_name"], stored):
            response = client.post(CONFIRM, {**mine, "import_file_name": name}, follow=True)
            assert response.redirect_chain[-1][0] == IMPORT
            assert "Den här uppladdningen kan inte längre importeras" in messages_of(response)[0]
    assert not Partner.objects.filter(name="Ny förening").exists()
    # My upload is untouched, and I can still confirm it.
    assert PendingImport.objects.filter(name=stored).exists()
    client.force_login(two["mine"])
    client.post(CONFIRM, mine, follow=True)
    assert Partner.objects.filter(name="Ny förening").exists()
    assert not PendingImport.objects.exists()


def test_a_file_name_in_the_form_never_reads_or_deletes_a_server_file(client, two):
    """Django-import-export's own storage read (and deleted) whatever file of the temp
    folder the confirmation form named."""
    client.force_login(two["mine"])
    token = confirm_data(preview(client, PARTNERS.encode()))
    handle, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as planted:
            planted.write("namn,typ,e-post,löften\nPlanterad part,association,,backa\n")
        for name in (os.path.basename(path), path, "../" * 8 + path.lstrip("/")):
            response = client.post(CONFIRM, {**token, "import_file_name": name}, follow=True)
            assert response.status_code == 200
            assert "Ladda upp filen igen" in messages_of(response)[0]
        assert os.path.exists(path)
    finally:
        os.remove(path)
    assert not Partner.objects.filter(name__in=["Planterad part", "Ny förening"]).exists()


def test_the_confirmation_uses_the_previewed_format_whatever_the_form_says(client, two):
    client.force_login(two["mine"])
    data = confirm_data(preview(client, PARTNERS.encode()))
    for fmt in ("999", "x", "-1"):
        client.post(CONFIRM, {**data, "format": fmt})
    assert Partner.objects.filter(name="Ny förening").count() == 1
    # A second confirmation of the same upload finds it gone, and says so.
    response = client.post(CONFIRM, data, follow=True)
    assert "Ladda upp filen igen" in messages_of(response)[-1]


def test_the_preview_shows_no_server_path(client, two):
    client.force_login(two["mine"])
    page = preview(client, PARTNERS.encode()).content.decode()
    assert tempfile.gettempdir() not in page
    assert 'name="import_file_name"' in page


def test_an_oversized_file_is_refused_before_parsing(client, two, settings):
    assert settings.IMPORT_MAX_FILE_SIZE == 5 * 1024 * 1024
    settings.IMPORT_MAX_FILE_SIZE = 1024
    client.force_login(two["mine"])
    content = (PARTNERS + "".join(f"Förening {n},association,,backa\n" for n in range(60))).encode()
    assert len(content) > 1024
    response = preview(client, content)
    errors = response.context["form"].errors["import_file"]
    assert errors == [
        f"Filen är {len(content) / 1024:.1f}\xa0kB; en fil att importera får vara högst "
        "1,0\xa0kB. Dela upp den i mindre filer.".replace(".", ",", 1)
    ]
    assert "Dela upp den i mindre filer" in response.content.decode()
    assert "result" not in response.context
    assert not PendingImport.objects.exists()
    assert not Partner.objects.filter(name="Ny förening").exists()


def zip_bomb(unpacked: int) -> bytes:
    """An “xlsx” whose one part unpacks to `unpacked` bytes of zeros (a few KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked)
    return buffer.getvalue()


def test_a_spreadsheet_that_unpacks_beyond_the_limit_is_refused_unopened(client, two, settings):
    settings.IMPORT_MAX_EXPANDED_SIZE = 1024 * 1024
    client.force_login(two["mine"])
    bomb = zip_bomb(3 * 1024 * 1024)
    assert len(bomb) < 10_000
    response = preview(client, bomb, "parter.xlsx", "xlsx")
    assert response.context["form"].errors["import_file"] == [
        "Kalkylbladet packas upp till 3,0\xa0MB; högst 1,0\xa0MB kan importeras. "
        "Dela upp det i mindre filer."
    ]
    assert not PendingImport.objects.exists()


def test_a_broken_zip_is_a_clear_error(client, two):
    client.force_login(two["mine"])
    broken = zip_bomb(10)[:-30]
    response = preview(client, broken, "parter.xlsx", "xlsx")
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]
    assert not PendingImport.objects.exists()


def test_a_preview_with_errors_keeps_no_upload(client, two):
    client.force_login(two["mine"])
    response = preview(client, b"namn,typ,e-post,l\xc3\xb6ften\nNy,association,,angered\n")
    assert response.context["result"].has_validation_errors()
    assert "confirm_form" not in response.context
    assert not PendingImport.objects.exists()


def test_abandoned_uploads_are_removed(client, two, settings):
    client.force_login(two["mine"])
    preview(client, PARTNERS.encode())
    old = PendingImport.objects.get()
    PendingImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE + 1)
    )
    preview(client, PARTNERS.encode())
    assert list(PendingImport.objects.exclude(pk=old.pk)) == list(PendingImport.objects.all())
    assert PendingImport.objects.count() == 1


def test_every_import_admin_binds_its_uploads():
    from django.contrib import admin
    from import_export.admin import ImportMixin

    from lofte.spreadsheets.imports import BoundConfirmImportForm, LimitedImportForm

    importing = [a for a in admin.site._registry.values() if isinstance(a, ImportMixin)]
    assert len(importing) == 4
    for model_admin in importing:
        assert issubclass(model_admin.get_import_form_class(None), LimitedImportForm)
        assert issubclass(model_admin.get_confirm_form_class(None), BoundConfirmImportForm)


def test_the_format_choice_is_still_offered(client, two):
    client.force_login(two["mine"])
    assert format_index(IMPORT, client, "xlsx")
