"""Admin exports are written row by row; big ones are prepared by a worker.

django-import-export builds a whole tablib Dataset, and then the whole file, in memory.
Here the export list is read CHUNK_SIZE objects at a time (with the list's and resource's
prefetches made once a chunk) and each object becomes a row through the resource's own
`export_resource`, so the cells are the library's (formula escaping included); the rows
are written as they come (`writers.py`): a csv answers as a StreamingHttpResponse, an xlsx
is written to a temporary file and answered as a FileResponse.

An xlsx of a national-scale list takes longer than a request should (and than gunicorn
allows). `QueuedExportMixin` lets an export of up to EXPORT_INLINE_MAX_ROWS rows answer at
once; a bigger one is recorded as an ExportJob (the list's filters and the export form as
posted) and queued. The worker (`prepare_export`) rebuilds the same list as the same user,
through the same admin methods and the same writer, so the file holds exactly what that
user may export; the page `…/export/<id>/` waits for it and then links the file. Only the
user who asked, or a coordinator of the one promise the rows belong to, can open either; the
file is deleted EXPORT_FILE_MAX_AGE seconds after it is made.
"""

import datetime
import itertools
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_tasks import task
from import_export.formats.base_formats import BINARY_FORMATS, XLSX
from import_export.signals import post_export

from lofte.models import ExportJob

from . import writers

# Objects read (and prefetched for) at a time. A status report's row holds about 20 KB of
# objects (its sub-promise, focus area, contributions, their partners) while it is made: 200
# keep an export's memory near 10 MB whatever its length, at a few queries a chunk.
CHUNK_SIZE = 200
# A file is kept in memory up to this size while it is written, and on disk beyond it.
SPOOL_MAX_SIZE = 1024 * 1024


def expired_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.EXPORT_FILE_MAX_AGE)


def delete_expired_exports() -> int:
    """Deletes the files made longer than EXPORT_FILE_MAX_AGE ago (and their records)."""
    return ExportJob.objects.filter(finished_at__lt=expired_before()).delete()[0]


def _only_promise(queryset) -> int | None:
    """The promise all the rows belong to, if there is exactly one."""
    promise_path = getattr(queryset, "promise_path", None)
    if promise_path is None:
        return None
    promises = list(queryset.order_by().values_list(promise_path, flat=True).distinct()[:2])
    return promises[0] if len(promises) == 1 else None


def export_rows(
    model_admin, file_format, request, queryset, export_form=None
) -> tuple[list[str], Iterator[list]]:
    """The export's header row and its rows, as django-import-export would have them.

    What the library's `get_data_for_export` and `Resource.export` do, without the Dataset:
    the same resource and keyword arguments (the user, the format's native types), the
    columns the form selected, the resource's `before_export` and `filter_export`, and each
    row from `export_resource`. Rows are read through QuerySet.iterator, which makes the
    queryset's prefetches once per CHUNK_SIZE objects: a fixed few queries a chunk. (The
    library's `after_export` takes the Dataset, so it is not called; no resource of ours
    has one.)
    """
    if not model_admin.has_export_permission(request):
        raise PermissionDenied
    kwargs = {
        "force_native_type": type(file_format) in BINARY_FORMATS,
        "encoding": model_admin.to_encoding,
        "export_form": export_form,
    }
    resource_class = model_admin.choose_export_resource_class(export_form, request)
    resource = resource_class(**model_admin.get_export_resource_kwargs(request, **kwargs))
    fields = model_admin.get_export_resource_fields_from_form(export_form)
    kwargs["export_fields"] = fields
    resource.before_export(queryset, **kwargs)
    queryset = resource.filter_export(queryset, **kwargs)
    headers = resource.get_export_headers(selected_fields=fields)
    rows = (
        resource.export_resource(obj, selected_fields=fields, **kwargs)
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE)
    )
    return headers, rows


def _is_xlsx(file_format) -> bool:
    return isinstance(file_format, XLSX)


def write_export(model_admin, file_format, request, queryset, file: BinaryIO, export_form=None):
    """Writes the export's file to `file` (binary), row by row."""
    headers, rows = export_rows(model_admin, file_format, request, queryset, export_form)
    if _is_xlsx(file_format):
        escape = getattr(settings, "IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT", False) is True
        writers.write_xlsx(headers, rows, file, escape_illegal=escape)
    else:
        writers.write_csv(headers, rows, file, model_admin.to_encoding or "utf-8")


def _in_language(pieces: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    """The pieces made in the request's language (the state column is translated), also
    when the server reads them after the view has returned."""
    with translation.override(language):
        yield from pieces


def export_response(model_admin, file_format, request, queryset, export_form=None):
    """The file as an answer: a csv streamed as it is written, an xlsx from a temporary
    file (a zip is written whole before it can be read)."""
    content_type = file_format.get_content_type()
    if _is_xlsx(file_format):
        # Closed by the response once it is sent (or here, if the writing fails).
        file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115
        try:
            write_export(model_admin, file_format, request, queryset, file, export_form)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        filename = model_admin.get_export_filename(request, queryset, file_format)
        # Named in RFC 6266's form, as a name with å, ä or ö needs.
        response = FileResponse(
            file, as_attachment=True, filename=filename, content_type=content_type
        )
        response.block_size = writers.CSV_PIECE
        return response
    headers, rows = export_rows(model_admin, file_format, request, queryset, export_form)
    pieces = writers.csv_pieces(headers, rows, model_admin.to_encoding or "utf-8")
    # The first piece is made here, so that an error in the list's query or its first rows
    # is the request's (a message on the export page), not a file cut short.
    first = next(pieces)
    pieces = _in_language(itertools.chain([first], pieces), translation.get_language())
    response = StreamingHttpResponse(pieces, content_type=content_type)
    filename = model_admin.get_export_filename(request, queryset, file_format)
    # A name with å, ä or ö needs RFC 6266's form (django-import-export wrote it raw).
    response.headers["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class QueuedExportMixin:
    """Exports are written row by row; more than EXPORT_INLINE_MAX_ROWS rows go through the
    task queue."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "export/<int:job_id>/",
                view(self.export_job_view),
                name="{}_{}_export_job".format(*info),
            ),
            path(
                "export/<int:job_id>/fil/",
                view(self.export_file_view),
                name="{}_{}_export_file".format(*info),
            ),
            *super().get_urls(),
        ]

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """The file in the answer, or (for a big list) a page while a worker makes it.

        Replaces django-import-export's own, which builds the whole file in memory."""
        if export_form is None or "export_items" in request.POST:
            return self._file_response(file_format, request, queryset, export_form)
        rows = queryset.count()
        if rows <= settings.EXPORT_INLINE_MAX_ROWS:
            return self._file_response(file_format, request, queryset, export_form)
        job = queue_export(model_admin=self, request=request, queryset=queryset, rows=rows)
        self.message_user(
            request,
            _("The file holds %(count)d rows and is being prepared. Its link appears below.")
            % {"count": job.row_count},
            messages.SUCCESS,
        )
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_export_job", job.pk)

    def _file_response(self, file_format, request, queryset, export_form):
        response = export_response(self, file_format, request, queryset, export_form)
        post_export.send(sender=None, model=self.model)
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs) -> bytes:
        """The whole file's bytes, written row by row (the library's builds a Dataset)."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE) as file:
            write_export(self, file_format, request, queryset, file, kwargs.get("export_form"))
            file.seek(0)
            return file.read()

    def _get_export_job(self, request, job_id: int, *, with_file: bool = False) -> ExportJob:
        jobs = ExportJob.objects.visible_to(request.user).filter(
            model=self.opts.label_lower, pk=job_id
        )
        jobs = jobs.exclude(finished_at__lt=expired_before())
        job = (jobs if with_file else jobs.defer("content")).first()
        if job is None:
            raise Http404
        return job

    def export_job_view(self, request, job_id: int):
        """ "Being prepared…" until the worker has made the file, then its link."""
        job = self._get_export_job(request, job_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export of %(things)s") % {"things": self.opts.verbose_name_plural},
            "opts": self.opts,
            "job": job,
            "file_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_export_file", args=[job.pk]
            ),
            "expires_at": job.finished_at + datetime.timedelta(seconds=settings.EXPORT_FILE_MAX_AGE)
            if job.finished_at
            else None,
        }
        response = TemplateResponse(request, "admin/export_job.html", context)
        response.headers["Cache-Control"] = "no-store"
        return response

    def export_file_view(self, request, job_id: int):
        job = self._get_export_job(request, job_id, with_file=True)
        if job.state != ExportJob.State.READY:
            return redirect(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_export_job", job.pk
            )
        response = HttpResponse(bytes(job.content), content_type=job.content_type)
        # A name with å, ä or ö needs RFC 6266's form.
        response.headers["Content-Disposition"] = content_disposition_header(True, job.filename)
        response.headers["Cache-Control"] = "no-store"
        return response


def queue_export(*, model_admin, request, queryset, rows: int) -> ExportJob:
    """Records what was asked for and queues its making; returns at once."""
    form_data = {
        key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"
    }
    delete_expired_exports()
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=request.user,
            model=model_admin.opts.label_lower,
            promise_id=_only_promise(queryset),
            query=request.GET.urlencode(),
            form_data=form_data,
            row_count=rows,
        )
        prepare_export.enqueue(job.pk)
    return job


def _rebuilt_request(job: ExportJob) -> HttpRequest:
    """The export request as the worker replays it: the same user, list filters and form."""
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = "/"
    request.GET = QueryDict(job.query)
    request.POST = QueryDict(mutable=True)
    for key, values in job.form_data.items():
        request.POST.setlist(key, values)
    request.user = job.requested_by
    return request


@task()
def prepare_export(job_id: int) -> str:
    """Makes the file of an export job as its user would have had it in the request.

    The file is written row by row through the same writer as an inline export
    (`get_export_data`, `write_export`): no Dataset of all the rows is built. Only the
    finished file is read into memory, to be kept in ExportJob.content.
    """
    if not ExportJob.begin(job_id):
        return "not pending"  # ready, failed, being prepared, or deleted meanwhile
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    pending = ExportJob.objects.filter(
        pk=job_id, state=ExportJob.State.PENDING, started_at=job.started_at
    )
    try:
        model_admin = admin.site._registry[apps.get_model(job.model)]
        request = _rebuilt_request(job)
        if not (job.requested_by.is_active and model_admin.has_export_permission(request)):
            raise PermissionDenied(_("The user may no longer export this list."))
        formats = model_admin.get_export_formats()
        form = model_admin.get_export_form_class()(
            formats, model_admin.get_export_resource_classes(request), data=request.POST
        )
        if not form.is_valid():
            raise ValueError(form.errors.as_text())
        file_format = formats[int(form.cleaned_data["format"])]()
        queryset = model_admin.get_export_queryset(request)
        content = model_admin.get_export_data(
            file_format, request, queryset, encoding=model_admin.to_encoding, export_form=form
        )
        filename = model_admin.get_export_filename(request, queryset, file_format)
    except Exception as error:
        pending.update(
            state=ExportJob.State.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    pending.update(
        state=ExportJob.State.READY,
        content=content,
        filename=filename,
        content_type=file_format.get_content_type(),
        finished_at=timezone.now(),
    )
    return "ready"
