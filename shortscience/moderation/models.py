"""Reports from members and the public log of what moderators did about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# What a report is about: exactly one of these is set.
TARGET_FIELDS = ("summary", "comment", "post", "reported_user")


def _exactly_one_of(fields: tuple[str, ...]) -> Q:
    """One of `fields` is set and the others are null."""
    condition = Q()
    for chosen in fields:
        condition |= Q(**{f"{f}__isnull": f != chosen for f in fields})
    return condition


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Report.Status.OPEN)

    def about(self, target):
        """Reports on one summary, comment, group post or user."""
        return self.filter(**{Report.field_for(target): target})

    def for_queue(self):
        return self.open().select_related(
            "reporter",
            "summary__paper",
            "summary__user",
            "comment__user",
            "comment__summary__paper",
            "comment__summary__user",
            "post__user",
            "post__meeting__group",
            "reported_user",
        )


class Report(models.Model):
    """A member's report of a summary, a comment, a post in a reading group's discussion or
    a member (exactly one of them)."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        OFF_TOPIC = "off-topic", "Off-topic"
        ABUSIVE = "abusive", "Abusive or harassing"
        PLAGIARISM = "plagiarism", "Plagiarism"
        INCORRECT = "incorrect", "Seriously incorrect"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    NOTE_MAX_CHARS = 1000
    TARGET_FIELDS = TARGET_FIELDS

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    summary = models.ForeignKey(
        "summaries.Summary", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        "community.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    post = models.ForeignKey(
        "groups.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reported_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports_received",
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=NOTE_MAX_CHARS, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        indexes = [models.Index(fields=["status", "created"], name="report_queue")]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_of(TARGET_FIELDS), name="report_exactly_one_target"
            ),
            *(
                models.UniqueConstraint(
                    fields=["reporter", field],
                    condition=Q(status="open", **{f"{field}__isnull": False}),
                    name=f"report_one_open_per_{field}",
                )
                for field in TARGET_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.reason}, {self.status})"

    @staticmethod
    def field_for(target) -> str:
        kind = kind_of(target)
        return "reported_user" if kind == "user" else kind

    @property
    def target(self):
        return self.summary or self.comment or self.post or self.reported_user

    @property
    def target_kind(self) -> str:
        if self.summary_id:
            return "summary"
        if self.comment_id:
            return "comment"
        return "post" if self.post_id else "user"

    @property
    def target_id(self) -> int:
        return self.summary_id or self.comment_id or self.post_id or self.reported_user_id


# What each kind of target is, by its model's label ("app.Model").
KINDS = {
    "summaries.Summary": "summary",
    "community.Comment": "comment",
    "groups.Post": "post",
    "papers.Paper": "paper",
}


def kind_of(target) -> str:
    """'summary', 'comment', 'post' (in a reading group's discussion), 'user' or 'paper' for
    a model instance."""
    label = target._meta.label
    if label in KINDS:
        return KINDS[label]
    if label == settings.AUTH_USER_MODEL:
        return "user"
    raise ValueError(f"Nothing to moderate on a {label}")


class ModerationAction(models.Model):
    """One line of the public moderation log.

    `target_label` is a snapshot written when the action is taken, readable by anyone:
    it never holds a private summary's text or paper, nor an anonymous summary's author.
    """

    class Action(models.TextChoices):
        HIDE = "hide", "Hid"
        RESTORE = "restore", "Restored"
        DELETE = "delete", "Deleted"
        BAN = "ban", "Banned"
        UNBAN = "unban", "Unbanned"
        MERGE = "merge", "Merged"
        DISMISS = "dismiss", "Dismissed reports on"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    target_kind = models.CharField(max_length=10)
    target_id = models.PositiveBigIntegerField()
    target_label = models.CharField(max_length=400)
    reason = models.CharField(max_length=1000)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_kind} {self.target_id}"
