from __future__ import annotations

import difflib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shortscience.accounts.ratelimit import rate_limited, render_limited
from shortscience.papers.models import Paper
from shortscience.summaries import services
from shortscience.summaries.access import own_summary_for, summary_for
from shortscience.summaries.forms import SummaryForm
from shortscience.summaries.models import Summary
from shortscience.web import csp, pages
from shortscience.web.http import wants_json


@login_required
@require_POST
def share(request, pk: int):
    """Create the share link of the visitor's own private summary (idempotent)."""
    summary = own_summary_for(request.user, pk)
    try:
        summary = services.share(summary)
    except ValidationError as e:
        message = " ".join(e.messages)
        if wants_json(request):
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect(summary)
    url = request.build_absolute_uri(
        f"{summary.get_absolute_url()}?{urlencode({'share': summary.share_token})}"
    )
    if wants_json(request):
        return JsonResponse({"url": url})
    messages.success(request, "Anyone with the share link can now read this summary.")
    return redirect(summary)


@login_required
@require_POST
def unshare(request, pk: int):
    """Revoke the share link: every copy of the old link stops working at once."""
    services.unshare(own_summary_for(request.user, pk))
    if wants_json(request):
        return JsonResponse({"url": None})
    messages.success(request, "The share link is revoked.")
    return redirect(reverse("discovery:summary", args=[pk]))


@login_required
@require_POST
@rate_limited("summary")
@render_limited
def publish(request, pk: int):
    """Make the visitor's own private summary (a draft) public, as it stands."""
    summary = own_summary_for(request.user, pk)
    try:
        summary = services.save_summary(
            paper=summary.paper,
            user=request.user,
            body=summary.body,
            visibility=Summary.Visibility.PUBLIC,
            is_anonymous=summary.is_anonymous,
        )
    except ValidationError as e:  # a draft saved before the markup budget, over it now
        message = " ".join(e.messages)
        if wants_json(request):
            return JsonResponse({"error": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    if wants_json(request):
        return JsonResponse({"visibility": summary.visibility, "url": summary.get_absolute_url()})
    messages.success(request, "Your summary is published.")
    return redirect(summary)


def source(request, pk: int):
    summary = summary_for(request.user, pk)
    pages.shows(request, papers=[summary.paper_id])
    return HttpResponse(summary.body, content_type="text/plain; charset=utf-8")


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("summary")
@render_limited
def edit(request, paper_pk: int):
    """Write or refine the visitor's own summary of a paper (one per user per paper)."""
    paper = Paper.objects.get_with_details(pk=paper_pk)
    if paper is None:
        raise Http404("No such paper.")
    summary = Summary.objects.filter(paper=paper, user=request.user).first()
    preview = None
    if request.method == "POST":
        form = SummaryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if "preview" in request.POST:
                # The no-JavaScript preview: the same renderer as publishing, nothing saved.
                try:
                    preview = services.render_summary_body(
                        data["body"], paper_id=paper.pk, user_id=request.user.pk
                    ).html
                except ValidationError as e:
                    form.add_error("body", e)
            else:
                try:
                    summary = services.save_summary(
                        paper=paper,
                        user=request.user,
                        body=data["body"],
                        visibility=data["visibility"],
                        is_anonymous=data["is_anonymous"],
                    )
                except ValidationError as e:
                    form.add_error("body", e)
                else:
                    return redirect(summary)
    elif summary:
        form = SummaryForm(
            initial={
                "body": summary.body,
                "visibility": summary.visibility,
                "is_anonymous": summary.is_anonymous,
            }
        )
    else:
        form = SummaryForm()
    return render(
        request,
        "summaries/edit.html",
        {"paper": paper, "summary": summary, "form": form, "preview": preview},
        # A refused text comes back with the reason, to fix and send again.
        status=400 if form.errors else 200,
    )


def history(request, pk: int):
    summary = summary_for(request.user, pk)
    pages.shows(request, papers=[summary.paper_id], members=[summary.named_member_id])
    revisions = summary.revisions.all()
    if not summary.can_edit(request.user):
        # Readers see the states that were published; a private draft stays the author's.
        revisions = revisions.filter(visibility=Summary.Visibility.PUBLIC)
    revisions = list(revisions.order_by("-number"))
    by_number = {r.number: r for r in revisions}
    diff = None
    old = new = None
    if "a" in request.GET and "b" in request.GET:
        try:
            old, new = by_number[int(request.GET["a"])], by_number[int(request.GET["b"])]
        except (KeyError, ValueError):
            raise Http404("No such revision.") from None
        diff = _diff_lines(old.body, new.body)
    elif len(revisions) >= 2:
        old, new = revisions[1], revisions[0]
        diff = _diff_lines(old.body, new.body)
    return render(
        request,
        "summaries/history.html",
        {
            "summary": summary,
            "paper": summary.paper,
            "revisions": revisions,
            "diff": diff,
            "old": old,
            "new": new,
        },
    )


def _diff_lines(a: str, b: str) -> list[tuple[str, str]]:
    """A line diff as (kind, text) pairs, kind one of ' ', '+', '-', '@'."""
    lines = []
    for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        lines.append(
            (line[:1] if line[:1] in "+-@" else " ", line[1:] if line[:1] in "+- " else line)
        )
    return lines


@login_required
@require_POST
@rate_limited("preview")
@render_limited
def preview(request):
    """The rendered HTML fragment of `text`: exactly what publishing would store; 400 with
    the reason as text for a text that would take too long to render."""
    text = request.POST.get("text", "")
    if len(text) > settings.SUMMARY_MAX_CHARS:
        return HttpResponseBadRequest(
            f"Text too long: at most {settings.SUMMARY_MAX_CHARS:,} characters.",
            content_type="text/plain",
        )
    paper_id = request.POST.get("paper", "0")
    try:
        rendered = services.render_summary_body(
            text.replace("\r\n", "\n"),
            paper_id=int(paper_id) if paper_id.isascii() and paper_id.isdigit() else 0,
            user_id=request.user.pk,
        )
    except ValidationError as e:
        return HttpResponseBadRequest(" ".join(e.messages), content_type="text/plain")
    response = HttpResponse(csp.for_script(rendered.html), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
