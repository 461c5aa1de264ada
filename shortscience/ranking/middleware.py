"""Counting paper page views, for every paper page served: those the view renders and those
the page cache answers without running it. Placed before the page cache in MIDDLEWARE, so
that a cached page needs no hook of its own."""

from __future__ import annotations

import re

from shortscience.ranking import viewcount

# The paper page, /paper/<id>/<slug> (discovery/urls.py, "discovery:paper"). Matched on the
# path rather than resolved: on a cache hit no URL is resolved at all, and this costs less.
_PAPER_PAGE = re.compile(r"^/paper/(\d+)/[^/]+$")


class PaperViewsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A 200 only: a redirect to the right slug or to a merged paper is not a view.
        if (
            request.method == "GET"
            and response.status_code == 200
            and (match := _PAPER_PAGE.match(request.path_info))
        ):
            viewcount.record_view(int(match[1]))
        return response
