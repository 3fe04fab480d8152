"""An import's uploaded file: bounded, and bound to the coordinator who uploaded it.

django-import-export keeps the file between the preview and the confirmation in its
temporary storage (IMPORT_EXPORT_TMP_STORAGE_CLASS) and names it in a hidden field of the
confirmation form. Its default, a file in the server's temp folder found by the name the form
sends, let a user confirm (and so delete) any file there, another coordinator's pending upload
among them, and showed a server path in the page. Here:

- the file is a PendingImport row in the database (any app server can confirm it), named by a
  random name that the storage itself chooses;
- the confirmation form carries a token signed for the uploader, holding that name and the
  file's format; a name typed into the form, another user's token or an old one is refused,
  and nothing is imported;
- a file is removed once imported, at once when its preview found errors, and after
  IMPORT_UPLOAD_MAX_AGE seconds when abandoned;
- before any parsing, a file over IMPORT_MAX_FILE_SIZE bytes, or a spreadsheet (a zip
  archive) that would unpack to more than IMPORT_MAX_EXPANDED_SIZE bytes, is refused with a
  message saying so.
"""

import datetime
import re
import zipfile
from uuid import uuid4

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import BaseStorage

from lofte.models import PendingImport

SALT = "lofte.imports.pending-upload"
# A random name of the storage's own choosing, never a path.
NAME = re.compile(r"^[0-9a-f]{32}$")
# A spreadsheet is a few dozen files in a zip archive; thousands are no spreadsheet.
MAX_ARCHIVE_ENTRIES = 1_000


def remove_abandoned() -> None:
    """Deletes uploads that were neither confirmed nor refused in time."""
    too_old = timezone.now() - datetime.timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE)
    PendingImport.objects.filter(created_at__lt=too_old).delete()


class DatabaseStorage(BaseStorage):
    """django-import-export's temporary storage, in the PendingImport table."""

    def save(self, data) -> None:
        remove_abandoned()
        self.name = uuid4().hex
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        PendingImport.objects.create(name=self.name, data=data)

    def read(self) -> bytes:
        row = PendingImport.objects.filter(name=self._checked_name()).first()
        if row is None:
            raise FileNotFoundError("The upload is no longer stored.")
        return bytes(row.data)

    def remove(self) -> None:
        PendingImport.objects.filter(name=self._checked_name()).delete()

    def _checked_name(self) -> str:
        if not NAME.match(self.name or ""):
            raise ValueError("Not a name this storage gave.")
        return self.name


def check_upload(upload) -> None:
    """Refuses a file too large to import, before anything parses it."""
    limit = settings.IMPORT_MAX_FILE_SIZE
    if upload.size > limit:
        raise ValidationError(
            _(
                "The file is %(size)s; a file to import may be at most %(limit)s. "
                "Split it into smaller files."
            ),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    upload.seek(0)
    try:
        if not zipfile.is_zipfile(upload):
            return
        # An xlsx file is a zip archive: its directory says how large each part unpacks
        # (zipfile never unpacks more than that), so a zip bomb is refused unopened.
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ValidationError(
            _("The file could not be read as a spreadsheet. Save it as xlsx or csv and try again."),
            code="unreadable",
        ) from None
    finally:
        upload.seek(0)
    expanded = sum(entry.file_size for entry in entries)
    limit = settings.IMPORT_MAX_EXPANDED_SIZE
    if expanded > limit or len(entries) > MAX_ARCHIVE_ENTRIES:
        raise ValidationError(
            _(
                "The spreadsheet unpacks to %(size)s; at most %(limit)s can be imported. "
                "Split it into smaller files."
            ),
            code="expands_too_much",
            params={"size": filesizeformat(expanded), "limit": filesizeformat(limit)},
        )


class LimitedImportForm(ImportForm):
    """The upload step: the file's size (and unpacked size) is checked before parsing."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        check_upload(upload)
        return upload


UPLOAD_GONE = _(
    "This upload can no longer be imported: it was imported already, it was left too long, "
    "or it is not yours. Upload the file again."
)


class BoundConfirmImportForm(ConfirmImportForm):
    """The confirmation step: accepts only a token signed for this user's own upload."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.signed = None

    def clean_import_file_name(self):
        token = self.cleaned_data["import_file_name"]
        try:
            payload = signing.loads(token, salt=SALT, max_age=settings.IMPORT_UPLOAD_MAX_AGE)
        except signing.BadSignature:  # also an expired one
            raise ValidationError(UPLOAD_GONE, code="upload_gone") from None
        if (
            not isinstance(payload, dict)
            or self.user is None
            or payload.get("user") != self.user.pk
            or not NAME.match(str(payload.get("name")))
            or not PendingImport.objects.filter(name=payload["name"]).exists()
        ):
            raise ValidationError(UPLOAD_GONE, code="upload_gone")
        self.signed = payload
        return payload["name"]

    def clean(self):
        cleaned = super().clean()
        if self.signed is not None:
            # The format and resource the preview used, not what the form was sent.
            cleaned["format"] = self.signed["format"]
            cleaned["resource"] = self.signed["resource"]
        return cleaned


class BoundUploadMixin:
    """For ModelAdmins with import: uploads bounded and bound to their uploader."""

    import_form_class = LimitedImportForm
    confirm_form_class = BoundConfirmImportForm

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["import_file_name"] = signing.dumps(
                {
                    "user": request.user.pk,
                    "name": initial["import_file_name"],
                    "format": str(initial["format"]),
                    "resource": str(initial.get("resource") or ""),
                },
                salt=SALT,
            )
        return initial

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if not context.get("confirm_form"):
            # A preview with errors cannot be confirmed: its file goes at once.
            name = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
            if name:
                PendingImport.objects.filter(name=name).delete()
        return response

    def process_import(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_confirm_form(request)
            if not form.is_valid():
                for message in dict.fromkeys(e for errors in form.errors.values() for e in errors):
                    messages.error(request, message)
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
                )
        return super().process_import(request, **kwargs)
