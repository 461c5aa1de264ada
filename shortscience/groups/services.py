"""Every write to a reading group: one function each, in one transaction, checking who may
do it and saying what changed (the group's pages, its members' profiles, the directory).

Organisers change the group, its members and its programme; members post in meetings'
discussions; anyone signed in joins a public group, and a members-only one through its
invitation link. A new meeting is told to the members by the background worker (the task
"meeting_scheduled", notifications/fanout.py), in the same transaction or not at all.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.text import slugify

from shortscience.accounts.permissions import check_member
from shortscience.community.services import render_comment_body, validate_comment_body
from shortscience.groups.models import (
    NAME_MAX,
    TEXT_MAX,
    TIME_ZONES,
    Meeting,
    Membership,
    Post,
    ReadingGroup,
    new_key,
    zone,
)
from shortscience.lib.text import clean, clean_line
from shortscience.web import changes, tasks

# Bounds on what one member can make the site store and render.
MAX_GROUPS_PER_MEMBER = 20
MAX_MEETINGS_PER_GROUP = 2000
MAX_DURATION = timedelta(hours=12)
# A meeting further out than this is a typo (a year of 20206); and one before EARLIEST_YEAR.
FURTHEST = timedelta(days=3 * 365)
EARLIEST_YEAR = 1970
LOCATION_MAX = 300
# Slugs that name the directory's own pages.
RESERVED_SLUGS = {"new", "join", "posts"}

Role = Membership.Role


# -- Checks ----------------------------------------------------------------------------------


def _organiser(group: ReadingGroup, user) -> Membership:
    check_member(user)
    found = group.membership_of(user)
    if found is None or not found.is_organiser:
        raise PermissionDenied("Only the group's organisers can do that.")
    return found


def _name(text: str) -> str:
    name = clean_line(text).strip()
    if not name:
        raise ValidationError("A group needs a name.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"A name has at most {NAME_MAX} characters.")
    return name


def _text(text: str, what: str = "A description") -> str:
    out = clean(text.replace("\r\n", "\n")).strip()
    if len(out) > TEXT_MAX:
        raise ValidationError(f"{what} has at most {TEXT_MAX:,} characters.")
    return out


def _visibility(value: str) -> str:
    if value not in ReadingGroup.Visibility.values:
        raise ValidationError("Choose public or members only.")
    return value


def _time_zone(name: str) -> str:
    name = (name or "").strip()
    if name not in TIME_ZONES:
        shown = f"\u201c{name[:60]}\u201d" if name else "An empty name"
        raise ValidationError(f"{shown} is not a time zone: write one as Europe/Paris.")
    return name


def meeting_start(day: date, at: time, time_zone: str) -> datetime:
    """The moment a meeting starts, from its day and time on the clocks of `time_zone`. A
    time the clocks skip (the hour of the spring change) does not exist there: refused, not
    moved. A time they repeat (the autumn change) is its first occurrence."""
    if day.year < EARLIEST_YEAR:
        raise ValidationError(f"A meeting is dated from {EARLIEST_YEAR} on.")
    starts_at = datetime.combine(day, at, tzinfo=zone(_time_zone(time_zone)))
    there = starts_at.astimezone(UTC).astimezone(starts_at.tzinfo)
    if there.replace(tzinfo=None) != starts_at.replace(tzinfo=None):
        raise ValidationError(
            f"{at:%H:%M} does not exist on {day:%Y-%m-%d} in {time_zone}: the clocks go "
            "forward then. Choose another time."
        )
    return starts_at


def _changed(group: ReadingGroup, *, members=()) -> None:
    """The group changed: its pages, and the directory (a public group is listed there;
    a group that just stopped being public must leave it too)."""
    ReadingGroup.objects.filter(pk=group.pk).update(updated=timezone.now())
    changes.changed(groups=[group.pk], members=members, lists=[changes.READING_GROUPS])


# -- Groups ---------------------------------------------------------------------------------


def _free_slug(name: str, visibility: str) -> str:
    """The group's address. A members-only group's ends in random letters, and so does any
    group's whose name is taken: a "-2" would tell whoever names a group that another of
    that name exists, members-only or not."""
    base = slugify(name)[:50].strip("-") or "group"
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    slug = base
    if visibility != ReadingGroup.Visibility.PUBLIC or (
        ReadingGroup.objects.filter(slug=slug).exists()
    ):
        slug = f"{base}-{secrets.token_hex(4)}"
    return slug


def create_group(
    user, *, name: str, description: str = "", visibility: str = "public", time_zone: str = "UTC"
) -> ReadingGroup:
    """A new group with `user` as its organiser."""
    check_member(user)
    values = {
        "name": _name(name),
        "description": _text(description),
        "visibility": _visibility(visibility),
        "time_zone": _time_zone(time_zone),
    }
    organised = Membership.objects.filter(user=user, role=Role.ORGANISER).count()
    if organised >= MAX_GROUPS_PER_MEMBER:
        raise ValidationError(f"A member can organise at most {MAX_GROUPS_PER_MEMBER} groups.")
    for _ in range(3):
        try:
            with transaction.atomic():
                group = ReadingGroup.objects.create(
                    slug=_free_slug(values["name"], values["visibility"]),
                    member_count=1,
                    **values,
                )
                Membership.objects.create(group=group, user=user, role=Role.ORGANISER)
                _changed(group, members=[user.pk])
            return group
        except IntegrityError:
            continue  # another group took the slug between the check and the insert
    raise ValidationError("Could not find a free address for this name; try another.")


def edit_group(
    group: ReadingGroup, user, *, name: str, description: str, visibility: str, time_zone: str
) -> ReadingGroup:
    _organiser(group, user)
    with transaction.atomic():
        group.name = _name(name)
        group.description = _text(description)
        group.visibility = _visibility(visibility)
        group.time_zone = _time_zone(time_zone)
        group.save(update_fields=["name", "description", "visibility", "time_zone"])
        member_ids = list(group.memberships.values_list("user_id", flat=True))
        # Members' profiles list their public groups: a change of visibility shows there.
        _changed(group, members=member_ids)
    return group


def new_invitation(group: ReadingGroup, user) -> str:
    """A new invitation link's key; the old link stops working."""
    _organiser(group, user)
    with transaction.atomic():
        group.invite_key = new_key()
        group.save(update_fields=["invite_key"])
    return group.invite_key


def delete_group(group: ReadingGroup, user) -> None:
    _organiser(group, user)
    with transaction.atomic():
        member_ids = list(group.memberships.values_list("user_id", flat=True))
        pk = group.pk
        group.delete()
        changes.changed(groups=[pk], members=member_ids, lists=[changes.READING_GROUPS])


# -- Members --------------------------------------------------------------------------------


def join(group: ReadingGroup, user, *, key: str = "") -> Membership:
    """`user` joins: any member of the site joins a public group; a members-only group
    takes the invitation link's key. Joining twice changes nothing."""
    check_member(user)
    if not group.is_public and not key_matches(group, key):
        raise PermissionDenied("This group takes new members by invitation only.")
    with transaction.atomic():
        ReadingGroup.objects.select_for_update().filter(pk=group.pk).first()
        found, created = Membership.objects.get_or_create(group=group, user=user)
        if created:
            _recount(group)
            _changed(group, members=[user.pk])
    return found


def _recount(group: ReadingGroup) -> None:
    ReadingGroup.objects.filter(pk=group.pk).update(member_count=group.memberships.count())


def _last_organiser(group: ReadingGroup, member: Membership) -> bool:
    return (
        member.is_organiser
        and not group.memberships.filter(role=Role.ORGANISER).exclude(pk=member.pk).exists()
    )


def leave(group: ReadingGroup, user) -> None:
    """`user` leaves the group. The last organiser stays: the group would be nobody's to run
    (they name another organiser first, or delete the group)."""
    with transaction.atomic():
        ReadingGroup.objects.select_for_update().filter(pk=group.pk).first()
        found = group.membership_of(user)
        if found is None:
            return
        if _last_organiser(group, found):
            raise ValidationError(
                "You are this group's last organiser: make another member an organiser first, "
                "or delete the group."
            )
        _remove(group, found)


def _remove(group: ReadingGroup, member: Membership) -> None:
    user_id = member.user_id
    member.delete()
    # A presenter who left presents nothing: the organisers see it and name another.
    group.meetings.filter(presenter_id=user_id).update(
        presenter=None, sequence=F("sequence") + 1, updated=timezone.now()
    )
    _recount(group)
    _changed(group, members=[user_id])


def _locked_organiser(group: ReadingGroup, user) -> None:
    """Lock the group and check again, under the lock, that `user` organises it: two
    organisers removing or demoting each other at once must not both succeed."""
    ReadingGroup.objects.select_for_update().filter(pk=group.pk).first()
    _organiser(group, user)


def remove_member(group: ReadingGroup, user, member: Membership) -> None:
    """An organiser removes another member (themselves: leave())."""
    _organiser(group, user)
    if member.group_id != group.pk:
        raise ValidationError("That member is not in this group.")
    if member.user_id == user.pk:
        return leave(group, user)
    with transaction.atomic():
        _locked_organiser(group, user)
        member = Membership.objects.filter(pk=member.pk, group=group).first()
        if member is not None:
            _remove(group, member)


def set_role(group: ReadingGroup, user, member: Membership, role: str) -> Membership:
    _organiser(group, user)
    if role not in Role.values:
        raise ValidationError("A member is an organiser or a member.")
    if member.group_id != group.pk:
        raise ValidationError("That member is not in this group.")
    with transaction.atomic():
        _locked_organiser(group, user)
        member = Membership.objects.filter(pk=member.pk, group=group).first()
        if member is None:
            raise ValidationError("That member has left the group.")
        if role == Role.MEMBER and _last_organiser(group, member):
            raise ValidationError("A group keeps at least one organiser.")
        member.role = role
        member.save(update_fields=["role"])
        _changed(group)
    return member


# -- Meetings -------------------------------------------------------------------------------


def _meeting_values(
    group: ReadingGroup,
    *,
    paper,
    starts_at: datetime,
    minutes: int,
    time_zone: str,
    presenter,
    location: str,
    notes: str,
) -> dict:
    if paper is None:
        raise ValidationError("A meeting needs a paper.")
    if timezone.is_naive(starts_at):
        raise ValidationError("A meeting's time needs its time zone.")
    now = timezone.now()
    if starts_at.year < EARLIEST_YEAR:
        raise ValidationError(f"A meeting is dated from {EARLIEST_YEAR} on.")
    if starts_at > now + FURTHEST:
        raise ValidationError("That date is more than three years away.")
    if not 5 <= minutes <= MAX_DURATION.total_seconds() / 60:
        raise ValidationError("A meeting lasts from 5 minutes to 12 hours.")
    if presenter is not None and group.membership_of(presenter) is None:
        raise ValidationError("The presenter must be a member of the group.")
    location = clean_line(location).strip()
    if len(location) > LOCATION_MAX:
        raise ValidationError(f"A place has at most {LOCATION_MAX} characters.")
    return {
        # A paper merged into another is met as the one it became.
        "paper_id": paper.merged_into_id or paper.pk,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "time_zone": _time_zone(time_zone),
        "presenter": presenter,
        "location": location,
        "notes": _text(notes, "A meeting's notes"),
    }


def schedule_meeting(group: ReadingGroup, user, **values) -> Meeting:
    """A new meeting (paper, starts_at (aware), minutes, time_zone, presenter, location,
    notes); the members hear of it, the presenter with an invitation to write the summary."""
    _organiser(group, user)
    fields = _meeting_values(group, **values)
    with transaction.atomic():
        ReadingGroup.objects.select_for_update().filter(pk=group.pk).first()
        if group.meetings.count() >= MAX_MEETINGS_PER_GROUP:
            raise ValidationError(f"A group holds at most {MAX_MEETINGS_PER_GROUP:,} meetings.")
        named = timezone.now() if fields.get("presenter") else None
        meeting = Meeting.objects.create(group=group, presenter_since=named, **fields)
        tasks.enqueue("meeting_scheduled", meeting_id=meeting.pk, by=user.pk)
        _changed(group)
    return meeting


def edit_meeting(meeting: Meeting, user, **values) -> Meeting:
    group = meeting.group
    _organiser(group, user)
    fields = _meeting_values(group, **values)
    with transaction.atomic():
        renamed = "presenter" in fields and fields["presenter"] != meeting.presenter
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.sequence += 1
        meeting.updated = timezone.now()
        if renamed:
            meeting.presenter_since = meeting.updated if meeting.presenter else None
        meeting.save()
        if renamed and meeting.presenter:
            # The new presenter is invited; the members, told of the meeting once, are not
            # told again.
            tasks.enqueue(
                "meeting_scheduled", meeting_id=meeting.pk, by=user.pk, presenter_only=True
            )
        _changed(group)
    return meeting


def cancel_meeting(meeting: Meeting, user) -> None:
    group = meeting.group
    _organiser(group, user)
    with transaction.atomic():
        meeting.delete()
        _changed(group)


# -- Discussions ----------------------------------------------------------------------------


def post(meeting: Meeting, user, body: str) -> Post:
    """A message in the meeting's discussion, by a member of its group."""
    check_member(user)
    body = validate_comment_body(body)
    if meeting.group.membership_of(user) is None:
        raise PermissionDenied("Join the group to take part in its discussions.")
    # Rendered before the transaction: the write lock is held for milliseconds, not for KaTeX.
    rendered = render_comment_body(body, prefix=f"p{uuid.uuid4().hex[:12]}")
    with transaction.atomic():
        found = Post.objects.create(meeting=meeting, user=user, body=body, body_html=rendered.html)
        changes.changed(groups=[meeting.group_id])
    return found


def delete_post(found: Post, user) -> Post:
    """Its author deletes it; its place in the thread stays, its text goes."""
    if not user.is_authenticated or found.user_id != user.pk:
        raise PermissionDenied("Only its author can delete a post.")
    with transaction.atomic():
        found.is_deleted = True
        found.body, found.body_html = "", ""
        found.save(update_fields=["is_deleted", "body", "body_html"])
        changes.changed(groups=[found.meeting.group_id])
    return found


def key_matches(group: ReadingGroup, key: str) -> bool:
    """Whether `key` is the group's invitation key (compared in constant time)."""
    return constant_time_compare(key or "", group.invite_key)


def forget_member(user, *, keep_posts: bool) -> None:
    """A closed account leaves every group (members.services.delete_account, in its
    transaction). A group it was the last organiser of passes to its longest-standing
    member; a group left with no member goes. keep_posts=False blanks its posts, which keep
    their place in their threads as "[deleted]"."""
    for member in Membership.objects.filter(user=user).select_related("group"):
        group = member.group
        ReadingGroup.objects.select_for_update().filter(pk=group.pk).first()
        if _last_organiser(group, member):
            heir = group.memberships.exclude(pk=member.pk).order_by("joined", "pk").first()
            if heir is None:
                pk = group.pk
                group.delete()
                changes.changed(groups=[pk], lists=[changes.READING_GROUPS])
                continue
            Membership.objects.filter(pk=heir.pk).update(role=Role.ORGANISER)
        _remove(group, member)
    if not keep_posts:
        posts = Post.objects.filter(user=user, is_deleted=False)
        changes.changed(groups=set(posts.values_list("meeting__group_id", flat=True)))
        posts.update(is_deleted=True, body="", body_html="")
