"""Notifications and email: called by the other apps after their writes commit.

The notifications helper fills these in; until then they do nothing.
"""

from __future__ import annotations


def comment_posted(comment) -> None:
    """A comment was posted: tell the summary's author / the parent comment's author and followers."""


def summary_saved(summary, *, created: bool, became_public: bool) -> None:
    """A summary was saved: when it became public, tell the paper's followers and claimed authors."""
