"""The two pages people come to read: a paper with its summaries, and one summary with its
discussion. Each puts together what the apps below it keep (summaries, votes and threads,
follows, related papers) and hands the template everything it shows: no template tag
queries on these pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render

from shortscience.community.threads import discussion, my_votes
from shortscience.discovery.models import RelatedPaper
from shortscience.notifications.models import SummaryRequest
from shortscience.notifications.services import has_requested, is_following
from shortscience.papers.models import Paper, load_details
from shortscience.summaries.access import shared_summary, summary_for
from shortscience.summaries.models import Summary
from shortscience.web import pages
from shortscience.web.paging import page_number

# Summaries on one paper page, best first: a much-summarised paper would otherwise make a page
# of megabytes (the benchmark corpus's busiest paper has 926 summaries: 4.4 MB).
SUMMARIES_PER_PAGE = 20


def paper(request, pk: int, slug: str = ""):
    paper = Paper.objects.get_with_details(pk=pk)
    if paper is None:
        raise Http404("No such paper.")
    if paper.merged_into_id:
        # A paper merged into another keeps its old URLs working, for good.
        return redirect(Paper.objects.get(pk=paper.merged_into_id), permanent=True)
    if slug != paper.slug:
        return redirect(paper, permanent=True)
    number = page_number(request.GET.get("page"))
    visible = (
        Summary.objects.filter(paper=paper)
        .visible_to(request.user)
        .select_related("user")
        # The page shows the stored HTML; the Markdown source is as long again.
        .defer("body")
        .order_by("-wilson", "-edited", "-pk")
    )
    # One row past the page says whether there is a next one, without counting them all.
    start = (number - 1) * SUMMARIES_PER_PAGE
    summaries = list(visible[start : start + SUMMARIES_PER_PAGE + 1])
    has_next = len(summaries) > SUMMARIES_PER_PAGE
    summaries = summaries[:SUMMARIES_PER_PAGE]
    if number > 1 and not summaries:
        raise Http404("No such page of summaries.")
    votes = my_votes(request.user, Q(summary__in=summaries)) if summaries else {}
    for summary in summaries:
        summary.my_vote = votes.get(("summary", summary.pk), 0)
    related = RelatedPaper.objects.shown_for(paper)
    pages.shows(
        request,
        papers=[paper.pk, *(p.pk for p in related)],
        members=[s.named_member_id for s in summaries],
    )
    mine = None
    if request.user.is_authenticated:
        mine = next((s for s in summaries if s.user_id == request.user.pk), None)
        if mine is None and (has_next or number > 1):  # it may be on another page
            mine = Summary.objects.filter(paper=paper, user=request.user).first()
    return render(
        request,
        "discovery/paper.html",
        {
            "paper": paper,
            "summaries": summaries,
            "my_summary": mine,
            "summary_page": {
                "number": number,
                "previous": number - 1 if number > 1 else None,
                "next": number + 1 if has_next else None,
            },
            "related": related,
            "following": is_following(request.user, paper),
            # Asked for while the paper has no public summary (the one that appears ends them).
            "requests": (
                None
                if paper.public_summary_count
                else {
                    "count": SummaryRequest.objects.open().filter(paper=paper).count(),
                    "mine": has_requested(request.user, paper),
                }
            ),
        },
    )


def summary(request, pk: int):
    token = request.GET.get("share", "")
    shared = shared_summary(pk, token) if token else None
    if shared is not None and not shared.can_edit(request.user):
        # A private summary opened by its share link is for reading: no votes, no discussion.
        response = render(
            request,
            "discovery/summary.html",
            {"summary": shared, "paper": _paper_of(shared), "shared_view": True},
        )
        # The token is in the URL: no Referer may carry it to the sites the summary links to.
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        # Private text: no shared cache (nor the site's own page cache) may keep a copy
        # that would outlive a revoked link.
        response["Cache-Control"] = "private, no-store"
        return response
    summary = summary_for(request.user, pk)
    thread = discussion(summary, request.user)
    pages.shows(
        request,
        papers=[summary.paper_id],
        members=[summary.named_member_id, *(c.named_member_id for c in thread.all_comments())],
    )
    context = {
        "summary": summary,
        "paper": _paper_of(summary),
        "discussion": thread,
        "following": is_following(request.user, summary),
    }
    if summary.can_edit(request.user):
        context["is_draft"] = (
            summary.visibility == Summary.Visibility.PRIVATE
            and not summary.revisions.filter(visibility=Summary.Visibility.PUBLIC).exists()
        )
        if summary.share_token:
            context["share_url"] = request.build_absolute_uri(
                f"{summary.get_absolute_url()}?{urlencode({'share': summary.share_token})}"
            )
    response = render(request, "discovery/summary.html", context)
    if summary.share_token and summary.can_edit(request.user):
        response["Referrer-Policy"] = "no-referrer"
    return response


def _paper_of(summary: Summary) -> Paper:
    """The summary's paper (read with it) with what its header shows: authors, keywords and
    the identifiers its outbound links come from in one query, and its venue."""
    paper = summary.paper
    load_details([paper])
    return paper
