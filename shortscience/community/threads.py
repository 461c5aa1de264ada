"""Reading a discussion: a summary's whole comment thread in one query, as a tree.

The tree is built in Python rather than with recursive SQL: a thread is small (one summary's
comments), and one flat query keeps the page's query count the same for 1 or 500 comments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from shortscience.accounts.permissions import is_moderator
from shortscience.community.models import Comment, Vote
from shortscience.summaries.models import Summary


@dataclass
class Discussion:
    summary: Summary
    comments: list[Comment] = field(default_factory=list)  # top level, each with .children
    can_comment: bool = False
    max_chars: int = 0

    def all_comments(self):
        """Every comment shown, replies included, depth first."""
        stack = list(reversed(self.comments))
        while stack:
            comment = stack.pop()
            yield comment
            stack.extend(reversed(comment.children))


def my_votes(user, where: Q) -> dict[tuple[str, int], int]:
    """The viewer's votes matching `where`, as {("summary" or "comment", id): value}: one query."""
    if not user.is_authenticated:
        return {}
    rows = Vote.objects.filter(where, user=user).values_list("summary_id", "comment_id", "value")
    return {("summary", s) if s else ("comment", c): value for s, c, value in rows}


def discussion(summary: Summary, user) -> Discussion:
    """The thread of `summary` as `user` may see it, with their votes.

    Sets on each shown Comment: `children` (ordered by Wilson score, then age), `my_vote`,
    `votable`, `text_shown` (False: a placeholder, kept because replies hang under it),
    `placeholder`, `can_edit_now` and `can_delete`; and `my_vote` on the summary itself.
    """
    moderator = is_moderator(user)
    votes = my_votes(user, Q(summary=summary) | Q(comment__summary=summary))
    summary.my_vote = votes.get(("summary", summary.pk), 0)
    by_parent: dict[int | None, list[Comment]] = defaultdict(list)
    for comment in Comment.objects.filter(summary=summary).select_related("user"):
        comment.summary = summary  # the byline asks it; no query per comment
        by_parent[comment.parent_id].append(comment)

    def branch(parent_id: int | None) -> list[Comment]:
        shown = []
        for c in sorted(by_parent[parent_id], key=lambda c: (-c.wilson, c.created, c.pk)):
            c.children = branch(c.pk)
            c.text_shown = c.text_shown_to(user)
            # Gone with nothing under it: dropped. Gone with replies: a placeholder, so
            # that the replies keep the place of the comment they answer.
            if not c.text_shown and not c.children:
                continue
            c.placeholder = "[deleted]" if c.is_deleted else "[removed by a moderator]"
            c.my_vote = votes.get(("comment", c.pk), 0)
            c.votable = not c.is_hidden
            c.can_edit_now = c.text_shown and c.can_edit(user)
            c.can_delete = c.text_shown and (c.user_id == user.pk or moderator)
            shown.append(c)
        return shown

    return Discussion(
        summary=summary,
        comments=branch(None),
        can_comment=user.is_authenticated and not user.is_banned,
        max_chars=settings.COMMENT_MAX_CHARS,
    )
