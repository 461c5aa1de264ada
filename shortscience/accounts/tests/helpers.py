from __future__ import annotations

from django.utils import timezone

from shortscience.community.models import Comment, Vote


def make_comment(summary, user, body: str = "A comment.", **kwargs) -> Comment:
    return Comment.objects.create(
        summary=summary, user=user, body=body, body_html=f"<p>{body}</p>", **kwargs
    )


def make_vote(user, value: int = 1, **target) -> Vote:
    return Vote.objects.create(user=user, value=value, created=timezone.now(), **target)
