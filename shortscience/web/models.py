from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_epoch() -> str:
    return secrets.token_hex(8)


class ContentClock(models.Model):
    """One row (id 1): the number of the last change applied (web/changes.py), the number up
    to which the log of changes was pruned, and an epoch that a new log starts with (a
    recreated table): pages stamped in another epoch are stale."""

    seq = models.BigIntegerField(default=0)
    pruned = models.BigIntegerField(default=0)
    epoch = models.CharField(max_length=16, default=new_epoch)

    def __str__(self) -> str:
        return f"content change {self.seq}"


class ContentChange(models.Model):
    """What one committed write changed, by tag ("paper:12", "member:3", "list:summaries",
    "everything"): every app server reads the new rows once a second to know which of the
    pages it keeps are stale (web/pages.py). Rows older than the page cache's lifetime are
    pruned: no page still kept can predate them."""

    seq = models.BigIntegerField()
    tag = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["seq"], name="content_change_seq"),
            models.Index(fields=["created"], name="content_change_created"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}: {self.tag}"


class TaskQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(failed_at__isnull=True, run_after__lte=now or timezone.now())


class Task(models.Model):
    """Work queued by a write and run by the background worker (web/tasks.py)."""

    name = models.CharField(max_length=100, help_text="what happened, e.g. summary_saved")
    args = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    run_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="gave up retrying")

    objects = TaskQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["run_after", "id"], condition=Q(failed_at__isnull=True), name="task_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.args}"
