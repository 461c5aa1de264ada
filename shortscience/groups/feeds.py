"""An Atom feed per public group: its meetings as they are scheduled, newest first. A
members-only group has none: a feed reader cannot sign in, and a feed is for the open."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from shortscience.groups.access import group_for
from shortscience.groups.models import ReadingGroup
from shortscience.web import pages
from shortscience.web.links import absolute

FEED_LENGTH = 50


class GroupFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug: str) -> ReadingGroup:
        group, _ = group_for(request.user, slug)
        if not group.is_public:
            raise Http404("Only public groups have a feed.")
        group.entries = list(
            group.meetings.select_related("paper", "presenter").order_by("-created", "-pk")[
                :FEED_LENGTH
            ]
        )
        for meeting in group.entries:
            meeting.group = group
        pages.shows(
            request,
            groups=[group.pk],
            papers=[m.paper_id for m in group.entries],
            members=[m.presenter_id for m in group.entries],
        )
        return group

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Revalidated each time: a group made members-only must not live on in a cache.
        response["Cache-Control"] = "no-cache"
        return response

    def title(self, group: ReadingGroup) -> str:
        return f"{group.name}: a reading group's meetings"

    def link(self, group: ReadingGroup) -> str:
        return absolute(group.get_absolute_url())

    def feed_url(self, group: ReadingGroup) -> str:
        return absolute(reverse("groups:feed", args=[group.slug]))

    def subtitle(self, group: ReadingGroup) -> str:
        return group.description

    def items(self, group: ReadingGroup):
        return group.entries

    def item_title(self, meeting) -> str:
        start = meeting.local_start
        return f"{start:%Y-%m-%d %H:%M} {meeting.time_zone}: {meeting.paper.title_text}"

    def item_link(self, meeting) -> str:
        return absolute(meeting.get_absolute_url())

    def item_description(self, meeting) -> str:
        # Atom's <summary type="html">: the notes and the place are plain text, escaped here.
        return escape(self._description(meeting))

    def _description(self, meeting) -> str:
        lines = [meeting.paper.title_text]
        if meeting.presenter is not None:
            lines.append(f"Presented by {meeting.presenter.shown_name}.")
        if meeting.location:
            lines.append(f"Where: {meeting.location}.")
        if meeting.notes:
            lines.append(meeting.notes)
        return " ".join(lines)

    def item_pubdate(self, meeting):
        return meeting.created

    def item_updateddate(self, meeting):
        return meeting.updated
