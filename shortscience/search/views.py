from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from shortscience.discovery import bibtex
from shortscience.discovery.views import BIBTEX_CONTENT_TYPE
from shortscience.papers.models import Paper
from shortscience.search import services
from shortscience.web import changes, pages
from shortscience.web.paging import page_number

# Longer text is cut: no paper title needs more, and it bounds the work one request asks for.
MAX_QUERY_CHARS = 300


def _query_and_page(request) -> tuple[str, int]:
    return request.GET.get("q", "")[:MAX_QUERY_CHARS], page_number(request.GET.get("page"))


@require_GET
def search(request):
    text, page = _query_and_page(request)
    results = services.search(text, page)
    if results.redirect_to:
        return redirect(results.redirect_to)  # 302: the box held an identifier we know
    # What matches changes with any paper or summary; each hit shows its paper and a byline.
    pages.shows(
        request,
        papers=[hit.paper.pk for hit in results.hits],
        members=[hit.summary.named_member_id for hit in results.hits if hit.summary],
        lists=[changes.PAPERS, changes.SUMMARIES],
    )
    return render(request, "search/results.html", {"q": text, "results": results})


@require_GET
def search_bibtex(request):
    """The papers of one page of results, as BibTeX (the page's "BibTeX" link): the ranked
    ids alone, without the page's snippets, then the papers as BibTeX needs them."""
    text, page = _query_and_page(request)
    start = (page - 1) * services.PER_PAGE
    ids = services.ranked_paper_ids(text)[start : start + services.PER_PAGE]
    papers = {p.pk: p for p in Paper.objects.filter(pk__in=ids).with_details()}
    pages.shows(request, papers=ids, lists=[changes.PAPERS, changes.SUMMARIES])
    response = HttpResponse(
        bibtex.entries(papers[pk] for pk in ids if pk in papers),
        content_type=BIBTEX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = 'inline; filename="search.bib"'
    return response


@require_GET
def internalsearch(request):
    """/internalsearch?q=...: the original site's search URL, for good (JabRef builds it)."""
    query = urlencode({"q": request.GET.get("q", "")})
    return HttpResponsePermanentRedirect(f"{reverse('search:search')}?{query}")
