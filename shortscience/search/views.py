from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from shortscience.search import services

# Longer text is cut: no paper title needs more, and it bounds the work one request asks for.
MAX_QUERY_CHARS = 300


@require_GET
def search(request):
    text = request.GET.get("q", "")[:MAX_QUERY_CHARS]
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    results = services.search(text, page)
    if results.redirect_to:
        return redirect(results.redirect_to)  # 302: the box held an identifier we know
    return render(request, "search/results.html", {"q": text, "results": results})
