"""Who may take part (a signed-in member not banned) and who may moderate: members of the
"moderators" group (made by a migration) and superusers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

MODERATORS_GROUP = "moderators"


def check_member(user) -> None:
    """PermissionDenied unless `user` may write: signed in, not banned."""
    if not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    if user.is_banned:
        raise PermissionDenied("This account is banned.")


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
