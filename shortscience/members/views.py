"""Members as others see them (profiles, the directory, the old /user?name= links) and as
they leave: exporting their data and closing their account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shortscience.accounts.forms import DeleteAccountForm
from shortscience.community.models import Comment
from shortscience.groups.models import ReadingGroup
from shortscience.members import services
from shortscience.summaries.models import Summary, public_q
from shortscience.web import changes, pages

User = get_user_model()

PROFILE_PAGE_SIZE = 20
DIRECTORY_PAGE_SIZE = 50


@login_required
@require_POST
def export(request):
    data = services.export_user_data(request.user)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="shortscience-{request.user.username}.zip"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            keep = form.cleaned_data["content"] == DeleteAccountForm.KEEP
            services.delete_account(user=request.user, keep_content=keep)
            logout(request)
            messages.info(request, "Your account is deleted. Thank you for your summaries.")
            return redirect("home:home")
    else:
        form = DeleteAccountForm(user=request.user)
    counts = {
        "summaries": Summary.objects.filter(user=request.user).count(),
        "comments": Comment.objects.filter(user=request.user, is_deleted=False).count(),
    }
    return render(request, "members/delete.html", {"form": form, "counts": counts})


def _get_member(username: str):
    """An active member by username; closed accounts have no profile."""
    return get_object_or_404(User, username=username, is_active=True)


def profile(request, username: str):
    member = _get_member(username)
    is_self = request.user.is_authenticated and request.user.pk == member.pk
    summaries = Summary.objects.filter(user=member).select_related("paper").order_by("-edited")
    if not is_self:
        # Others see exactly what is public and signed; never an anonymous summary, which
        # would tie the name to it.
        summaries = summaries.public().filter(is_anonymous=False)
    comments = (
        Comment.objects.public()
        .filter(user=member)
        .select_related("summary__paper")
        .order_by("-created")
    )
    if not is_self:
        # A comment under one's own anonymous summary shows there as "Anonymous (the
        # summary's author)": listing it here would put the name on that summary.
        comments = comments.exclude(summary__is_anonymous=True, summary__user=member)
    summary_page = Paginator(summaries, PROFILE_PAGE_SIZE).get_page(request.GET.get("page"))
    comment_page = Paginator(comments, PROFILE_PAGE_SIZE).get_page(request.GET.get("cpage"))
    # Their public reading lists (through the related manager: the lists app stands above
    # this one) and the public groups they belong to, as those groups' pages show them.
    # Their lists' and groups' services say the member changed when these do.
    reading_lists = list(
        member.reading_lists.public().order_by("-updated", "-pk")[:PROFILE_PAGE_SIZE]
    )
    reading_groups = list(
        ReadingGroup.objects.public().filter(memberships__user=member).order_by("name", "pk")
    )
    # Every change to what it lists says the member changed (summaries.services
    # .summary_changed, community.services.comment_changed); it shows the papers' titles.
    pages.shows(
        request,
        members=[member.pk],
        papers=[s.paper_id for s in summary_page] + [c.summary.paper_id for c in comment_page],
        groups=[g.pk for g in reading_groups],
    )
    return render(
        request,
        "members/profile.html",
        {
            "member": member,
            "is_self": is_self,
            "summary_page": summary_page,
            "comment_page": comment_page,
            "reading_lists": reading_lists,
            "reading_groups": reading_groups,
        },
    )


def legacy_profile(request):
    """The old site's /user?name=NAME links, redirected for good."""
    member = _get_member(request.GET.get("name", "").strip())
    return redirect("members:profile", username=member.username, permanent=True)


def directory(request):
    public_signed = public_q("summaries__") & Q(summaries__is_anonymous=False)
    members = (
        User.objects.filter(is_active=True)
        .annotate(summary_count=Count("summaries", filter=public_signed))
        .order_by("-reputation", "username")
    )
    page = Paginator(members, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    pages.shows(request, lists=[changes.MEMBERS])
    return render(request, "members/directory.html", {"page": page})
