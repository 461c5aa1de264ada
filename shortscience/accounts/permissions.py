"""Who may moderate: members of the "moderators" group (made by a migration) and superusers."""

from __future__ import annotations

MODERATORS_GROUP = "moderators"


def is_moderator(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: templates and views ask several times per request.
    cached = getattr(user, "_is_moderator", None)
    if cached is None:
        cached = user.groups.filter(name=MODERATORS_GROUP).exists()
        user._is_moderator = cached
    return cached
