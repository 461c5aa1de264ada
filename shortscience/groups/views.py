"""Reading groups' pages: the directory, a group with its programme, a meeting with its
discussion, the organisers' forms, the calendar and the feed."""

from __future__ import annotations

from datetime import date, time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shortscience.accounts.ratelimit import rate_limited, render_limited
from shortscience.groups import calendar, services
from shortscience.groups.access import group_for, meeting_for, post_for
from shortscience.groups.models import TIME_ZONES, Meeting, Membership, Post, ReadingGroup
from shortscience.papers.models import Paper, load_details
from shortscience.summaries.models import Summary
from shortscience.web import changes, pages
from shortscience.web.paging import CappedPaginator

PAGE_SIZE = 30
SEARCH_MAX = 100
PAST_SHOWN = 50
CALENDAR_PAST = 100
ZONE_CHOICES = sorted(TIME_ZONES)


@require_GET
def directory(request):
    """Public groups, most recently active first, ?q= in their names and descriptions; a
    member also sees the groups they belong to, whatever their visibility."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    found = ReadingGroup.objects.public().order_by("-updated", "-pk")
    for word in q.split()[:5]:
        found = found.filter(Q(name__icontains=word) | Q(description__icontains=word))
    page = CappedPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = (
        list(ReadingGroup.objects.filter(memberships__user=request.user).order_by("name", "pk"))
        if request.user.is_authenticated
        else []
    )
    pages.shows(request, lists=[changes.READING_GROUPS])
    return render(request, "groups/directory.html", {"page": page, "q": q, "mine": mine})


def _group_values(request) -> dict[str, str]:
    return {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "visibility": request.POST.get("visibility", ReadingGroup.Visibility.PUBLIC),
        "time_zone": request.POST.get("time_zone", "UTC"),
    }


def _group_form(request, context: dict, errors: list[str]):
    return render(
        request,
        "groups/form.html",
        {
            **context,
            "errors": errors,
            "visibilities": ReadingGroup.Visibility.choices,
            "time_zones": ZONE_CHOICES,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("groups")
def new(request):
    values, errors = {"visibility": ReadingGroup.Visibility.PUBLIC, "time_zone": "UTC"}, []
    if request.method == "POST":
        values = _group_values(request)
        try:
            group = services.create_group(request.user, **values)
        except ValidationError as e:
            errors = e.messages
        else:
            return redirect(group)
    return _group_form(request, {"values": values}, errors)


@require_GET
def detail(request, slug: str):
    group, member = group_for(request.user, slug)
    now = timezone.now()
    meetings = Meeting.objects.filter(group=group).select_related("paper", "presenter")
    upcoming = list(meetings.upcoming(now))
    past = list(meetings.past(now)[:PAST_SHOWN])
    for m in upcoming + past:
        m.group = group
    load_details([m.paper for m in upcoming + past])
    members = list(group.memberships.select_related("user").order_by("-role", "joined", "pk"))
    pages.shows(
        request,
        groups=[group.pk],
        papers=[m.paper_id for m in upcoming + past],
        members=[m.user_id for m in members],
    )
    response = render(
        request,
        "groups/detail.html",
        {
            "group": group,
            "member": member,
            "upcoming": upcoming,
            "past": past,
            "members": members,
            "calendar_url": request.build_absolute_uri(
                reverse("groups:member_calendar", args=[group.slug, member.calendar_key])
            )
            if member
            else "",
            "invite_url": request.build_absolute_uri(
                reverse("groups:invitation", args=[group.slug, group.invite_key])
            )
            if member and member.is_organiser
            else "",
        },
    )
    if not group.is_public:
        response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("groups")
def edit(request, slug: str):
    group, member = group_for(request.user, slug)
    if member is None or not member.is_organiser:
        raise PermissionDenied("Only the group's organisers can change it.")
    values = {
        "name": group.name,
        "description": group.description,
        "visibility": group.visibility,
        "time_zone": group.time_zone,
    }
    errors: list[str] = []
    if request.method == "POST":
        values = _group_values(request)
        try:
            services.edit_group(group, request.user, **values)
        except ValidationError as e:
            errors = e.messages
        else:
            messages.success(request, "Saved.")
            return redirect(group)
    return _group_form(request, {"values": values, "group": group}, errors)


@login_required
@require_POST
def delete(request, slug: str):
    group, _ = group_for(request.user, slug)
    services.delete_group(group, request.user)
    messages.success(request, f"The group {group.name} is deleted.")
    return redirect("groups:directory")


@login_required
@require_POST
@rate_limited("groups")
def new_invitation(request, slug: str):
    group, _ = group_for(request.user, slug)
    services.new_invitation(group, request.user)
    messages.success(request, "A new invitation link; the old one no longer works.")
    return redirect(group)


@login_required
@require_POST
@rate_limited("groups")
def join(request, slug: str):
    group, _ = group_for(request.user, slug)
    services.join(group, request.user)
    messages.success(request, f"You joined {group.name}.")
    return redirect(group)


@require_http_methods(["GET", "POST"])
def invitation(request, slug: str, key: str):
    """An invitation link: its page names the group (whoever holds the link may know it)
    and offers to join. A wrong key is a 404, as for a group that does not exist."""
    group = ReadingGroup.objects.filter(slug=slug).first()
    if group is None or not services.key_matches(group, key):
        raise Http404("No such group.")
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        services.join(group, request.user, key=key)
        messages.success(request, f"You joined {group.name}.")
        return redirect(group)
    response = render(
        request,
        "groups/invitation.html",
        {"group": group, "member": group.membership_of(request.user)},
    )
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def leave(request, slug: str):
    group, _ = group_for(request.user, slug)
    try:
        services.leave(group, request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(group)
    messages.success(request, f"You left {group.name}.")
    return redirect(group if group.is_public else reverse("groups:directory"))


@login_required
@require_POST
@rate_limited("groups")
def member(request, slug: str, pk: int):
    """An organiser's action on a member: make organiser, make member, remove."""
    group, _ = group_for(request.user, slug)
    target = Membership.objects.filter(group=group, pk=pk).first()
    if target is None:
        raise Http404("No such member.")
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.remove_member(group, request.user, target)
        elif action in Membership.Role.values:
            services.set_role(group, request.user, target, action)
        else:
            raise ValidationError("Unknown action.")
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect(f"{group.get_absolute_url()}#members")


# -- Meetings -------------------------------------------------------------------------------


def _meeting_values(request, group: ReadingGroup) -> tuple[dict, dict]:
    """(what the form sent, as strings; the service's arguments) or ValidationError."""
    raw = {
        name: request.POST.get(name, "").strip()
        for name in (
            "paper",
            "date",
            "time",
            "minutes",
            "time_zone",
            "presenter",
            "location",
            "notes",
        )
    }
    raw["notes"] = request.POST.get("notes", "")
    errors = []
    paper = Paper.objects.for_key(raw["paper"]) if raw["paper"] else None
    if paper is None:
        errors.append(
            "No paper of the library has that identifier: add it to the library first "
            "(Add a paper), then give its arXiv id, DOI or address here."
            if raw["paper"]
            else "Give the paper: its arXiv id, DOI or address on this site."
        )
    try:
        day = date.fromisoformat(raw["date"])
        at = time.fromisoformat(raw["time"])
    except ValueError:
        errors.append("Give the date as YYYY-MM-DD and the time as HH:MM.")
        day = at = None
    minutes = _number(raw["minutes"]) or 0
    presenter = None
    if raw["presenter"]:
        presenter_id = _number(raw["presenter"])
        if presenter_id is None:
            errors.append("Choose the presenter among the members.")
        else:
            presenter = get_user_model().objects.filter(pk=presenter_id).first()
    if day is not None:
        try:
            starts_at = services.meeting_start(day, at, raw["time_zone"])
        except ValidationError as e:
            errors += e.messages
    if errors:
        raise ValidationError(errors)
    return raw, {
        "paper": paper,
        "starts_at": starts_at,
        "minutes": minutes,
        "time_zone": raw["time_zone"],
        "presenter": presenter,
        "location": raw["location"],
        "notes": raw["notes"],
    }


def _number(raw: str, digits: int = 12) -> int | None:
    """A whole number typed in ASCII digits (not "²"), of at most `digits` of them."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else None


def _meeting_form(request, group, context: dict, errors: list[str]):
    members = group.memberships.select_related("user").order_by("joined", "pk")
    return render(
        request,
        "groups/meeting_form.html",
        {
            **context,
            "group": group,
            "members": [m.user for m in members],
            "errors": errors,
            "time_zones": ZONE_CHOICES,
        },
        status=400 if errors else 200,
    )


def _organiser_of(request, slug: str) -> ReadingGroup:
    group, member = group_for(request.user, slug)
    if member is None or not member.is_organiser:
        raise PermissionDenied("Only the group's organisers can change its programme.")
    return group


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("groups")
def meeting_new(request, slug: str):
    group = _organiser_of(request, slug)
    values = {"time_zone": group.time_zone, "minutes": "60", "paper": request.GET.get("paper", "")}
    errors: list[str] = []
    if request.method == "POST":
        try:
            values, arguments = _meeting_values(request, group)
            meeting = services.schedule_meeting(group, request.user, **arguments)
        except ValidationError as e:
            errors = e.messages
            values = {k: request.POST.get(k, "") for k in request.POST}
        else:
            messages.success(request, "The meeting is on the programme; the members are told.")
            return redirect(meeting)
    return _meeting_form(request, group, {"values": values}, errors)


def _thread(meeting: Meeting, user) -> list[Post]:
    """The meeting's posts this visitor may see, in order (a deleted one keeps its place):
    the caller has checked that they may see its group."""
    posts = list(meeting.posts.select_related("user"))
    return [p for p in posts if p.shown_to_readers_of_group(user)]


@require_GET
def meeting(request, slug: str, pk: int):
    found, member = meeting_for(request.user, slug, pk)
    load_details([found.paper])
    # Written for it: the group's members' summaries of its paper. Never an anonymous one:
    # listed here, it would say that its author belongs to the group.
    member_ids = list(found.group.memberships.values_list("user_id", flat=True))
    summaries = list(
        Summary.objects.visible_to(request.user)
        .filter(paper=found.paper, user_id__in=member_ids, is_anonymous=False)
        .select_related("user")
        .order_by("-wilson", "-pk")
    )
    posts = _thread(found, request.user)
    pages.shows(
        request,
        groups=[found.group_id],
        papers=[found.paper_id],
        members=[found.presenter_id, *(s.user_id for s in summaries), *(p.user_id for p in posts)],
    )
    is_presenter = request.user.is_authenticated and found.presenter_id == request.user.pk
    response = render(
        request,
        "groups/meeting.html",
        {
            "group": found.group,
            "meeting": found,
            "member": member,
            "summaries": summaries,
            "posts": posts,
            "is_presenter": is_presenter,
            "past": found.is_past(),
        },
    )
    if not found.group.is_public:
        response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("groups")
def meeting_edit(request, slug: str, pk: int):
    group = _organiser_of(request, slug)
    found, _ = meeting_for(request.user, slug, pk)
    start = found.local_start
    values = {
        "paper": str(found.paper_id),
        "date": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "minutes": str(int(found.duration.total_seconds() // 60)),
        "time_zone": found.time_zone,
        "presenter": str(found.presenter_id or ""),
        "location": found.location,
        "notes": found.notes,
    }
    errors: list[str] = []
    if request.method == "POST":
        try:
            values, arguments = _meeting_values(request, group)
            services.edit_meeting(found, request.user, **arguments)
        except ValidationError as e:
            errors = e.messages
            values = {k: request.POST.get(k, "") for k in request.POST}
        else:
            messages.success(request, "Saved.")
            return redirect(found)
    return _meeting_form(request, group, {"values": values, "meeting": found}, errors)


@login_required
@require_POST
def meeting_cancel(request, slug: str, pk: int):
    found, _ = meeting_for(request.user, slug, pk)
    services.cancel_meeting(found, request.user)
    messages.success(request, "The meeting is off the programme.")
    return redirect(found.group)


@login_required
@require_POST
@rate_limited("comment")
@render_limited
def post(request, slug: str, pk: int):
    found, _ = meeting_for(request.user, slug, pk)
    try:
        made = services.post(found, request.user, request.POST.get("body", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(f"{found.get_absolute_url()}#discussion")
    return redirect(made.get_absolute_url())


@login_required
@require_POST
def post_delete(request, pk: int):
    found = post_for(request.user, pk)
    services.delete_post(found, request.user)
    return redirect(found.get_absolute_url())


# -- Calendar and feed ----------------------------------------------------------------------


@require_GET
def calendar_feed(request, slug: str, key: str = ""):
    """The programme as iCalendar: every upcoming meeting and the last CALENDAR_PAST ones.
    With a member's calendar key (their link, for a calendar program, which cannot sign
    in), a members-only group's too; a wrong key is a 404."""
    if key:
        member = Membership.objects.select_related("group").filter(calendar_key=key).first()
        if member is None or member.group.slug != slug:
            raise Http404("No such calendar.")
        group = member.group
    else:
        group, _ = group_for(request.user, slug)
    meetings = Meeting.objects.filter(group=group).select_related("paper", "presenter")
    chosen = list(meetings.upcoming()) + list(meetings.past()[:CALENDAR_PAST])
    for m in chosen:
        m.group = group
    pages.shows(
        request,
        groups=[group.pk],
        papers=[m.paper_id for m in chosen],
        members=[m.presenter_id for m in chosen],
    )
    response = HttpResponse(
        calendar.document(group, chosen), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{group.slug}.ics"'
    # Revalidated each time: a group made members-only must not live on in a proxy.
    response["Cache-Control"] = "no-cache"
    return response
