"""An Atom feed per public reading list: the papers as they are added, newest first, each
with the list's note for it. Unlisted and private lists have none: a feed is for following
a list in the open."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.html import escape

from shortscience.discovery.feeds import AtomWithContent
from shortscience.lists.access import list_for
from shortscience.lists.models import ReadingList
from shortscience.papers.models import load_details
from shortscience.web import pages
from shortscience.web.links import absolute

FEED_LENGTH = 50


class ListFeed(Feed):
    feed_type = AtomWithContent

    def get_object(self, request, key: str) -> ReadingList:
        reading_list = list_for(request.user, key)
        if not reading_list.is_public:
            raise Http404("Only public lists have a feed.")
        reading_list.entries = list(
            reading_list.items.select_related("paper").order_by("-added", "-pk")[:FEED_LENGTH]
        )
        for item in reading_list.entries:
            item.reading_list = reading_list
        load_details([item.paper for item in reading_list.entries])
        pages.shows(
            request,
            papers=[item.paper_id for item in reading_list.entries],
            members=[reading_list.owner_id],
        )
        return reading_list

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Revalidated each time (the ETag answers 304): a list made private must not live on
        # in a proxy or a reader's cache, notes included.
        response["Cache-Control"] = "no-cache"
        return response

    def title(self, reading_list: ReadingList) -> str:
        return f"{reading_list.title}: a reading list by {reading_list.owner.shown_name}"

    def link(self, reading_list: ReadingList) -> str:
        return absolute(reading_list.get_absolute_url())

    def feed_url(self, reading_list: ReadingList) -> str:
        return absolute(reverse("lists:feed", args=[reading_list.key]))

    def subtitle(self, reading_list: ReadingList) -> str:
        return reading_list.description

    def items(self, reading_list: ReadingList):
        return reading_list.entries

    def item_title(self, item) -> str:
        return item.paper.title_text

    def item_link(self, item) -> str:
        return absolute(item.paper.get_absolute_url())

    def item_guid(self, item) -> str:
        return absolute(f"{item.reading_list.get_absolute_url()}#item-{item.pk}")

    def item_description(self, item) -> str:
        authors = ", ".join(a.name for a in item.paper.ordered_authors)
        return f"{authors}. {item.note}".strip() if item.note else authors

    def item_pubdate(self, item):
        return item.added

    def item_updateddate(self, item):
        return item.added

    def item_extra_kwargs(self, item) -> dict:
        # AtomWithContent writes <content>; the note is text, escaped as HTML here.
        return {"content": escape(self.item_description(item))}
