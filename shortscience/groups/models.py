"""Reading groups: members who read papers together, meetings with a paper and a presenter,
and a discussion per meeting.

A group is public (anyone sees it, its programme and its discussions, and may join) or
members-only (nobody but its members learns it exists: others get a 404 on every surface,
and they join through an invitation link an organiser passes on). Who may see a group, and
so its meetings and their discussions, is decided here, once: `ReadingGroup.can_view` and
`ReadingGroupQuerySet.visible_to`.
"""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from shortscience.accounts.permissions import is_moderator

NAME_MAX = 120
TEXT_MAX = 4000
POST_MAX = 10_000


def new_key() -> str:
    return secrets.token_urlsafe(12)


# The zones a meeting may be given in: the IANA database's names, without the machine's own
# ("localtime") and the files that are not zones of a place.
TIME_ZONES = frozenset(
    name
    for name in zoneinfo.available_timezones()
    if name not in {"localtime", "Factory"} and not name.startswith(("posix", "right/"))
)


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name`; UTC for a name that is not one of TIME_ZONES (a zone
    removed from the database since): a meeting's time must still show."""
    if name not in TIME_ZONES:
        return zoneinfo.ZoneInfo("UTC")
    return zoneinfo.ZoneInfo(name)


class ReadingGroupQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=ReadingGroup.Visibility.PUBLIC)

    def visible_to(self, user):
        """The groups `user` may see: the public ones and those they belong to."""
        if user is None or not user.is_authenticated:
            return self.public()
        mine = Membership.objects.filter(group=OuterRef("pk"), user=user)
        return self.filter(Q(visibility=ReadingGroup.Visibility.PUBLIC) | Exists(mine))


class ReadingGroup(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public: anyone sees the group and its discussions, and may join"
        MEMBERS = "members", "Members only: hidden from everyone else; join by invitation"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Where its meetings usually happen in time: the zone a new meeting's form starts with.
    time_zone = models.CharField(max_length=64, default="UTC")
    # The invitation link's secret; an organiser can change it, which ends the old link.
    invite_key = models.CharField(max_length=32, default=new_key, editable=False)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    # Kept by the services with every join and leave: the directory shows it without counting.
    member_count = models.PositiveIntegerField(default=0)

    objects = ReadingGroupQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["-updated"], condition=Q(visibility="public"), name="group_public_recent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def membership_of(self, user) -> Membership | None:
        if user is None or not user.is_authenticated:
            return None
        return Membership.objects.filter(group=self, user=user).first()

    def can_view(self, user, membership: Membership | None = None) -> bool:
        """The one rule: a public group is everyone's to see; a members-only one its
        members' alone (`membership`: the user's, when the caller has read it)."""
        if self.is_public:
            return True
        return (membership or self.membership_of(user)) is not None


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANISER = "organiser", "Organiser"
        MEMBER = "member", "Member"

    group = models.ForeignKey(ReadingGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined = models.DateTimeField(default=timezone.now)
    # The secret of this member's calendar link: a calendar program cannot sign in, so a
    # members-only group's programme is read by the link; it dies with the membership.
    calendar_key = models.CharField(max_length=32, default=new_key, unique=True)

    class Meta:
        ordering = ["joined", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_one_per_group")
        ]
        indexes = [models.Index(fields=["user"], name="membership_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in group {self.group_id}"

    @property
    def is_organiser(self) -> bool:
        return self.role == self.Role.ORGANISER


class MeetingQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        """Meetings not over yet, soonest first."""
        now = now or timezone.now()
        return self.filter(ends_at__gt=now).order_by("starts_at", "pk")

    def past(self, now=None):
        now = now or timezone.now()
        return self.filter(ends_at__lte=now).order_by("-starts_at", "-pk")


class Meeting(models.Model):
    """A session of a group on one paper, presented by one member (or nobody named yet)."""

    group = models.ForeignKey(ReadingGroup, on_delete=models.CASCADE, related_name="meetings")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="meetings")
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="presentations",
    )
    # When the presenter was named: each naming invites them once to write the summary (a
    # presenter named by an edit is told, though they heard of the meeting as a member).
    presenter_since = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The zone the organiser gave its time in: the pages show the time there, and the
    # calendar says it in UTC (every calendar program converts it for its reader).
    time_zone = models.CharField(max_length=64, default="UTC")
    location = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True, max_length=TEXT_MAX)
    created = models.DateTimeField(default=timezone.now)
    # iCalendar's SEQUENCE: a calendar program replaces its copy of a meeting only when the
    # number went up.
    sequence = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["group", "starts_at"], name="meeting_programme")]

    def __str__(self) -> str:
        return f"Meeting {self.pk} of group {self.group_id}"

    def get_absolute_url(self) -> str:
        return reverse("groups:meeting", args=[self.group.slug, self.pk])

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(zone(self.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(zone(self.time_zone))

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def is_past(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())


def visible_post_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}is_deleted": False, f"{prefix}is_hidden": False})


class Post(models.Model):
    """One message in a meeting's discussion (a flat thread, oldest first). Its visibility
    follows the group's; a moderator may hide it, its author may delete it (its place stays)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="posts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_posts"
    )
    body = models.TextField()
    body_html = models.TextField(editable=False)
    created = models.DateTimeField(default=timezone.now)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["meeting", "created"], name="post_thread")]

    def __str__(self) -> str:
        return f"Post {self.pk} on meeting {self.meeting_id}"

    def get_absolute_url(self) -> str:
        return f"{self.meeting.get_absolute_url()}#post-{self.pk}"

    def can_view(self, user) -> bool:
        """Whoever may see the group; a hidden post only its author and the moderators."""
        return self.meeting.group.can_view(user) and self.shown_to_readers_of_group(user)

    def shown_to_readers_of_group(self, user) -> bool:
        """can_view() for someone who may see the group (a thread checks the group once)."""
        return not self.is_hidden or self.user_id == getattr(user, "pk", None) or is_moderator(user)

    def text_shown_to(self, user) -> bool:
        return not self.is_deleted and self.can_view(user)
