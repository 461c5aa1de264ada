"""Follows, the inbox, per-user notification preferences and the email outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shortscience.community.models import visible_comment_q
from shortscience.groups.models import Membership
from shortscience.summaries.models import public_q


class Follow(models.Model):
    """A user follows exactly one paper, summary or comment thread (by its root comment)."""

    class Kind(models.TextChoices):
        PAPER = "paper", "paper"
        SUMMARY = "summary", "summary"
        COMMENT = "comment", "discussion"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    paper = models.ForeignKey(
        "papers.Paper", null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    summary = models.ForeignKey(
        "summaries.Summary",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    comment = models.ForeignKey(
        "community.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
        help_text="the root comment of the followed thread",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(paper__isnull=False, summary__isnull=True, comment__isnull=True)
                | Q(paper__isnull=True, summary__isnull=False, comment__isnull=True)
                | Q(paper__isnull=True, summary__isnull=True, comment__isnull=False),
                name="follow_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "paper"],
                condition=Q(paper__isnull=False),
                name="follow_one_per_user_per_paper",
            ),
            models.UniqueConstraint(
                fields=["user", "summary"],
                condition=Q(summary__isnull=False),
                name="follow_one_per_user_per_summary",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="follow_one_per_user_per_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.kind} {self.target_id}"

    @property
    def kind(self) -> str:
        if self.paper_id:
            return self.Kind.PAPER
        return self.Kind.SUMMARY if self.summary_id else self.Kind.COMMENT

    @property
    def target_id(self) -> int | None:
        return self.paper_id or self.summary_id or self.comment_id


class SummaryRequestQuerySet(models.QuerySet):
    def open(self):
        """Requests still waiting: no public summary of their paper has been told of yet."""
        return self.filter(ended__isnull=True)

    def wanted(self, field: str = ""):
        """Papers by open requests, most asked for first (then the latest asked): rows of
        `paper` (an id), `requests` and `latest`. Papers that have a public summary, or were
        merged away, are left out at once: their requests end when the worker tells the
        requesters, but no list should wait for that."""
        rows = self.open().filter(paper__public_summary_count=0, paper__merged_into__isnull=True)
        if field:
            rows = rows.filter(fields__contains=f" {field} ")
        return (
            rows.values("paper")
            .annotate(requests=models.Count("pk"), latest=models.Max("created"))
            .order_by("-requests", "-latest", "paper")
        )


class SummaryRequest(models.Model):
    """A member would read a summary of a paper ("I would read a summary of this"): one per
    member per paper, counted on the paper's page and on /wanted for writers looking for
    what to write next, and ended when a public summary appears, which its requester is
    told of. Who asked is the requester's own business: pages show counts only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summary_requests"
    )
    paper = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="summary_requests"
    )
    # The paper's research fields when asked, " cs stat " (ranking/scores.py fields_tag),
    # for /wanted's field filter without a join through the keywords.
    fields = models.CharField(max_length=100, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    # Set by the worker that told the requester of the public summary that ended it.
    ended = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        "summaries.Summary", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SummaryRequestQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="request_one_per_user_per_paper")
        ]
        indexes = [
            models.Index(
                fields=["paper"], condition=Q(ended__isnull=True), name="request_open_by_paper"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asks for a summary of {self.paper_id}"

    @property
    def is_open(self) -> bool:
        return self.ended is None


class NotificationQuerySet(models.QuerySet):
    def visible(self):
        """Drop notifications about content that was hidden, deleted or made private since:
        the inbox never shows what the page itself no longer shows to this recipient (a
        meeting of a group they left is one)."""
        in_group = Membership.objects.filter(
            group=models.OuterRef("meeting__group"), user=models.OuterRef("recipient")
        )
        return self.filter(
            Q(comment__isnull=True) | visible_comment_q("comment__"),
            Q(summary__isnull=True)
            | public_q("summary__")
            | Q(summary__user=models.F("recipient")),
            Q(meeting__isnull=True) | models.Exists(in_group),
            # A summary told to a group and made anonymous since: the notice would tie it to
            # the group's members.
            ~Q(kind=Notification.Kind.MEETING_SUMMARY, summary__is_anonymous=True),
        )

    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_list(self):
        return self.select_related(
            "paper",
            "summary",
            "summary__user",
            "summary__paper",
            "comment",
            "comment__user",
            "meeting__group",
            "meeting__paper",
        )


class Notification(models.Model):
    """One line of a member's inbox; `kind` says why it reached them."""

    class Kind(models.TextChoices):
        COMMENT_ON_SUMMARY = "comment_on_summary", "Comments on my summaries"
        REPLY_TO_COMMENT = "reply_to_comment", "Replies to my comments"
        COMMENT_IN_FOLLOWED = "comment_in_followed", "New comments in discussions I follow"
        SUMMARY_ON_FOLLOWED_PAPER = (
            "summary_on_followed_paper",
            "New summaries of papers I follow",
        )
        SUMMARY_OF_CLAIMED_PAPER = (
            "summary_of_claimed_paper",
            "New summaries of papers I authored",
        )
        SUMMARY_REQUESTED = "summary_requested", "Summaries I asked for"
        MEETING_SCHEDULED = "meeting_scheduled", "New meetings of my reading groups"
        MEETING_SUMMARY = "meeting_summary", "Summaries written for my groups' meetings"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    paper = models.ForeignKey(
        "papers.Paper", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    summary = models.ForeignKey(
        "summaries.Summary", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "community.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    meeting = models.ForeignKey(
        "groups.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when an immediate email was queued or a digest included it: no email twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.MEETING_SCHEDULED and self.meeting_id:
            return self.meeting.get_absolute_url()
        if self.summary_id:
            url = reverse("discovery:summary", args=[self.summary_id])
            return f"{url}#comment-{self.comment_id}" if self.comment_id else url
        return self.paper.get_absolute_url() if self.paper_id else "/"

    def actor_name(self) -> str:
        """Who did it, as others may see it: an anonymous summary's author stays Anonymous,
        also when they comment under their own summary."""
        summary = self.summary
        if self.comment_id:
            author = self.comment.user
            if summary is not None and summary.is_anonymous and author.pk == summary.user_id:
                return "Anonymous"
            return author.shown_name
        return summary.byline() if summary is not None else ""

    def message(self) -> str:
        paper = self.paper or (self.summary.paper if self.summary else None)
        # Plain text (the inbox, emails): the title's math read out, not its TeX.
        title = f"\u201c{paper.title_text}\u201d" if paper else "a paper"
        who = self.actor_name()
        match self.kind:
            case self.Kind.COMMENT_ON_SUMMARY:
                return f"{who} commented on your summary of {title}"
            case self.Kind.REPLY_TO_COMMENT:
                return f"{who} replied to your comment on a summary of {title}"
            case self.Kind.COMMENT_IN_FOLLOWED:
                return f"{who} commented in a discussion you follow on {title}"
            case self.Kind.SUMMARY_ON_FOLLOWED_PAPER:
                return f"{who} summarized {title}, a paper you follow"
            case self.Kind.SUMMARY_OF_CLAIMED_PAPER:
                return f"{who} summarized your paper {title}"
            case self.Kind.SUMMARY_REQUESTED:
                return f"{who} summarized {title}, as you asked"
            case self.Kind.MEETING_SCHEDULED if self.meeting is not None:
                meeting = self.meeting
                when = f"{meeting.local_start:%Y-%m-%d %H:%M} ({meeting.time_zone})"
                if meeting.presenter_id == self.recipient_id:
                    return (
                        f"You present {title} at {meeting.group.name} on {when}: "
                        "the group invites you to write its summary"
                    )
                return f"{meeting.group.name} reads {title} on {when}"
            case self.Kind.MEETING_SUMMARY if self.meeting is not None:
                return f"{who} summarized {title} for {self.meeting.group.name}"
        return title


class NotificationSettings(models.Model):
    """A member's preferences. A missing row means the defaults below.

    Email defaults to a daily digest: a member who never opens this page gets at most one
    email a day, which keeps new accounts from feeling spammed (and the site's mail out of
    spam folders), while the inbox still shows every notification at once. Members who want
    each reply straight away choose "immediate".
    """

    class EmailMode(models.TextChoices):
        OFF = "off", "No email"
        IMMEDIATE = "immediate", "One email per notification"
        DAILY = "daily", "A daily digest"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    comment_on_summary = models.BooleanField("Comments on my summaries", default=True)
    reply_to_comment = models.BooleanField("Replies to my comments", default=True)
    comment_in_followed = models.BooleanField("New comments in discussions I follow", default=True)
    summary_on_followed_paper = models.BooleanField(
        "New summaries of papers I follow", default=True
    )
    summary_of_claimed_paper = models.BooleanField(
        "New summaries of papers I authored", default=True
    )
    summary_requested = models.BooleanField("Summaries I asked for", default=True)
    meeting_scheduled = models.BooleanField("New meetings of my reading groups", default=True)
    meeting_summary = models.BooleanField("Summaries written for my groups' meetings", default=True)
    email_mode = models.CharField(max_length=10, choices=EmailMode.choices, default=EmailMode.DAILY)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    KIND_FIELDS = [
        "comment_on_summary",
        "reply_to_comment",
        "comment_in_followed",
        "summary_on_followed_paper",
        "summary_of_claimed_paper",
        "summary_requested",
        "meeting_scheduled",
        "meeting_summary",
    ]

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))

    @classmethod
    def for_users(cls, user_ids) -> dict[int, NotificationSettings]:
        """Settings for many users in one query; defaults (unsaved) for those without a row."""
        found = {s.user_id: s for s in cls.objects.filter(user_id__in=list(user_ids))}
        return {uid: found.get(uid) or cls(user_id=uid) for uid in user_ids}


class OutboxQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(
            sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now or timezone.now()
        )


class OutboxEmail(models.Model):
    """An email waiting for `manage.py send_emails`; queued in the transaction that
    created its reason, so a rolled-back write never sends mail."""

    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # Also the claim: a sender moves it forward before sending so no other sender picks it.
    send_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="gave up retrying")
    last_error = models.TextField(blank=True)
    # What an immediate email is about (digests have none): checked again just before
    # sending, so a comment hidden by a moderator a minute after posting is not mailed;
    # deleting the content deletes the notification and with it the email.
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["send_after", "pk"]
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}"
