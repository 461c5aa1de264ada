from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from shortscience.community.models import Comment, Vote, visible_comment_q
from shortscience.papers.models import Paper
from shortscience.ranking import scores as ranking
from shortscience.summaries.models import Summary
from shortscience.web import changes, pages
from shortscience.web.paging import CappedPaginator

PAGE_SIZE = 30
# Tab code -> (label, heading). An unknown tab or field shows the default list rather than a
# 404: these links get shared and truncated, and a list is a better answer than an error.
TABS = {
    "recent": ("Recent", "Latest summaries"),
    "popular": ("Popular", "Popular summaries"),
    "best": ("Best", "Best summaries of all time"),
    "top": ("Top recent", "Most discussed lately"),
}
DEFAULT_TAB = "recent"


def home(request):
    tab = request.GET.get("tab", DEFAULT_TAB)
    if tab not in TABS:
        tab = DEFAULT_TAB
    field = ranking.field_param(request.GET.get("field"))
    summaries = Summary.objects.public()
    if field:
        summaries = summaries.in_field(field)
    if tab == "popular":
        summaries = summaries.popular()
    elif tab == "best":
        summaries = summaries.best()
    elif tab == "top":
        summaries = top_recent(summaries, settings.TOP_RECENT_DAYS)
    else:
        summaries = summaries.recent()
    # Two queries whatever the page holds: the count and the page, with paper and author.
    summaries = summaries.for_list().defer("body", "body_html")
    page = CappedPaginator(summaries, PAGE_SIZE).get_page(request.GET.get("page"))
    # A site with no paper at all was just installed: the page tells its administrator what
    # to run, until the first import (which says the papers' list changed).
    library_empty = page.paginator.count == 0 and not Paper.objects.exists()
    pages.shows(
        request,
        papers=[s.paper_id for s in page],
        members=[s.named_member_id for s in page],
        lists=[changes.SUMMARIES, *([changes.PAPERS] if library_empty else [])],
    )
    return render(
        request,
        "home/home.html",
        {
            "page": page,
            "public_count": page.paginator.count,
            "tab": tab,
            "heading": TABS[tab][1],
            "tabs": [(code, label) for code, (label, _) in TABS.items()],
            "field": field,
            "fields": ranking.FIELD_CHOICES,
            "top_recent_days": settings.TOP_RECENT_DAYS,
            "library_empty": library_empty,
        },
    )


@require_GET
def about(request):
    # The same text whatever the library holds, like robots.txt: no change to the library
    # makes it stale, only one to everything. A new text in a release shows once the cached
    # copies expire (PAGE_CACHE_SECONDS), or at once after `manage.py refresh_pages`.
    pages.shows(request)
    return render(request, "home/about.html")


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request):
    # Browsers and crawlers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    # A temporary redirect to the static SVG (its hashed name in production): a permanent
    # one would pin a browser to a file name that changes with the icon.
    return redirect(static("img/favicon.svg"))


def top_recent(summaries, days: int):
    """Most activity first: votes cast and comments posted in the last `days` days.

    Only summaries with such activity are listed. The candidates come from the Vote and
    Comment rows since the cutoff (Vote.created is indexed); the two counts are grouped
    subqueries on those few rows, so the list stays one query however long it is.
    """
    since = timezone.now() - timedelta(days=days)
    votes = Vote.objects.filter(summary__isnull=False, created__gte=since)
    comments = Comment.objects.filter(visible_comment_q(), created__gte=since)

    def count_of(rows):
        grouped = rows.filter(summary=OuterRef("pk")).order_by().values("summary")
        return Coalesce(Subquery(grouped.annotate(n=Count("pk")).values("n")), 0)

    return (
        summaries.filter(
            Q(pk__in=votes.values("summary_id")) | Q(pk__in=comments.values("summary_id"))
        )
        .annotate(recent_votes=count_of(votes), recent_comments=count_of(comments))
        .annotate(activity=F("recent_votes") + F("recent_comments"))
        .order_by("-activity", "-edited", "-pk")
    )
