"""Import and export on an admin changelist: upload, a dry-run preview row by row, confirm.

`TransferAdminMixin` adds three pages to a ModelAdmin whose `transfer_kind` names a registered
resource: export (a CSV or XLSX download), import (the upload form) and the job page, which
shows a progress bar while a worker runs the file (refreshed by a meta refresh and a link: no
script, so the page works without JavaScript and under the CSP), then the preview with every
error on its row and a confirm button, then the result.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from shop.catalog.transfer import engine, files, jobs, tasks
from shop.catalog.transfer.models import ImportJob

# The preview lists at most this many rows of each status (every error row is listed).
PREVIEW_ROWS = 1000


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="UTF-8 CSV or an Excel workbook (.xlsx), at most 100,000 rows; its first row "
        "names the columns. Nothing is written until you confirm the preview.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > files.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {files.MAX_BYTES // (1024 * 1024)} MB."
            )
        try:
            files.file_format(upload.name)
        except files.FileRefused as refused:
            raise forms.ValidationError(refused.detail) from None
        return upload


class TransferAdminMixin:
    """For a ModelAdmin: `transfer_kind` is the engine's kind ("products", "kits", ...)."""

    transfer_kind = ""
    change_list_template: ClassVar[Any] = "admin/catalog_transfer/change_list.html"

    def _name(self, view: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_{view}"

    def get_urls(self) -> list[URLPattern]:
        site = self.admin_site  # type: ignore[attr-defined]
        own = [
            path("export/", site.admin_view(self.export_view), name=self._name("export")),
            path("import/", site.admin_view(self.import_view), name=self._name("import")),
            path(
                "import/<int:job_id>/",
                site.admin_view(self.import_job_view),
                name=self._name("import_job"),
            ),
        ]
        inherited: list[URLPattern] = super().get_urls()  # type: ignore[misc]
        return own + inherited

    def _may_import(self, request: HttpRequest) -> bool:
        return bool(
            self.has_add_permission(request)  # type: ignore[attr-defined]
            and self.has_change_permission(request)  # type: ignore[attr-defined]
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        context = {
            "transfer_export_url": reverse(f"admin:{self._name('export')}"),
            "transfer_import_url": reverse(f"admin:{self._name('import')}")
            if self._may_import(request)
            else None,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)  # type: ignore[misc]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": title,
            "kind": self.transfer_kind,
            "import_url": reverse(f"admin:{self._name('import')}"),
            "changelist_url": reverse(f"admin:{self._name('changelist')}"),
            "columns": engine.resource_for(self.transfer_kind).columns(),
            **extra,
        }

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        data = engine.catalog_export(kind=self.transfer_kind, fmt=fmt)
        content_type = {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[fmt]
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.transfer_kind}.{fmt}"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_import(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = jobs.import_job_create(
                    kind=self.transfer_kind,
                    name=upload.name,
                    data=upload.read(),
                    user=request.user,
                )
            except files.FileRefused as refused:
                form.add_error("file", refused.detail)
            else:
                tasks.import_job_dispatch(job=job)
                return HttpResponseRedirect(self._job_url(job))
        title = f"Import {self.model._meta.verbose_name_plural}"  # type: ignore[attr-defined]
        return TemplateResponse(
            request,
            "admin/catalog_transfer/import.html",
            self._context(request, title, form=form),
        )

    def _job_url(self, job: ImportJob) -> str:
        return reverse(f"admin:{self._name('import_job')}", args=[job.pk])

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        if not self._may_import(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob, pk=job_id, kind=self.transfer_kind)
        if request.method == "POST":
            if jobs.import_job_confirm(job=job):
                tasks.import_job_dispatch(job=job)
            else:
                messages.error(request, "This file cannot be imported: check it again.")
            return HttpResponseRedirect(self._job_url(job))
        report = jobs.job_report(job)
        title = f"Import of {job.file_name}"
        return TemplateResponse(
            request,
            "admin/catalog_transfer/job.html",
            self._context(
                request,
                title,
                job=job,
                report=report,
                done=jobs.job_progress(job),
                shown=_shown(report),
                job_url=self._job_url(job),
            ),
        )


def _shown(report: engine.Report | None) -> list[engine.Row]:
    """Every error row, then up to PREVIEW_ROWS rows of each other status, in file order."""
    if report is None:
        return []
    counts: dict[str, int] = {}
    shown = []
    for row in report.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
        if row.status == "error" or counts[row.status] <= PREVIEW_ROWS:
            shown.append(row)
    return shown
