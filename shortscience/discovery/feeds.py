"""Atom feeds of public summaries: the whole site, one paper, one venue, keywords, one member.

Every feed is the same Feed class over a different `Scope` (title, page, summaries); the
per-kind classes only say how a URL becomes a scope. Each entry carries the summary's full
stored HTML as <content type="html">, its byline as the author ("Anonymous" for anonymous
summaries, with no link to a profile) and its last edit as <updated>.

Each formula goes into a feed as MathML alone. The stored HTML holds KaTeX's two renderings
of it, MathML and positioned HTML that needs KaTeX's CSS and fonts; a feed reader has
neither, so it showed every formula twice, and the HTML half weighed ~3 KB a formula (the
demo site feed: 800 KB for 30 entries). MathML Core is drawn by Chromium, Firefox and
Safari, the engines feed readers show their entries in; images would need a renderer on
the server and an upload per formula. Transformed per request (one linear pass over each
entry), not stored: feeds are cached pages, and a stored copy would be a second rendering
to keep in step with every re-render.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from shortscience.lib.markup.excerpt import mathml_only
from shortscience.lib.text import clean
from shortscience.papers.models import Keyword, Paper, Venue
from shortscience.summaries.models import Summary
from shortscience.web import changes, pages
from shortscience.web.links import absolute

FEED_LENGTH = 30
# /feeds/keyword/a,b,...: more names than this is not a feed anyone reads.
MAX_KEYWORDS = 10


def _fit(values: dict) -> dict:
    """A feed's or an entry's values cleaned (lib/text.py): the services store text clean,
    but a row from before them, or written past them, must not make the feed a 500, which
    is what Django's XML writer answers for one control character."""
    fit = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = clean(value)
        elif name == "categories":
            value = [clean(c) for c in value]
        fit[name] = value
    return fit


class AtomWithContent(Atom1Feed):
    """Django's Atom feed writes only <summary>; readers show <content> in full. xml:base
    resolves the site-relative links inside summaries (\\cite links, uploaded images).
    Every text it writes is cleaned first (_fit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = _fit(self.feed)

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = _fit(self.items[-1])

    def root_attributes(self):
        return {**super().root_attributes(), "xml:base": absolute("/")}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


@dataclass
class Scope:
    title: str
    link: str  # the HTML page the feed follows
    url: str  # the feed's own canonical path
    summaries: QuerySet[Summary]
    entries: list[Summary] = field(default_factory=list)


class SummaryFeed(Feed):
    feed_type = AtomWithContent

    def get_object(self, request, *args, **kwargs) -> Scope:
        scope = self.scope(request, *args, **kwargs)
        scope.entries = list(
            scope.summaries.select_related("user", "paper").order_by("-edited", "-pk")[:FEED_LENGTH]
        )
        # Which summaries a feed holds changes with any summary; each entry shows its
        # paper's title and its byline.
        pages.shows(
            request,
            papers=[s.paper_id for s in scope.entries],
            members=[s.named_member_id for s in scope.entries],
            lists=[changes.SUMMARIES],
        )
        return scope

    def scope(self, request, *args, **kwargs) -> Scope:
        raise NotImplementedError

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Feed readers poll; a few minutes of staleness costs nothing.
        response["Cache-Control"] = "public, max-age=300"
        return response

    def title(self, scope: Scope) -> str:
        return scope.title

    def link(self, scope: Scope) -> str:
        return absolute(scope.link)

    def feed_url(self, scope: Scope) -> str:
        return absolute(scope.url)

    def feed_guid(self, scope: Scope) -> str:
        return absolute(scope.url)

    def subtitle(self, scope: Scope) -> str:
        return "Short summaries of research papers, written by researchers."

    def items(self, scope: Scope):
        return scope.entries

    def item_title(self, summary: Summary) -> str:
        return f"Summary of {summary.paper.title_text}"

    def item_description(self, summary: Summary) -> None:
        return None  # the full text goes into <content>

    def item_link(self, summary: Summary) -> str:
        return absolute(summary.get_absolute_url())

    def item_author_name(self, summary: Summary) -> str:
        return summary.byline()

    def item_author_link(self, summary: Summary) -> str | None:
        if summary.is_anonymous:
            return None
        return absolute(reverse("members:profile", args=[summary.user.username]))

    def item_updateddate(self, summary: Summary):
        return summary.edited

    def item_extra_kwargs(self, summary: Summary) -> dict:
        return {"content": mathml_only(summary.body_html)}


class SiteFeed(SummaryFeed):
    def scope(self, request) -> Scope:
        return Scope(
            title=f"{settings.SITE_NAME}: recent summaries",
            link=reverse("home:home"),
            url=reverse("discovery:feed"),
            summaries=Summary.objects.public(),
        )


class PaperFeed(SummaryFeed):
    def scope(self, request, pk: int) -> Scope:
        paper = get_object_or_404(Paper, pk=pk, merged_into__isnull=True)
        pages.shows(request, papers=[paper.pk])  # the title
        return Scope(
            title=f"Summaries of {paper.title_text}",
            link=paper.get_absolute_url(),
            url=reverse("discovery:paper_feed", args=[paper.pk]),
            summaries=Summary.objects.public().filter(paper=paper),
        )


class VenueFeed(SummaryFeed):
    def scope(self, request, key: str) -> Scope:
        venue = get_object_or_404(Venue, key=key)
        return Scope(
            title=f"Summaries of {venue.name} papers",
            link=reverse("discovery:venue", args=[venue.key]),
            url=reverse("discovery:venue_feed", args=[venue.key]),
            summaries=Summary.objects.public().filter(paper__venue=venue),
        )


def keyword_names(text: str) -> list[str]:
    """'cs.LG,cs.CV' (or with '+') -> ['cs.LG', 'cs.CV']: order kept, duplicates dropped."""
    names = [n.strip() for n in text.replace("+", ",").split(",")]
    return list(dict.fromkeys(n for n in names if n))


class KeywordFeed(SummaryFeed):
    """Summaries of papers in ANY of the keywords, as arXiv's cs.LG+cs.CV listings are."""

    def scope(self, request, names: str) -> Scope:
        wanted = keyword_names(names)
        if not wanted or len(wanted) > MAX_KEYWORDS:
            raise Http404("Name one to ten keywords.")
        known = list(Keyword.objects.filter(name__in=wanted).values_list("name", flat=True))
        if len(known) != len(wanted):
            raise Http404("No such keyword.")
        joined = ",".join(wanted)
        papers = Paper.objects.filter(keywords__name__in=wanted).values("pk")
        return Scope(
            title=f"Summaries of papers in {', '.join(wanted)}",
            link=reverse("discovery:keyword", args=[wanted[0]]),
            url=reverse("discovery:keyword_feed", args=[joined]),
            # A subquery, not a join: a paper in two of the keywords is one entry.
            summaries=Summary.objects.public().filter(paper__in=papers),
        )


class UserFeed(SummaryFeed):
    """A member's public, signed summaries. Never their anonymous ones: listing those under
    the member's name is exactly what anonymity forbids."""

    def scope(self, request, username: str) -> Scope:
        user = get_object_or_404(get_user_model(), username=username, is_active=True)
        pages.shows(request, members=[user.pk])  # the title
        return Scope(
            title=f"Summaries by {user.shown_name}",
            link=reverse("members:profile", args=[user.username]),
            url=reverse("discovery:user_feed", args=[user.username]),
            summaries=Summary.objects.public().filter(user=user, is_anonymous=False),
        )
