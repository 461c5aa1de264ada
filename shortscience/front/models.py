from __future__ import annotations

from django.db import models
from django.db.models import F
from django.utils import timezone


class ContentVersion(models.Model):
    """One row: a counter bumped by every write a public page could show (front/cache.py)."""

    number = models.BigIntegerField(default=0)
    changed = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"content version {self.number}"

    @classmethod
    def current(cls) -> tuple[int, object]:
        row = cls.objects.filter(pk=1).values_list("number", "changed").first()
        if row is None:
            return 0, timezone.now().replace(microsecond=0)
        return row

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
