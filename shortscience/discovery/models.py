from __future__ import annotations

from django.db import models


class RelatedPaper(models.Model):
    """A paper's nearest neighbours by TF-IDF over title and abstract (`compute_related`)."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    related = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="related_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} ~ {self.related_id} ({self.score:.2f})"
