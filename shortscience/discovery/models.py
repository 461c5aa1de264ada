from __future__ import annotations

from django.db import models


class RelatedPaperQuerySet(models.QuerySet):
    def shown_for(self, paper) -> list:
        """The stored nearest neighbours of `paper` that the paper page lists, in one query:
        papers merged away since are left out."""
        rows = (
            self.filter(paper=paper, related__merged_into=None)
            .select_related("related")
            .only(
                *("rank", "related__id", "related__title", "related__title_html"),
                *("related__slug", "related__year"),
            )
            .order_by("rank")
        )
        return [row.related for row in rows]


class RelatedPaper(models.Model):
    """A paper's nearest neighbours by TF-IDF over title and abstract (`compute_related`)."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    related = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    objects = RelatedPaperQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="related_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} ~ {self.related_id} ({self.score:.2f})"
