"""The one way each view gets a summary: who may read it is Summary.can_view() and
SummaryQuerySet.visible_to(), and a summary the visitor may not read is a 404, never a 403,
so that a private summary's existence stays its author's."""

from __future__ import annotations

import secrets

from django.http import Http404
from django.shortcuts import get_object_or_404

from shortscience.summaries.models import Summary


def summary_for(user, pk: int) -> Summary:
    """A summary `user` may read (with its paper and author), or a 404."""
    return get_object_or_404(
        Summary.objects.visible_to(user).select_related("paper", "user"), pk=pk
    )


def own_summary_for(user, pk: int) -> Summary:
    """`user`'s own summary (with its paper), or a 404 for anyone else's."""
    summary = get_object_or_404(Summary.objects.select_related("paper"), pk=pk)
    if not summary.can_edit(user):
        raise Http404("No such summary.")
    return summary


def shared_summary(pk: int, token: str) -> Summary | None:
    """A private summary opened with its share link; None when the token does not fit.

    A hidden summary is never shared: a moderator's decision outranks its author's link.
    """
    summary = (
        Summary.objects.select_related("paper", "user")
        .filter(pk=pk, visibility=Summary.Visibility.PRIVATE, is_hidden=False)
        .exclude(share_token="")
        .first()
    )
    # Constant-time comparison: a timing side channel must not spell the token out.
    # Bytes, because compare_digest refuses str with non-ASCII characters.
    if summary is None or not secrets.compare_digest(summary.share_token.encode(), token.encode()):
        return None
    return summary
