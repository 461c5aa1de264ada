"""Requests no view should see: a NUL character (`%00`) in the path or the query string.

No identifier, search or name holds one, PostgreSQL refuses to store or compare one (a 500
from the database, not an answer), and XML cannot carry it. Forms refuse it already
(Django's ProhibitNullCharactersValidator); this refuses it in URLs, for every view."""

from __future__ import annotations

from django.http import HttpResponseBadRequest


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "A NUL character (%00) is not allowed in an address.", content_type="text/plain"
            )
        return self.get_response(request)
