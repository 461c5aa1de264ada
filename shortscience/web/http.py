"""What the write views of every app share: a form that JavaScript enhances asks for JSON,
and a plain form post goes back to a "next" address, on this site only."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def next_url(request, default: str) -> str:
    """The form's `next` (posted, or in the query string) if it is a path on this site; else
    default. Only a path: redirect() reads a bare word ("abc") as a view name to reverse."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default
