"""Who is asking: personal access tokens (`Authorization: Bearer ss_...`), made and revoked
on /settings; and what they may still do: the same rate-limit buckets as the pages, told in
X-RateLimit-* headers on every write and Retry-After on a 429."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.security import HttpBearer

from shortscience.accounts import ratelimit
from shortscience.accounts.models import ApiToken
from shortscience.accounts.services import note_token_used


class TokenAuth(HttpBearer):
    """A live token of an active member; `write=True` also wants the write scope.

    A token the site does not know is a 401, like no token; a read token on a write is a
    403 that says so, since the caller can fix that on /settings."""

    def __init__(self, *, write: bool = False):
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.objects.authenticate(token.strip())
        if found is None:
            return None
        if self.write and not found.can_write:
            raise HttpError(403, "This token may only read; make a write token on /settings.")
        note_token_used(found)
        return found


class OptionalTokenAuth(TokenAuth):
    """For reads: no Authorization header reads as a visitor; a bad token is still a 401
    (a script with a revoked token should hear so, not silently see less)."""

    def __call__(self, request: HttpRequest):
        if not request.headers.get(self.header):
            return ANONYMOUS
        return super().__call__(request)


class _Anonymous:
    user = None

    def __bool__(self) -> bool:  # ninja accepts any truthy answer as "authenticated"
        return True


ANONYMOUS = _Anonymous()
WRITE = TokenAuth(write=True)
READ = OptionalTokenAuth()


class RateLimited(Exception):
    def __init__(self, allowance: ratelimit.Allowance):
        self.allowance = allowance


def spend(request: HttpRequest, response: HttpResponse, policy: str) -> None:
    """One action under `policy` for the token's member, with the headers that say what is
    left; raises RateLimited (answered 429 with Retry-After) when the bucket is empty."""
    allowance = ratelimit.spend(request, policy, request.auth.user)
    for name, value in limit_headers(allowance).items():
        response[name] = value
    if not allowance.allowed:
        raise RateLimited(allowance)


@contextmanager
def rendering(request: HttpRequest) -> Iterator[None]:
    """The pages' render_limited for the token's member: RateLimited (429) while their
    "render" bucket is spent, else what the block costs is taken from it."""
    user = request.auth.user
    allowance = ratelimit.render_allowance(request, user)
    if not allowance.allowed:
        raise RateLimited(allowance)
    with ratelimit.charging_render(request, user):
        yield


def limit_headers(allowance: ratelimit.Allowance) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(allowance.limit),
        "X-RateLimit-Remaining": str(allowance.remaining),
        "X-RateLimit-Reset": str(allowance.reset_seconds),
    }
    if not allowance.allowed:
        headers["Retry-After"] = str(allowance.retry_after)
    return headers
