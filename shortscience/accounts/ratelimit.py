"""Named rate-limit policies over TokenBucket: one bucket per policy and user (or IP)."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse

from shortscience.accounts.models import TokenBucket

# policy name -> (actions, per seconds)
POLICIES: dict[str, tuple[int, int]] = {
    # The editor previews as the writer types (debounced), so this one is generous.
    "preview": (120, 60),
    "summary": (30, 3600),
    # Look-ups at arXiv, Crossref, DBLP and OpenReview on a visitor's behalf.
    "fetch": (20, 600),
    "import": (30, 3600),
}


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a known proxy sets it,
    # and a proxy deployment can rewrite REMOTE_ADDR before Django sees the request.
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(request, policy: str) -> bool:
    capacity, seconds = POLICIES[policy]
    who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
    return TokenBucket.authorize(f"{policy}:{who}", capacity, seconds)


def rate_limited(policy: str):
    """View decorator: 429 Too Many Requests once the policy's bucket is empty."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and not allow(request, policy):
                return HttpResponse(
                    "Too many requests; please wait a minute.",
                    status=429,
                    content_type="text/plain",
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
