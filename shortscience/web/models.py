from __future__ import annotations

import datetime

from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class ContentVersion(models.Model):
    """One row: a counter bumped by every write a public page could show (web/pages.py)."""

    number = models.BigIntegerField(default=0)
    changed = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"content version {self.number}"

    @classmethod
    def current(cls) -> tuple[int, object]:
        # Read on every anonymous request (web/pages.py), so in plain SQL: building the
        # same query through the ORM cost more than the rest of a cache hit together.
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, changed FROM {table} WHERE id = 1")
            row = cursor.fetchone()
        if row is None:
            return 0, timezone.now().replace(microsecond=0)
        number, changed = row
        if isinstance(changed, str):  # SQLite hands back text without the ORM's converters
            changed = parse_datetime(changed)
        if timezone.is_naive(changed):  # stored in UTC when USE_TZ is on, as on SQLite
            changed = timezone.make_aware(changed, datetime.UTC)
        return number, changed

    @classmethod
    def bump(cls) -> None:
        now = timezone.now()
        if not cls.objects.filter(pk=1).update(number=F("number") + 1, changed=now):
            cls.objects.get_or_create(pk=1, defaults={"number": 1, "changed": now})


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
