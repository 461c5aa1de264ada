"""The one getter of a reading list for a request: a list this visitor may not see is a 404,
whether it exists or not."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from shortscience.lists.models import ReadingList


def list_for(user, key: str) -> ReadingList:
    found = ReadingList.objects.select_related("owner").filter(key=key).first()
    if found is None or not found.can_view(user):
        raise Http404("No such list.")
    return found


def own_list_for(user, key: str) -> ReadingList:
    """A list `user` may change: their own (403 for another member's list they can see)."""
    found = list_for(user, key)
    if not found.can_edit(user):
        raise PermissionDenied("Only its owner can change a list.")
    return found
