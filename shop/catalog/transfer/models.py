"""An import job: the uploaded file, its dry run and then its import, run in a request or a
Celery worker, with the report each step left for the admin's preview and result pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECK_QUEUED = "check_queued", "waiting to be checked"
        CHECKING = "checking", "being checked"
        CHECKED = "checked", "checked (nothing written yet)"
        IMPORT_QUEUED = "import_queued", "waiting to be imported"
        IMPORTING = "importing", "being imported"
        IMPORTED = "imported", "imported"
        REFUSED = "refused", "not imported: errors (nothing written)"

    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField()
    rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECK_QUEUED)
    report = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in RUNNING


RUNNING = {
    ImportJob.Status.CHECK_QUEUED,
    ImportJob.Status.CHECKING,
    ImportJob.Status.IMPORT_QUEUED,
    ImportJob.Status.IMPORTING,
}
