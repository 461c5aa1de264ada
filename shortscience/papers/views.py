from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary


def detail(request, pk: int, slug: str = ""):
    paper = get_object_or_404(Paper.objects.for_page(), pk=pk)
    if paper.merged_into_id:
        # A paper merged into another keeps its old URLs working, for good.
        return redirect(Paper.objects.get(pk=paper.merged_into_id), permanent=True)
    if slug != paper.slug:
        return redirect(paper, permanent=True)
    summaries = list(
        Summary.objects.filter(paper=paper)
        .visible_to(request.user)
        .select_related("user")
        .order_by("-edited")
    )
    mine = next(
        (s for s in summaries if request.user.is_authenticated and s.user_id == request.user.pk),
        None,
    )
    return render(
        request,
        "papers/detail.html",
        {"paper": paper, "summaries": summaries, "my_summary": mine},
    )


def legacy(request):
    """The old site's /paper?bibtexKey=KEY[&a=USERNAME] links, redirected for good."""
    key = request.GET.get("bibtexKey", "").strip()
    paper = Paper.objects.by_identifier(key) if key else None
    if paper is None:
        return render(request, "papers/not_in_library.html", {"key": key}, status=404)
    username = request.GET.get("a", "").strip()
    if username:
        user = get_user_model().objects.filter(username=username).first()
        # Only a public, signed summary is reachable by its author's name: following the
        # name to an anonymous summary would tell who wrote it.
        summary = (
            Summary.objects.public().filter(paper=paper, user=user, is_anonymous=False).first()
            if user
            else None
        )
        if summary:
            return redirect(summary, permanent=True)
    return redirect(paper, permanent=True)


def by_id(request, pk: int):
    paper = Paper.objects.filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    return redirect(paper, permanent=True)
