from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class SummaryQuerySet(models.QuerySet):
    def public(self):
        """What every visitor may read: public and not hidden by a moderator."""
        return self.filter(visibility=Summary.Visibility.PUBLIC, is_hidden=False)

    def visible_to(self, user):
        """Public summaries, plus the user's own (private or hidden) ones."""
        if user is not None and user.is_authenticated:
            return self.filter(
                models.Q(visibility=Summary.Visibility.PUBLIC, is_hidden=False)
                | models.Q(user=user)
            )
        return self.public()

    def for_list(self):
        return self.select_related("user", "paper")


class Summary(models.Model):
    """A user's summary of a paper: one per user per paper, refined over time."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private (only you)"

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="summaries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summaries"
    )
    body = models.TextField(help_text="Markdown with LaTeX math")
    body_html = models.TextField(editable=False, help_text="rendered at save time; never on a GET")
    excerpt = models.CharField(max_length=400, blank=True, editable=False)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_anonymous = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(db_index=True)
    # Set by moderators; a hidden summary is gone from every public surface but its author's.
    is_hidden = models.BooleanField(default=False)
    # A private summary can be shared by link; empty means not shared. Revoking clears it.
    share_token = models.CharField(max_length=43, blank=True, db_index=True)
    # Denormalized in the same transaction as each vote / comment (see community.services).
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    # Wilson lower bound (80%) of upvotes / (upvotes + downvotes): the paper-page order.
    wilson = models.FloatField(default=0.0)
    comment_count = models.PositiveIntegerField(default=0)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        ordering = ["-edited"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "user"], name="summary_one_per_user_per_paper")
        ]
        indexes = [models.Index(fields=["visibility", "-edited"], name="summary_public_recent")]

    def __str__(self) -> str:
        return f"Summary of {self.paper_id} by {self.user_id}"

    def get_absolute_url(self) -> str:
        return reverse("summaries:detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC and not self.is_hidden

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    def byline(self) -> str:
        """The name readers see: never the author's when the summary is anonymous."""
        return "Anonymous" if self.is_anonymous else self.user.shown_name

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.pk == self.user_id

    def can_view(self, user) -> bool:
        return self.is_public or self.can_edit(user)


class Revision(models.Model):
    """Every saved state of a summary, appended on each save, never rewritten."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    visibility = models.CharField(max_length=10, choices=Summary.Visibility.choices)
    is_anonymous = models.BooleanField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["summary", "number"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of summary {self.summary_id}"
