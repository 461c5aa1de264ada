"""The one way each view gets a comment: who may see it is Comment.can_view(). A comment the
visitor may not see is a 404, so that a hidden comment, or one under a private summary,
stays unknown."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from shortscience.community.models import Comment


def comment_for(user, pk: int) -> Comment:
    """A comment `user` may see, with its author and its summary's paper and author. A
    deleted comment is found: its place in the thread stays."""
    return get_object_or_404(
        Comment.objects.visible_to(user).select_related("user", "summary__paper", "summary__user"),
        pk=pk,
    )
