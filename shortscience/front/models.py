from __future__ import annotations

import datetime

from django.db import connection, models
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class ContentVersion(models.Model):
    """One row: a counter bumped by every write a public page could show (front/cache.py)."""

    number = models.BigIntegerField(default=0)
    changed = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"content version {self.number}"

    @classmethod
    def current(cls) -> tuple[int, object]:
        # Read on every anonymous request (front/cache.py), so in plain SQL: building the
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


class DailyViews(models.Model):
    """How many times a paper page was viewed on one day: the views term of Summary.hot.

    Written only by front/viewcount.py, in batches (one UPSERT per flush, never a write per
    page view), and ignored by the page cache (front/cache.py): counting views must not
    empty it.
    """

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "day"], name="daily_views_one_per_paper_day")
        ]
        # update_rankings looks up the papers viewed since yesterday.
        indexes = [models.Index(fields=["day"], name="daily_views_day")]

    def __str__(self) -> str:
        return f"{self.count} views of paper {self.paper_id} on {self.day}"
