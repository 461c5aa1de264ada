"""Named rate-limit policies over TokenBucket: one bucket per policy and user (or IP).

Our buckets live in the database, so every app server of a site shares them; allauth's own
cache-based limits are switched off in settings (ACCOUNT_RATE_LIMITS = False) and its three
public forms (log-in, sign-up, password reset) are wrapped with `rate_limited` in urls.py.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from shortscience.accounts.models import TokenBucket
from shortscience.lib import katex

# policy name -> (actions, per seconds)
POLICIES: dict[str, tuple[int, int]] = {
    # The editor previews as the writer types: 300 ms after the last key, and at most once a
    # second (editor.js), which is what refills the bucket, so typing never empties it. The
    # 120 it holds are for the Preview buttons (comments, the editor without JavaScript) on
    # top. A script gets one a second after those, where it had two.
    "preview": (120, 120),
    # Not actions: seconds of rendering (RENDER_POLICY below), every render of the member's
    # counted (previews, saves, comments, the API). A preview of a typical summary costs
    # ~25 ms (~6 ms of CPU, the rest KaTeX's), one of 50 formulas ~80 ms: at one preview a
    # second (editor.js) typing spends at most half what the bucket refills, 1/6 s a second.
    # A text refused for its cost (lib/markup/budget.py) spends ~0.27 s with its request, so
    # a script posting them gets ~75 in a row, then one every ~1.6 s: a sixth of a core per
    # account, where it had a whole one for as long as it liked.
    "render": (20, 120),
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
    # "I would read a summary of this", one paper at a time; the coverage check asks for many
    # in one action, which spends one.
    "request": (60, 3600),
    # Reading lists: making and arranging them (a note, a move, a paper added: each one).
    "lists": (300, 3600),
    # Reading groups: making and running them (a join, a meeting, a change of role: each one).
    "groups": (120, 3600),
    # The coverage check: a read, but up to 2,000 look-ups and a BibTeX parse a time.
    "coverage": (30, 600),
    "token": (10, 3600),
}

# Policies keyed by the client's IP even when someone is logged in.
PER_IP = frozenset({"signup", "login", "password_reset"})

# Writes that spam is made of: an account younger than NEW_ACCOUNT_DAYS gets half the bucket
# (and so half the refill rate). Preview and fetch stay whole: they publish nothing.
NEW_ACCOUNT_HALVED = frozenset(
    {
        "summary",
        "comment",
        "vote",
        "report",
        "upload",
        "claim",
        "follow",
        "request",
        "lists",
        "groups",
    }
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


def _bucket(request, policy: str, user) -> str:
    if user is not None and user.is_authenticated and policy not in PER_IP:
        return f"{policy}:user:{user.pk}"
    return f"{policy}:ip:{client_ip(request)}"


def spend(request, policy: str, user) -> Allowance:
    """Spend one of `user`'s (or, logged out, the client IP's) actions under `policy`; the
    pages and the API share the buckets, so a script gets no more than a person."""
    capacity, seconds = limit_for(user, policy)
    allowed, left = TokenBucket.take(_bucket(request, policy, user), capacity, seconds)
    return _allowance(allowed, left, capacity, seconds, needed=1)


def _allowance(allowed: bool, left: float, capacity: int, seconds: int, needed: float):
    per_unit = seconds / capacity
    return Allowance(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, math.floor(left)),
        reset_seconds=math.ceil((capacity - left) * per_unit),
        retry_after=0 if allowed else max(1, math.ceil((needed - left) * per_unit)),
    )


# The "render" bucket holds seconds: a render's cost is its thread's CPU time and KaTeX's
# time, known only when it is done. So a render is allowed while the bucket holds anything
# and its cost is taken after, below zero if need be (by at most one render: its budget,
# 0.2 s of CPU, its request's own work and its formulas); the next waits until it is repaid.
RENDER_POLICY = "render"


def render_allowance(request, user) -> Allowance:
    """Whether `user` may render now (reads the bucket, spends nothing)."""
    return _render_level(request, user)[1]


def _render_level(request, user) -> tuple[float, Allowance]:
    """Seconds until `user`'s "render" bucket holds anything (0 when it does), and the
    allowance it makes now."""
    capacity, seconds = limit_for(user, RENDER_POLICY)
    left = TokenBucket.level(_bucket(request, RENDER_POLICY, user), capacity, seconds)
    wait = max(0.0, -left * seconds / capacity)
    return wait, _allowance(left > 0, left, capacity, seconds, needed=0.001)


@contextmanager
def charging_render(request, user) -> Iterator[None]:
    """Take what the block costs from `user`'s "render" bucket, refused or not: this
    thread's CPU time and KaTeX's time for it (ask render_allowance first)."""
    cpu, math_time = time.thread_time(), katex.seconds_spent()
    try:
        yield
    finally:
        cost = time.thread_time() - cpu + katex.seconds_spent() - math_time
        capacity, seconds = limit_for(user, RENDER_POLICY)
        TokenBucket.take(_bucket(request, RENDER_POLICY, user), capacity, seconds, cost, debt=True)


def too_many_requests(message: str = "Too many requests; please wait a minute.") -> HttpResponse:
    return HttpResponse(message, status=429, content_type="text/plain")


RENDER_SPENT = (
    "You have used a lot of typesetting time in the last minutes; please wait {seconds} s "
    "and try again."
)


def _render_refusal(request) -> HttpResponse | None:
    """The 429 for a member whose "render" bucket is spent now; None while it holds any."""
    wait, allowance = _render_level(request, request.user)
    if allowance.allowed:
        return None
    response = too_many_requests(RENDER_SPENT.format(seconds=allowance.retry_after))
    response["Retry-After"] = str(allowance.retry_after)
    response.refused_for = wait
    return response


def render_limited(view):
    """View decorator for the views that render a member's text on POST: 429 while their
    "render" bucket is spent, and what the view costs taken from it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        if (refused := _render_refusal(request)) is not None:
            return refused
        with charging_render(request, request.user):
            return view(request, *args, **kwargs)

    wrapper.render_limited = True  # read by RefuseSpentEarlyMiddleware (and kept by @wraps)
    return wrapper


def rate_limited(policy: str):
    """View decorator: 429 Too Many Requests once the policy's bucket is empty."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and not allow(request, policy):
                return too_many_requests()
            return view(request, *args, **kwargs)

        wrapper.rate_limit_policy = policy  # read by RefuseSpentEarlyMiddleware
        return wrapper

    return decorator


def seconds_until_one(request, policy: str, user) -> float:
    """How long until `policy`'s bucket holds an action: 0 when it does now (reads it,
    spends nothing)."""
    capacity, seconds = limit_for(user, policy)
    left = TokenBucket.level(_bucket(request, policy, user), capacity, seconds)
    return max(0.0, (1 - left) * seconds / capacity)


def refusal_before_reading(request, view) -> HttpResponse | None:
    """The 429 a rate-limited view's decorators will answer to this POST, found before
    anything reads its body; None when they may let it through (they spend, this does not).
    The refusal carries `refused_for`: how long, in seconds, its bucket will refuse again
    (only time refills a bucket), which RefusedRecentlyMiddleware remembers."""
    if request.method != "POST":
        return None
    policy = getattr(view, "rate_limit_policy", None)
    if policy is not None and (wait := seconds_until_one(request, policy, request.user)) > 0:
        response = too_many_requests()
        response["Retry-After"] = str(max(1, math.ceil(wait)))
        response.refused_for = wait
        return response
    if getattr(view, "render_limited", False):
        return _render_refusal(request)
    return None
