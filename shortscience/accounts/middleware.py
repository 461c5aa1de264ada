from __future__ import annotations

import hashlib
import math
import threading
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse

from shortscience.accounts.auth import ban_message
from shortscience.accounts.ratelimit import refusal_before_reading


class BannedUserMiddleware:
    """Ends a banned member's session on their next request: a ban takes effect at once,
    not when the session expires. The request goes on as an anonymous visitor's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.banned_at is not None:
            message = ban_message(user)
            logout(request)
            messages.error(request, message)
        return self.get_response(request)


class RefusedRecentlyMiddleware:
    """A POST from a member's session whose last POST to the same path was refused by a
    spent bucket less than the bucket's wait ago gets that refusal again, before the
    session, the member and the bucket are read (before SessionMiddleware): the bucket
    cannot have refilled meanwhile, since only time refills it. A script posting in a loop
    once refused costs each worker a dictionary look-up, where the three reads kept ~1.6
    cores busy at ~350 refusals a second (bench/render_budget.py). Remembered: this
    process's own refusals (RefuseSpentEarlyMiddleware's, which say how long they hold) of
    logged-in members only, by a digest of their session cookie, with the refusal's text:
    a visitor's cookie is anything they like, and would let anyone fill the memory."""

    MAX_REMEMBERED = 10_000

    def __init__(self, get_response):
        self.get_response = get_response
        self.refused: dict[tuple[bytes, str], tuple[float, bytes, str]] = {}
        self.lock = threading.Lock()  # gthread workers serve requests side by side

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        key = (hashlib.sha256(cookie.encode()).digest()[:16], request.path_info)
        now = time.monotonic()
        remembered = self.refused.get(key) if cookie else None
        if remembered is not None:
            until, content, content_type = remembered
            if until > now:
                response = HttpResponse(content, status=429, content_type=content_type)
                response["Retry-After"] = str(max(1, math.ceil(until - now)))
                return response
            with self.lock:
                self.refused.pop(key, None)
        response = self.get_response(request)
        wait = getattr(response, "refused_for", 0)
        user = getattr(request, "user", None)
        if cookie and wait > 0 and response.status_code == 429 and user and user.is_authenticated:
            with self.lock:
                if len(self.refused) >= self.MAX_REMEMBERED:
                    self.refused = {k: v for k, v in self.refused.items() if v[0] > now}
                    if len(self.refused) >= self.MAX_REMEMBERED:
                        self.refused.clear()
                self.refused[key] = (now + wait, response.content, response["Content-Type"])
        return response


class RefuseSpentEarlyMiddleware:
    """A POST to a rate-limited view whose bucket is spent gets its 429 before the CSRF check
    reads the body. A member who posts 100 KB previews in a loop is refused by the view's
    decorators anyway; answered here, each refusal costs a bucket read instead of parsing
    ~300 KB of form (~30 ms of a worker), which is what such a loop settles to
    (bench/render_budget.py). The decorators still spend and decide; this only reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        return refusal_before_reading(request, view_func)
