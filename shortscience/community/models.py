"""Discussion and ranking: comments on summaries and votes on summaries and comments."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shortscience.accounts.permissions import is_moderator
from shortscience.summaries.models import public_q
from shortscience.web.links import link


def visible_comment_q(prefix: str = "") -> models.Q:
    """A comment its thread shows to everyone: neither deleted nor hidden by a moderator
    (also through a relation: visible_comment_q("comment__") filters votes or notifications)."""
    return models.Q(**{f"{prefix}is_deleted": False, f"{prefix}is_hidden": False})


class CommentQuerySet(models.QuerySet):
    def public(self):
        """What every visitor may read: shown in its thread, on a summary every visitor may
        read."""
        return self.filter(visible_comment_q(), public_q("summary__"))

    def visible_to(self, user):
        """Comment.can_view() as a filter: on a summary `user` may read and, if hidden by a
        moderator, only for its author and the moderators. Deleted ones are included (their
        place in the thread stays), as can_view() includes them."""
        if user is None or not user.is_authenticated:
            return self.filter(public_q("summary__"), is_hidden=False)
        on_readable = public_q("summary__") | Q(summary__user=user)
        if is_moderator(user):
            return self.filter(on_readable)
        return self.filter(on_readable, Q(is_hidden=False) | Q(user=user))


class Comment(models.Model):
    """A comment on a summary, or a reply to another comment (threaded, depth-capped)."""

    summary = models.ForeignKey(
        "summaries.Summary", on_delete=models.CASCADE, related_name="comments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(help_text="Markdown with LaTeX math")
    body_html = models.TextField(editable=False)
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(null=True, blank=True)
    # Soft delete: a deleted comment with replies stays in the thread as "[deleted]".
    is_deleted = models.BooleanField(default=False)
    # Set by moderators; shown to nobody but its author and moderators.
    is_hidden = models.BooleanField(default=False)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    wilson = models.FloatField(default=0.0)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        indexes = [
            models.Index(fields=["summary", "created"], name="comment_thread"),
            # The home page's "Top recent" tab counts the comments of the last days.
            models.Index(fields=["created"], name="comment_recent"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on summary {self.summary_id}"

    def get_absolute_url(self) -> str:
        """The permalink, /comment/<id>: it redirects to the comment in its thread."""
        return link("community:comment", self.pk)

    def thread_url(self) -> str:
        return f"{link('discovery:summary', self.summary_id)}#comment-{self.pk}"

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def edit_deadline(self) -> datetime:
        return self.created + timedelta(minutes=settings.COMMENT_EDIT_WINDOW_MINUTES)

    def can_view(self, user) -> bool:
        """The one rule for who may see a comment: on a summary `user` may read, and, when a
        moderator hid it, only its author and the moderators. A deleted comment can be
        viewed in this sense (its place in the thread stays, as "[deleted]", so that the
        replies keep theirs); its text is shown by text_shown_to()."""
        if not self.summary.can_view(user):
            return False
        return not self.is_hidden or self.user_id == user.pk or is_moderator(user)

    def text_shown_to(self, user) -> bool:
        return not self.is_deleted and self.can_view(user)

    def can_edit(self, user) -> bool:
        """Its author, for COMMENT_EDIT_WINDOW_MINUTES after posting; never once a moderator
        hid it (an edit must not be a way round the decision) or it was deleted."""
        return (
            user.is_authenticated
            and user.pk == self.user_id
            and not (self.is_deleted or self.is_hidden)
            and timezone.now() <= self.edit_deadline
        )

    @property
    def named_member_id(self) -> int | None:
        """The member whose name the comment shows (None under their own anonymous summary)."""
        summary = self.summary
        if summary.is_anonymous and self.user_id == summary.user_id:
            return None
        return self.user_id

    def byline(self) -> str:
        """The name readers see. The author of an anonymous summary stays anonymous in its
        discussion: their name on a comment under it would say who wrote the summary."""
        if self.named_member_id is None:
            return "Anonymous (the summary's author)"
        return self.user.shown_name

    def byline_url(self) -> str:
        """Where the byline links: the member's profile; nowhere for the author of an
        anonymous summary under it, nor for a member who closed their account."""
        if self.named_member_id is None or not self.user.is_active:
            return ""
        return link("members:profile", self.user.username)


class CommentRevision(models.Model):
    """Every saved text of a comment, appended on each edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "number"], name="comment_revision_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of comment {self.comment_id}"


class Vote(models.Model):
    """One user's up (+1) or down (-1) vote on exactly one summary or comment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    summary = models.ForeignKey(
        "summaries.Summary", null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField()
    # When the vote took its current value: reputation counts only votes older than two days.
    created = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(summary__isnull=False, comment__isnull=True)
                | Q(summary__isnull=True, comment__isnull=False),
                name="vote_exactly_one_target",
            ),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="vote_value_up_or_down"),
            models.UniqueConstraint(
                fields=["user", "summary"],
                condition=Q(summary__isnull=False),
                name="vote_one_per_user_per_summary",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="vote_one_per_user_per_comment",
            ),
        ]

    def __str__(self) -> str:
        target = f"summary {self.summary_id}" if self.summary_id else f"comment {self.comment_id}"
        return f"{self.value:+d} by {self.user_id} on {target}"
