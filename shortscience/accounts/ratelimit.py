"""Named rate-limit policies over TokenBucket: one bucket per policy and user (or IP).

Our buckets live in the database, so every app server of a site shares them; allauth's own
cache-based limits are switched off in settings (ACCOUNT_RATE_LIMITS = False) and its three
public forms (log-in, sign-up, password reset) are wrapped with `rate_limited` in urls.py.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from shortscience.accounts.models import TokenBucket

# policy name -> (actions, per seconds)
POLICIES: dict[str, tuple[int, int]] = {
    # The editor previews as the writer types (debounced), so this one is generous.
    "preview": (120, 60),
    "summary": (30, 3600),
    # Look-ups at arXiv, Crossref, DBLP and OpenReview on a visitor's behalf.
    "fetch": (20, 600),
    "import": (30, 3600),
    # Account forms, always per IP: the visitor has no account yet (or is not proven to own it).
    "signup": (5, 3600),
    "login": (10, 300),
    "password_reset": (5, 3600),
    # Log-in attempts per account, from any address: slows a brute force spread over many IPs.
    "login_account": (10, 300),
    # Community writes, per member.
    "comment": (30, 3600),
    "vote": (120, 3600),
    "report": (20, 3600),
    "upload": (30, 3600),
    "claim": (10, 3600),
    "follow": (60, 3600),
    "token": (10, 3600),
}

# Policies keyed by the client's IP even when someone is logged in.
PER_IP = frozenset({"signup", "login", "password_reset"})

# Writes that spam is made of: an account younger than NEW_ACCOUNT_DAYS gets half the bucket
# (and so half the refill rate). Preview and fetch stay whole: they publish nothing.
NEW_ACCOUNT_HALVED = frozenset(
    {"summary", "comment", "vote", "report", "upload", "claim", "follow"}
)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a known proxy sets it,
    # and a proxy deployment can rewrite REMOTE_ADDR before Django sees the request.
    return request.META.get("REMOTE_ADDR", "unknown")


def is_new_account(user) -> bool:
    joined = getattr(user, "date_joined", None)
    if not user.is_authenticated or joined is None:
        return False
    return timezone.now() - joined < timedelta(days=settings.NEW_ACCOUNT_DAYS)


def limit_for(user, policy: str) -> tuple[int, int]:
    """(capacity, seconds) of `policy` for this user: halved for new accounts where it applies."""
    capacity, seconds = POLICIES[policy]
    if policy in NEW_ACCOUNT_HALVED and user is not None and is_new_account(user):
        capacity = max(1, capacity // 2)
    return capacity, seconds


def allow_key(policy: str, key: str) -> bool:
    """A bucket keyed by something other than the visitor (an account's login name, say)."""
    capacity, seconds = POLICIES[policy]
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return TokenBucket.authorize(f"{policy}:key:{digest}", capacity, seconds)


def allow(request, policy: str) -> bool:
    return spend(request, policy, request.user).allowed


@dataclass(frozen=True)
class Allowance:
    """One action asked of a bucket, and what is left: what an API answer's
    X-RateLimit-* and Retry-After headers say."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the bucket is full again
    retry_after: int  # until the next action is allowed (0 when it is now)


def spend(request, policy: str, user) -> Allowance:
    """Spend one of `user`'s (or, logged out, the client IP's) actions under `policy`; the
    pages and the API share the buckets, so a script gets no more than a person."""
    capacity, seconds = limit_for(user, policy)
    if user is not None and user.is_authenticated and policy not in PER_IP:
        who = f"user:{user.pk}"
    else:
        who = f"ip:{client_ip(request)}"
    allowed, left = TokenBucket.take(f"{policy}:{who}", capacity, seconds)
    per_action = seconds / capacity
    return Allowance(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, math.floor(left)),
        reset_seconds=math.ceil((capacity - left) * per_action),
        retry_after=0 if allowed else max(1, math.ceil((1 - left) * per_action)),
    )


def too_many_requests() -> HttpResponse:
    return HttpResponse(
        "Too many requests; please wait a minute.", status=429, content_type="text/plain"
    )


def rate_limited(policy: str):
    """View decorator: 429 Too Many Requests once the policy's bucket is empty."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and not allow(request, policy):
                return too_many_requests()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
