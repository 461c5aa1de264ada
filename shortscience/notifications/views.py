from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shortscience.accounts.ratelimit import rate_limited
from shortscience.community.access import comment_for
from shortscience.notifications import services
from shortscience.notifications.forms import NotificationSettingsForm
from shortscience.notifications.models import Notification, NotificationSettings
from shortscience.papers.models import Paper
from shortscience.summaries.access import summary_for
from shortscience.web.http import next_url, wants_json

INBOX_SIZE = 100


def _login_required_for_post(view):
    """login_required, but a script asking for JSON gets a 401 it can read, not a redirect."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if wants_json(request):
                return JsonResponse({"error": "Log in first."}, status=401)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@require_GET
def inbox(request):
    """The member's notifications, newest first; showing them marks them read."""
    notes = list(
        Notification.objects.filter(recipient=request.user).visible().for_list()[:INBOX_SIZE]
    )
    unread = {n.pk for n in notes if n.read_at is None}
    services.mark_read(notes)
    return render(request, "notifications/inbox.html", {"notifications": notes, "unread": unread})


@_login_required_for_post
@require_POST
def mark_all_read(request):
    services.mark_all_read(request.user)
    if wants_json(request):
        return JsonResponse({"unread": 0})
    return redirect("notifications:inbox")


def _get_target_for_user(request, kind: str, pk: int):
    """The paper, summary or comment `kind`/`pk` if this member may read it; 404 otherwise."""
    if kind == "paper":
        return get_object_or_404(Paper, pk=pk)
    if kind == "summary":
        return summary_for(request.user, pk)
    if kind == "comment":
        return comment_for(request.user, pk)
    raise Http404("Nothing to follow there.")


def _follow_answer(request, kind: str, target, following: bool):
    if wants_json(request):
        return JsonResponse({"kind": kind, "id": target.pk, "following": following})
    default = target.summary.get_absolute_url() if kind == "comment" else target.get_absolute_url()
    return HttpResponseRedirect(next_url(request, default), status=303)


@_login_required_for_post
@require_POST
@rate_limited("follow")
def follow(request, kind: str, pk: int):
    target = _get_target_for_user(request, kind, pk)
    services.follow(request.user, target)
    return _follow_answer(request, kind, target, True)


@_login_required_for_post
@require_POST
@rate_limited("follow")
def unfollow(request, kind: str, pk: int):
    target = _get_target_for_user(request, kind, pk)
    services.unfollow(request.user, target)
    return _follow_answer(request, kind, target, False)


def _request_answer(request, paper, requested: bool):
    if wants_json(request):
        return JsonResponse({"paper": paper.pk, "requested": requested})
    return HttpResponseRedirect(next_url(request, paper.get_absolute_url()), status=303)


@_login_required_for_post
@require_POST
@rate_limited("request")
def request_summary(request, pk: int):
    """ "I would read a summary of this": counted on the paper's page and /wanted, and told
    when a public summary appears."""
    paper = get_object_or_404(Paper, pk=pk, merged_into__isnull=True)
    try:
        services.request_summary(request.user, paper)
    except services.CannotRequest as e:
        if wants_json(request):
            return JsonResponse({"error": str(e)}, status=409)
        messages.error(request, str(e))
        return _request_answer(request, paper, False)
    return _request_answer(request, paper, True)


@_login_required_for_post
@require_POST
@rate_limited("request")
def withdraw_request(request, pk: int):
    paper = get_object_or_404(Paper, pk=pk)
    services.withdraw_request(request.user, paper)
    return _request_answer(request, paper, False)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    instance = NotificationSettings.objects.filter(user=request.user).first()
    instance = instance or NotificationSettings(user=request.user)
    form = NotificationSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            services.save_preferences(request.user, **form.cleaned_data)
            if wants_json(request):
                return JsonResponse({"saved": True, **form.cleaned_data})
            messages.success(request, "Your notification settings are saved.")
            return HttpResponseRedirect(request.path, status=303)
        if wants_json(request):
            return JsonResponse({"saved": False, "errors": form.errors}, status=400)
    return render(
        request,
        "notifications/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


# Exempt from CSRF on purpose: RFC 8058 one-click unsubscribe is a POST from the mail
# provider, which has no CSRF token and no session. The signed token is the credential,
# and all it can do is turn email off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    user = services.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.unsubscribe(user)
        if wants_json(request):
            return JsonResponse({"unsubscribed": True})
        return redirect("notifications:unsubscribed")
    return render(request, "notifications/unsubscribe.html", {"token": token})


@require_GET
def unsubscribed(request):
    return render(request, "notifications/unsubscribe.html", {"done": True})
