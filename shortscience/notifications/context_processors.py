"""The unread count in the site header: one indexed count for members, none for visitors."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from shortscience.notifications.models import Notification


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    # Lazy: a page that never shows the header (a JSON answer, an email) runs no query.
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user).visible().unread().count()
        )
    }
