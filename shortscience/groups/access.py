"""The getters of a group, a meeting and a post for a request: whatever this visitor may not
see is a 404, whether it exists or not (a members-only group is never confirmed to others)."""

from __future__ import annotations

from django.http import Http404

from shortscience.groups.models import Meeting, Membership, Post, ReadingGroup


def group_for(user, slug: str) -> tuple[ReadingGroup, Membership | None]:
    """The group and the visitor's membership of it (None: not a member)."""
    group = ReadingGroup.objects.filter(slug=slug).first()
    if group is None:
        raise Http404("No such group.")
    member = group.membership_of(user)
    if not group.can_view(user, member):
        raise Http404("No such group.")
    return group, member


def meeting_for(user, slug: str, pk: int) -> tuple[Meeting, Membership | None]:
    group, member = group_for(user, slug)
    meeting = (
        Meeting.objects.select_related("paper", "presenter").filter(group=group, pk=pk).first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    meeting.group = group
    return meeting, member


def post_for(user, pk: int) -> Post:
    found = Post.objects.select_related("meeting__group", "user").filter(pk=pk).first()
    if found is None or not found.can_view(user):
        raise Http404("No such post.")
    return found
