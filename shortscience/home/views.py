from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from shortscience.ranking import scores as ranking
from shortscience.summaries.models import Summary
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
    field = request.GET.get("field", "")
    if field not in ranking.FIELDS:
        field = ""
    summaries = Summary.objects.public()
    if field:
        summaries = summaries.in_field(field)
    if tab == "popular":
        summaries = summaries.popular()
    elif tab == "best":
        summaries = summaries.best()
    elif tab == "top":
        summaries = summaries.top_recent(settings.TOP_RECENT_DAYS)
    else:
        summaries = summaries.recent()
    # Two queries whatever the page holds: the count and the page, with paper and author.
    summaries = summaries.for_list().defer("body", "body_html")
    page = CappedPaginator(summaries, PAGE_SIZE).get_page(request.GET.get("page"))
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
            "fields": [(code, label) for code, (label, _) in ranking.FIELDS.items()],
            "top_recent_days": settings.TOP_RECENT_DAYS,
        },
    )
