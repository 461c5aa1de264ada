from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout

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
