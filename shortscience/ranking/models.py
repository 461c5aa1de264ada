from __future__ import annotations

from django.db import models


class DailyViews(models.Model):
    """How many times a paper page was viewed on one day: the views term of Summary.hot.

    Written only by ranking/viewcount.py, in batches (one UPSERT per flush, never a write per
    page view). No page shows it: counting views changes no cached page.
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
