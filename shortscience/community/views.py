"""Votes and comments. Every write is a plain POST answered with a redirect (or, when the
request asks for JSON, with the new state), so the site works without JavaScript."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shortscience.accounts.permissions import is_moderator
from shortscience.accounts.ratelimit import rate_limited, render_limited
from shortscience.community import services
from shortscience.community.access import comment_for
from shortscience.community.models import Comment
from shortscience.summaries.access import summary_for
from shortscience.web import csp
from shortscience.web.http import next_url, wants_json


def _refused(request, error: ValidationError | PermissionDenied):
    """A write the services refused: JSON for scripts, a short error page otherwise."""
    status = 403 if isinstance(error, PermissionDenied) else 400
    message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    if wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    if status == 403:
        raise error
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


# -- Votes -----------------------------------------------------------------------------


@login_required
@require_POST
@rate_limited("vote")
def vote_summary(request, pk: int):
    summary = summary_for(request.user, pk)
    return _vote(request, summary.get_absolute_url(), summary=summary)


@login_required
@require_POST
@rate_limited("vote")
def vote_comment(request, pk: int):
    comment = comment_for(request.user, pk)
    return _vote(request, comment.thread_url(), comment=comment)


def _vote(request, back: str, **target):
    try:
        value = int(request.POST.get("value", ""))
    except ValueError:
        return _refused(request, ValidationError("A vote is +1, -1 or 0 (withdraw)."))
    try:
        result = services.cast_vote(request.user, value=value, **target)
    except (ValidationError, PermissionDenied) as e:
        return _refused(request, e)
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "value": result.value,
                "upvotes": result.upvotes,
                "downvotes": result.downvotes,
                "score": result.score,
            }
        )
    return redirect(next_url(request, back))


# -- Comments --------------------------------------------------------------------------


def comment(request, pk: int):
    """The permalink /comment/<id>: the comment in its summary's thread."""
    return redirect(comment_for(request.user, pk).thread_url())


def _posted_comment(request, field: str, summary) -> Comment | None:
    """The comment of `summary` that the form's `field` names, or None when it names none."""
    raw = request.POST.get(field)
    if not raw:
        return None
    # An id the form never sends ("abc", "1.5", or past any row) answers no comment.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError("That is not a comment of this discussion.")
    return get_object_or_404(Comment, pk=int(raw), summary=summary)


@login_required
@require_POST
@rate_limited("comment")
@render_limited
def post_comment(request, pk: int):
    summary = summary_for(request.user, pk)
    try:
        parent = _posted_comment(request, "parent", summary)
    except ValidationError as e:
        return _refused(request, e)
    body = request.POST.get("body", "")
    try:
        comment = services.post_comment(request.user, summary, body, parent=parent)
    except PermissionDenied as e:
        return _refused(request, e)
    except ValidationError as e:
        if wants_json(request):
            return _refused(request, e)
        # Without JavaScript: the text comes back with the reason, to fix and send again.
        return render(
            request,
            "community/comment_form.html",
            {
                "summary": summary,
                "paper": summary.paper,
                "parent": parent,
                "body": body,
                "errors": e.messages,
            },
            status=400,
        )
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "id": comment.pk,
                "url": comment.thread_url(),
                "html": csp.for_script(comment.body_html),
            },
            status=201,
        )
    return redirect(comment.thread_url())


@login_required
@require_POST
@rate_limited("preview")
@render_limited
@never_cache
def preview_comment(request, pk: int):
    """A comment as it would read, saved nowhere: the form's Preview button. Without
    JavaScript the form comes back with the preview above it; with it, JSON for the page
    to show under the text box. The reply or edit it belongs to rides along, so the form
    that comes back still replies to that comment or edits it."""
    summary = summary_for(request.user, pk)
    body = request.POST.get("body", "")
    try:
        parent = _posted_comment(request, "parent", summary)
        comment = _posted_comment(request, "comment", summary)
    except ValidationError as e:
        return _refused(request, e)
    if comment is not None and not comment.can_edit(request.user):
        return _refused(request, PermissionDenied("Only its author can edit a comment."))
    context = {"summary": summary, "paper": summary.paper, "parent": parent, "comment": comment}
    try:
        text = services.validate_comment_body(body)
        html = services.render_comment_body(text, prefix="preview").html
    except ValidationError as e:
        if wants_json(request):
            return _refused(request, e)
        context.update(body=body, errors=e.messages)
        return render(request, "community/comment_form.html", context, status=400)
    if wants_json(request):
        return JsonResponse({"ok": True, "html": csp.for_script(html)})
    context.update(body=body, preview=html)
    return render(request, "community/comment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("comment")
@render_limited
def edit_comment(request, pk: int):
    comment = comment_for(request.user, pk)
    if not comment.can_edit(request.user):
        return _refused(
            request,
            PermissionDenied(
                "Only its author can edit a comment, and only for a while after posting it."
            ),
        )
    body, errors = comment.body, []
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            comment = services.edit_comment(request.user, comment, body)
        except PermissionDenied as e:
            return _refused(request, e)
        except ValidationError as e:
            if wants_json(request):
                return _refused(request, e)
            errors = e.messages
        else:
            if wants_json(request):
                return JsonResponse(
                    {"ok": True, "id": comment.pk, "html": csp.for_script(comment.body_html)}
                )
            return redirect(comment.thread_url())
    return render(
        request,
        "community/comment_form.html",
        {
            "summary": comment.summary,
            "paper": comment.summary.paper,
            "comment": comment,
            "body": body,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_comment(request, pk: int):
    """Its author deletes a comment. A moderator deleting another's comment sees the same
    page, whose form asks for the reason and posts to the moderation app's action, which
    writes the public log line: a moderator's deletion is never unlogged."""
    comment = comment_for(request.user, pk)
    by_moderator = comment.user_id != request.user.pk and is_moderator(request.user)
    if comment.user_id != request.user.pk and not by_moderator:
        return _refused(
            request, PermissionDenied("Only its author or a moderator can delete a comment.")
        )
    if request.method == "POST":
        try:
            services.delete_comment(request.user, comment)
        except PermissionDenied as e:
            return _refused(request, e)
        if wants_json(request):
            return JsonResponse({"ok": True, "id": comment.pk})
        return redirect(comment.thread_url())
    return render(
        request,
        "community/delete_comment.html",
        {
            "comment": comment,
            "summary": comment.summary,
            "paper": comment.summary.paper,
            "by_moderator": by_moderator,
        },
    )
