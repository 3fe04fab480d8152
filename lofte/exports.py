"""Big admin exports are prepared by a worker; the coordinator gets a page and a link.

An xlsx of a national-scale list takes longer than a request should (and than gunicorn
allows). `QueuedExportMixin` lets an export of up to EXPORT_INLINE_MAX_ROWS rows answer at
once, as django-import-export does; a bigger one is recorded as an ExportJob (the list's
filters and the export form as posted) and queued. The worker (`prepare_export`) rebuilds the
same list as the same user, through the same admin methods, so the file holds exactly what
that user may export; the page `…/export/<id>/` waits for it and then links the file. Only the
user who asked, or a coordinator of the one promise the rows belong to, can open either; the
file is deleted EXPORT_FILE_MAX_AGE seconds after it is made.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_tasks import task

from .models import ExportJob


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


class QueuedExportMixin:
    """Exports of more than EXPORT_INLINE_MAX_ROWS rows go through the task queue."""

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
        if export_form is None or "export_items" in request.POST:
            return super()._do_file_export(file_format, request, queryset, export_form)
        rows = queryset.count()
        if rows <= settings.EXPORT_INLINE_MAX_ROWS:
            return super()._do_file_export(file_format, request, queryset, export_form)
        job = queue_export(model_admin=self, request=request, queryset=queryset, rows=rows)
        self.message_user(
            request,
            _("The file holds %(count)d rows and is being prepared. Its link appears below.")
            % {"count": job.row_count},
            messages.SUCCESS,
        )
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_export_job", job.pk)

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
    """Makes the file of an export job as its user would have had it in the request."""
    job = (
        ExportJob.objects.filter(pk=job_id, state=ExportJob.State.PENDING)
        .select_related("requested_by")
        .first()
    )
    if job is None:
        return "not pending"
    pending = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.PENDING)
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
        if isinstance(content, str):
            content = content.encode("utf-8")
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
