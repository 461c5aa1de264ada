from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect

from shortscience.papers.models import Paper


def by_id(request, pk: int):
    paper = Paper.objects.filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    return redirect(paper, permanent=True)
