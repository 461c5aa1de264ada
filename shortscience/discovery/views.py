from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from shortscience.discovery import bibtex
from shortscience.discovery.queries import (
    PAGE_SIZE,
    author_path,
    paper_page,
    summarised_venues,
    summarised_years,
)
from shortscience.discovery.sitemaps import SITEMAPS
from shortscience.notifications.models import SummaryRequest
from shortscience.papers.models import Author, Keyword, Paper, PaperAuthor, Venue
from shortscience.ranking import scores as ranking
from shortscience.summaries.models import Summary
from shortscience.web import changes, pages
from shortscience.web.links import absolute
from shortscience.web.paging import CappedPaginator

BIBTEX_CONTENT_TYPE = "text/plain; charset=utf-8"


# --- browsing -----------------------------------------------------------------------------


def _shows_papers(request, page) -> None:
    """A list of papers (paper_page()) shows each paper and its best summary's byline, and
    which papers it holds depends on their summaries (PaperQuerySet.summarised())."""
    pages.shows(
        request,
        papers=[p.pk for p in page],
        members=[p.best_summary.named_member_id for p in page if p.best_summary],
        lists=[changes.PAPERS],
    )


@require_GET
def venues(request):
    page = Paginator(summarised_venues(), PAGE_SIZE).get_page(request.GET.get("page"))
    pages.shows(request, lists=[changes.PAPERS])
    return render(request, "discovery/venues.html", {"page": page})


@require_GET
def venue(request, key: str):
    venue = get_object_or_404(Venue, key=key)
    papers = Paper.objects.filter(venue=venue).summarised()
    years = summarised_years(venue)
    year = _year(request.GET.get("year"))
    if year is not None:
        papers = papers.filter(year=year)
    page = paper_page(papers.order_by("-last_summary", "-pk"), request.GET.get("page"))
    _shows_papers(request, page)
    return render(
        request,
        "discovery/venue.html",
        {"venue": venue, "years": years, "year": year, "page": page},
    )


@require_GET
def venue_legacy(request):
    """The old site's /venue?key=conf/nips&year=2017, for good at /venues/conf/nips?year=2017."""
    venue = get_object_or_404(Venue, key=request.GET.get("key", "").strip())
    url = reverse("discovery:venue", args=[venue.key])
    year = _year(request.GET.get("year"))
    if year is not None:
        url += "?" + urlencode({"year": year})
    return redirect(url, permanent=True)


@require_GET
def keyword(request, name: str):
    keyword = get_object_or_404(Keyword, name=name)
    tagged = Paper.keywords.through.objects.filter(keyword=keyword).values("paper_id")
    papers = Paper.objects.filter(pk__in=tagged).summarised()
    page = paper_page(papers.order_by("-last_summary", "-pk"), request.GET.get("page"))
    _shows_papers(request, page)
    return render(request, "discovery/keyword.html", {"keyword": keyword, "page": page})


@require_GET
def author(request, pk: int, slug: str = ""):
    author = get_object_or_404(Author, pk=pk)
    canonical = author_path(author)
    if request.path != canonical:
        return redirect(canonical, permanent=True)
    # Every paper of the author, summarised or not: an author page is where a reader finds
    # the one still waiting for its first summary.
    written = PaperAuthor.objects.filter(author=author).values("paper_id")
    papers = Paper.objects.filter(pk__in=written, merged_into__isnull=True)
    page = paper_page(
        papers.order_by("-public_summary_count", "-year", "-pk"), request.GET.get("page")
    )
    _shows_papers(request, page)
    return render(request, "discovery/author.html", {"author": author, "page": page})


@require_GET
def year(request, year: int):
    if not 1000 <= year <= 9999:
        raise Http404("No such year.")
    papers = Paper.objects.filter(year=year).summarised()
    page = paper_page(papers.order_by("-last_summary", "-pk"), request.GET.get("page"))
    _shows_papers(request, page)
    return render(request, "discovery/year.html", {"year": year, "page": page})


# Widths of the badge's text at 11 px in Verdana (what shields.io-style badges are drawn in),
# by character class; a badge a little too wide beats one whose text overflows.
_NARROW, _WIDE = set("fijlrt1 .,:;'|!()[]"), set("mwMW@%")


def _text_width(text: str) -> int:
    return round(sum(4 if c in _NARROW else 11 if c in _WIDE else 7 for c in text))


@require_GET
def badge(request, key: str):
    """An SVG badge with the number of public summaries of the paper `key` names (any
    identifier form), or "no summary yet": for READMEs, lab pages and arXiv overlays. Kept
    by the page cache like a page and revalidated by browsers and image proxies each time
    (an ETag answers 304), so a new summary shows within the second, as on the site."""
    paper = Paper.objects.for_key(key)
    count = paper.public_summary_count if paper is not None else 0
    value = f"{count} summar{'y' if count == 1 else 'ies'}" if count else "no summary yet"
    label = settings.SITE_NAME
    # Unknown papers become known by an import, which says the papers' list changed.
    pages.shows(request, papers=[paper.pk] if paper is not None else [], lists=[changes.PAPERS])
    left, right = _text_width(label) + 12, _text_width(value) + 12
    response = render(
        request,
        "discovery/badge.svg",
        {"label": label, "value": value, "count": count, "left": left, "right": right},
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def wanted(request):
    """Papers people would read a summary of, most asked for first: where a writer looking
    for what to write next starts. Counts only; who asked is the requesters' own business."""
    field = ranking.field_param(request.GET.get("field"))
    page = CappedPaginator(SummaryRequest.objects.wanted(field), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    papers = {
        p.pk: p for p in Paper.objects.filter(pk__in=[r["paper"] for r in page]).with_details()
    }
    rows = [(papers[r["paper"]], r["requests"], r["latest"]) for r in page if r["paper"] in papers]
    pages.shows(request, papers=list(papers), lists=[changes.WANTED])
    return render(
        request,
        "discovery/wanted.html",
        {
            "page": page,
            "rows": rows,
            "field": field,
            "fields": ranking.FIELD_CHOICES,
        },
    )


@never_cache
@require_GET
def random_summary(request):
    """A random public summary. A random id between the smallest and largest public ones,
    then the first public summary from there: one indexed look-up instead of ORDER BY
    RANDOM() over the table; summaries after a gap in the ids come up a little more often."""
    public = Summary.objects.public()
    bounds = public.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        raise Http404("There are no public summaries yet.")
    start = bounds["low"] + secrets.randbelow(bounds["high"] - bounds["low"] + 1)
    summary = public.filter(pk__gte=start).order_by("pk").only("pk").first()
    if summary is None:  # made private or hidden between the two queries
        raise Http404("There are no public summaries yet.")
    return redirect(summary)


def _year(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if 1000 <= value <= 9999 else None


# --- feeds (the Feed classes are in feeds.py) ---------------------------------------------


@require_GET
def venue_feed_legacy(request):
    """/feeds/venue?key=conf/nips, for good at /feeds/venue/conf/nips."""
    venue = get_object_or_404(Venue, key=request.GET.get("key", "").strip())
    return redirect("discovery:venue_feed", venue.key, permanent=True)


# --- BibTeX -------------------------------------------------------------------------------


@require_GET
def paper_bibtex(request, pk: int):
    paper = Paper.objects.get_with_details(pk=pk)
    if paper is None:
        raise Http404("No such paper.")
    if paper.merged_into_id:
        return redirect("discovery:paper_bibtex", paper.merged_into_id, permanent=True)
    pages.shows(request, papers=[paper.pk])
    return HttpResponse(bibtex.entry(paper), content_type=BIBTEX_CONTENT_TYPE)


@require_GET
def venue_bibtex(request):
    """Every paper of a venue and year that the venue page lists."""
    venue = get_object_or_404(Venue, key=request.GET.get("key", "").strip())
    year = _year(request.GET.get("year"))
    if year is None:
        return HttpResponseBadRequest(
            "Say which year, e.g. /venue/bibtex?key=conf/nips&year=2017.",
            content_type="text/plain; charset=utf-8",
        )
    papers = Paper.objects.filter(venue=venue, year=year).summarised().order_by("title", "pk")
    pages.shows(request, lists=[changes.PAPERS])
    response = HttpResponse(bibtex.entries(papers.with_details()), content_type=BIBTEX_CONTENT_TYPE)
    filename = f"{slugify(venue.key.replace('/', '-'))}-{year}.bib"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- for machines -------------------------------------------------------------------------


@require_GET
@cache_control(public=True, max_age=3600)
def sitemap_index(request):
    pages.shows(request, lists=[changes.PAPERS, changes.SUMMARIES, changes.MEMBERS])
    sections = []
    for section, cls in SITEMAPS.items():
        url = absolute(reverse("discovery:sitemap_section", args=[section]))
        count = cls().paginator.num_pages
        sections += [{"location": url if n == 1 else f"{url}?p={n}"} for n in range(1, count + 1)]
    return render(
        request, "sitemap_index.xml", {"sitemaps": sections}, content_type="application/xml"
    )


@require_GET
@cache_control(public=True, max_age=3600)
def sitemap_section(request, section: str):
    pages.shows(request, lists=[changes.PAPERS, changes.SUMMARIES, changes.MEMBERS])
    return django_sitemap(request, SITEMAPS, section=section)


ROBOTS = """User-agent: *
Allow: /
Disallow: /accounts/
Disallow: /settings
Disallow: /admin/
Disallow: /markup/

Sitemap: {sitemap}
"""


@require_GET
@cache_control(public=True, max_age=86400)
def robots(request):
    pages.shows(request)  # the same text whatever the content
    text = ROBOTS.format(sitemap=absolute(reverse("discovery:sitemap")))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
