from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shortscience.accounts.permissions import is_moderator
from shortscience.accounts.ratelimit import rate_limited
from shortscience.community.access import comment_for
from shortscience.community.models import Comment
from shortscience.groups.access import post_for
from shortscience.groups.models import Post
from shortscience.moderation import services
from shortscience.moderation.models import ModerationAction, Report
from shortscience.papers.models import Paper
from shortscience.summaries.access import summary_for
from shortscience.summaries.models import Summary
from shortscience.web import changes, pages
from shortscience.web.http import next_url, wants_json

LOG_PAGE_SIZE = 50


def _error(request, message: str, back: str, status: int = 400):
    if wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    messages.error(request, message)
    return redirect(back)


def _get_target_for_user(request, kind: str, pk: int):
    """What this visitor may report: only what they can see (the same getters as the pages),
    so nothing private is confirmed (a members-only group's post is a 404 to others); a
    deleted comment or post cannot be reported any more."""
    if kind == "summary":
        return summary_for(request.user, pk)
    if kind == "comment":
        comment = comment_for(request.user, pk)
        if comment.is_deleted:
            raise Http404("No such comment.")
        return comment
    if kind == "post":
        post = post_for(request.user, pk)
        if post.is_deleted:
            raise Http404("No such post.")
        return post
    if kind == "user":
        return get_object_or_404(get_user_model(), pk=pk, is_active=True)
    raise Http404("Nothing to report there.")


def _target_url(target) -> str:
    if isinstance(target, Summary):
        return target.get_absolute_url()
    if isinstance(target, Comment):
        return f"{target.summary.get_absolute_url()}#comment-{target.pk}"
    if isinstance(target, Post):
        return target.get_absolute_url()
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("report")
def report(request, kind: str, pk: int):
    """Report a summary, a comment, a group's post or a member to the moderators."""
    target = _get_target_for_user(request, kind, pk)
    back = next_url(request, _target_url(target))
    own = services.owner_id(target) == request.user.pk
    error = ""
    if request.method == "POST":
        try:
            report = services.report(
                reporter=request.user,
                target=target,
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as e:
            error = " ".join(e.messages)
            if wants_json(request):
                return JsonResponse({"ok": False, "error": error}, status=400)
        else:
            thanks = "Thank you: a moderator will look at your report."
            if wants_json(request):
                return JsonResponse({"ok": True, "report": report.pk, "message": thanks})
            messages.success(request, thanks)
            return redirect(back)
    return render(
        request,
        "moderation/report.html",
        {
            "kind": kind,
            "target": target,
            "label": services.target_label(target),
            "target_url": _target_url(target),
            "reasons": Report.Reason.choices,
            "own": own,
            "error": error,
            "next": back,
            "chosen": request.POST.get("reason", ""),
            "note": request.POST.get("note", ""),
            "note_max": Report.NOTE_MAX_CHARS,
        },
        status=400 if error else 200,
    )


def _require_moderator(request) -> None:
    # Not a 403: the queue's existence is no secret, but there is nothing here for others.
    if not is_moderator(request.user):
        raise Http404("No such page.")


@login_required
def queue(request):
    """Open reports, grouped by what they are about, oldest first, with the actions."""
    _require_moderator(request)
    groups: dict[tuple[str, int], dict] = {}
    for r in Report.objects.for_queue():
        key = (r.target_kind, r.target_id)
        if key not in groups:
            target = r.target
            groups[key] = {
                "kind": r.target_kind,
                "target": target,
                "label": services.target_label(target),
                "url": _target_url(target) if r.target_kind != "user" else "",
                "reports": [],
            }
        groups[key]["reports"].append(r)
    return render(request, "moderation/queue.html", {"groups": list(groups.values())})


ACTIONS = {
    "summary": {"hide": services.hide, "restore": services.restore, "delete": services.delete},
    "comment": {"hide": services.hide, "restore": services.restore, "delete": services.delete},
    "post": {"hide": services.hide, "restore": services.restore, "delete": services.delete},
    "user": {
        "ban": lambda *, moderator, target, reason: services.ban(
            moderator=moderator, user=target, reason=reason
        ),
        "unban": lambda *, moderator, target, reason: services.unban(
            moderator=moderator, user=target, reason=reason
        ),
    },
}


def _get_target_for_moderator(kind: str, pk: int):
    models = {"summary": Summary, "comment": Comment, "post": Post, "user": get_user_model()}
    if kind not in models:
        raise Http404("Nothing to moderate there.")
    qs = models[kind].objects.all()
    if kind == "summary":
        qs = qs.select_related("paper", "user")
    elif kind == "comment":
        qs = qs.select_related("user", "summary__paper", "summary__user")
    elif kind == "post":
        qs = qs.select_related("user", "meeting__group")
    return get_object_or_404(qs, pk=pk)


@login_required
@require_POST
def act(request, kind: str, pk: int):
    """A moderator hides, restores or deletes content, bans or unbans a member, or dismisses
    the reports; the reason is required and goes on the public log."""
    _require_moderator(request)
    target = _get_target_for_moderator(kind, pk)
    back = next_url(request, "/moderation/queue")
    name = request.POST.get("action", "")
    handler = services.dismiss if name == "dismiss" else ACTIONS[kind].get(name)
    if handler is None:
        return _error(request, f"Cannot {name or 'do nothing'} to a {kind}.", back)
    try:
        action = handler(
            moderator=request.user, target=target, reason=request.POST.get("reason", "")
        )
    except ValidationError as e:
        return _error(request, " ".join(e.messages), back)
    except PermissionDenied as e:
        return _error(request, str(e), back, status=403)
    done = f"{action.get_action_display()} {action.target_label}."
    if wants_json(request):
        return JsonResponse({"ok": True, "action": action.action, "message": done})
    messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def merge(request):
    """Merge two records of one paper: `merged` into `kept`."""
    _require_moderator(request)
    back = next_url(request, "/moderation/queue")
    try:
        kept = Paper.objects.get(pk=int(request.POST.get("kept", "")))
        merged = Paper.objects.get(pk=int(request.POST.get("merged", "")))
    except (ValueError, Paper.DoesNotExist):
        return _error(request, "Give the numbers of two papers that exist.", back)
    try:
        action = services.merge(
            moderator=request.user, kept=kept, merged=merged, reason=request.POST.get("reason", "")
        )
    except ValidationError as e:
        return _error(request, " ".join(e.messages), back)
    if wants_json(request):
        return JsonResponse({"ok": True, "action": "merge", "message": action.target_label})
    messages.success(request, f"Merged {action.target_label}.")
    return redirect(back)


def log(request):
    """The public moderation log: who did what to which, and why."""
    actions = ModerationAction.objects.select_related("moderator")
    page = Paginator(actions, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    pages.shows(request, members=[a.moderator_id for a in page], lists=[changes.MODERATION])
    return render(request, "moderation/log.html", {"page": page})
