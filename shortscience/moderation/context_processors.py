from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from shortscience.accounts.permissions import is_moderator


def moderation(request) -> dict:
    # Lazy: one query, only on pages that ask, only for members (none for visitors).
    return {"is_moderator": SimpleLazyObject(lambda: is_moderator(request.user))}
