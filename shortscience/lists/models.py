"""Reading lists: a member's ordered papers, each with a note and a to-read / read state.

A list is private (its owner's alone), unlisted (anyone with its link: the link holds a
random key, so lists cannot be counted through) or public (in the directory, with a feed).
Who may see a list is decided here, once: `ReadingList.can_view` and
`ReadingListQuerySet.visible_to`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

NOTE_MAX = 2000
TITLE_MAX = 200


def new_key() -> str:
    return secrets.token_urlsafe(9)


class ReadingListQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=ReadingList.Visibility.PUBLIC)

    def visible_to(self, user):
        """Lists `user` may find: the public ones and their own (an unlisted list is found
        only through its link)."""
        if user.is_authenticated:
            return self.filter(Q(visibility=ReadingList.Visibility.PUBLIC) | Q(owner=user))
        return self.public()


class ReadingList(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private: only me"
        UNLISTED = "unlisted", "Unlisted: anyone with the link"
        PUBLIC = "public", "Public: in the directory, with a feed"

    key = models.CharField(max_length=16, unique=True, default=new_key, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_lists"
    )
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=NOTE_MAX)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    # Kept by the services in the transaction of every change to the items: the directory
    # shows it without counting.
    item_count = models.PositiveIntegerField(default=0)

    objects = ReadingListQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["-updated"],
                condition=Q(visibility="public"),
                name="readinglist_public_recent",
            ),
            models.Index(fields=["owner", "-updated"], name="readinglist_owner_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lists:detail", args=[self.key])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def can_view(self, user) -> bool:
        """Whoever has the link may see a public or unlisted list; a private one is its
        owner's alone."""
        return self.visibility != self.Visibility.PRIVATE or self.owner_id == getattr(
            user, "pk", None
        )

    def can_edit(self, user) -> bool:
        return user.is_authenticated and self.owner_id == user.pk


class ListItem(models.Model):
    class State(models.TextChoices):
        TO_READ = "to_read", "To read"
        READ = "read", "Read"

    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    note = models.TextField(blank=True, max_length=NOTE_MAX)
    state = models.CharField(max_length=10, choices=State.choices, default=State.TO_READ)
    added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["reading_list", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reading_list", "paper"], name="listitem_one_per_list_per_paper"
            )
        ]
        indexes = [models.Index(fields=["reading_list", "position"], name="listitem_order")]

    def __str__(self) -> str:
        return f"{self.paper_id} in list {self.reading_list_id}"
