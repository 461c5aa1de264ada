from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout

from shortscience.accounts.auth import ban_message


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
