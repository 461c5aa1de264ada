"""Reading lists' pages: the directory, a list, its settings, adding a paper, the exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shortscience.accounts.ratelimit import rate_limited
from shortscience.lists import coverage as coverage_check
from shortscience.lists import exports, services
from shortscience.lists.access import list_for, own_list_for
from shortscience.lists.models import ListItem, ReadingList
from shortscience.notifications.services import request_summaries
from shortscience.papers.models import Paper, load_details
from shortscience.web import changes, pages
from shortscience.web.paging import CappedPaginator

PAGE_SIZE = 30
SEARCH_MAX = 100


@require_GET
def directory(request):
    """Public lists, most recently changed first; ?q= finds words of their titles and
    descriptions. A member also sees their own lists, whatever their visibility."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    found = ReadingList.objects.public().select_related("owner").order_by("-updated", "-pk")
    for word in q.split()[:5]:
        found = found.filter(Q(title__icontains=word) | Q(description__icontains=word))
    page = CappedPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = (
        list(request.user.reading_lists.order_by("-updated", "-pk"))
        if request.user.is_authenticated
        else []
    )
    pages.shows(request, members=[rl.owner_id for rl in page], lists=[changes.READING_LISTS])
    return render(request, "lists/directory.html", {"page": page, "q": q, "mine": mine})


def _form_values(request) -> dict[str, str]:
    return {
        "title": request.POST.get("title", ""),
        "description": request.POST.get("description", ""),
        "visibility": request.POST.get("visibility", ReadingList.Visibility.PRIVATE),
    }


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("lists")
def new(request):
    """A new list; with ?paper=<id>, the list starts with that paper."""
    paper = _paper_or_none(request.GET.get("paper") or request.POST.get("paper"))
    values, errors = {"visibility": ReadingList.Visibility.PRIVATE}, []
    if request.method == "POST":
        values = _form_values(request)
        try:
            reading_list = services.create_list(request.user, paper=paper, **values)
        except ValidationError as e:
            errors = e.messages
        else:
            return redirect(reading_list)
    return _form_page(request, {"values": values, "paper": paper}, errors)


def _form_page(request, context: dict, errors: list[str]):
    """A list's form (new, or its settings), with what was sent and why it was refused."""
    return render(
        request,
        "lists/form.html",
        {**context, "errors": errors, "visibilities": ReadingList.Visibility.choices},
        status=400 if errors else 200,
    )


def _paper_or_none(raw: str | None) -> Paper | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Http404("No such paper.")
    return get_object_or_404(Paper, pk=int(raw))


def _items(request, reading_list: ReadingList) -> list[ListItem]:
    """The list's papers in order, with what a page or an export shows of each (two queries
    for any number), said to the page cache as what the response shows."""
    items = list(reading_list.items.select_related("paper__venue"))
    load_details([item.paper for item in items])
    pages.shows(request, papers=[item.paper_id for item in items], members=[reading_list.owner_id])
    return items


@require_GET
def detail(request, key: str):
    reading_list = list_for(request.user, key)
    items = _items(request, reading_list)
    owner = reading_list.can_edit(request.user)
    response = render(
        request,
        "lists/detail.html",
        {"list": reading_list, "items": items, "owner": owner, "states": ListItem.State},
    )
    if not reading_list.is_public:
        # Unlisted: found through its link only, never through a search engine.
        response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("lists")
def edit(request, key: str):
    reading_list = own_list_for(request.user, key)
    values = {
        "title": reading_list.title,
        "description": reading_list.description,
        "visibility": reading_list.visibility,
    }
    errors = []
    if request.method == "POST":
        values = _form_values(request)
        try:
            services.edit_list(reading_list, **values)
        except ValidationError as e:
            errors = e.messages
        else:
            return redirect(reading_list)
    return _form_page(request, {"list": reading_list, "values": values}, errors)


@login_required
@require_POST
@rate_limited("lists")
def delete(request, key: str):
    reading_list = own_list_for(request.user, key)
    services.delete_list(reading_list)
    messages.success(request, f"The list \u201c{reading_list.title}\u201d is deleted.")
    return redirect("lists:directory")


@login_required
@require_GET
def choose(request):
    """Add a paper to one of your lists: the page the paper page and search results link to."""
    paper = _paper_or_none(request.GET.get("paper"))
    if paper is None:
        raise Http404("Which paper?")
    lists = list(request.user.reading_lists.order_by("-updated", "-pk"))
    holding = set(
        ListItem.objects.filter(reading_list__in=lists, paper=paper).values_list(
            "reading_list_id", flat=True
        )
    )
    return render(
        request, "lists/choose.html", {"paper": paper, "lists": lists, "holding": holding}
    )


@login_required
@require_POST
@rate_limited("lists")
def add(request, key: str):
    reading_list = own_list_for(request.user, key)
    paper = _paper_or_none(request.POST.get("paper"))
    if paper is None:
        return HttpResponseBadRequest("Which paper?", content_type="text/plain")
    try:
        _, added = services.add_paper(reading_list, paper, note=request.POST.get("note", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(reading_list)
    verb = "added to" if added else "already on"
    messages.success(
        request, f"\u201c{paper.title_text}\u201d is {verb} \u201c{reading_list.title}\u201d."
    )
    return redirect(reading_list)


@login_required
@require_POST
@rate_limited("lists")
def item(request, key: str, pk: int):
    """One action on one paper of your list: its note, its state, a move, its removal."""
    reading_list = own_list_for(request.user, key)
    found = get_object_or_404(ListItem, pk=pk, reading_list=reading_list)
    found.reading_list = reading_list
    action = request.POST.get("action", "")
    try:
        if action == "note":
            services.update_item(found, note=request.POST.get("note", ""))
        elif action == "state":
            services.update_item(found, state=request.POST.get("state", ""))
        elif action in ("up", "down"):
            services.move_item(found, -1 if action == "up" else 1)
        elif action == "remove":
            services.remove_item(found)
        else:
            return HttpResponseBadRequest("Unknown action.", content_type="text/plain")
    except ValidationError as e:
        return HttpResponseBadRequest(" ".join(e.messages), content_type="text/plain")
    anchor = "" if action == "remove" else f"#item-{found.pk}"
    return redirect(reading_list.get_absolute_url() + anchor)


@require_GET
def export(request, key: str, fmt: str):
    """The list as BibTeX, RIS or CSL-JSON (lists/exports.py), each paper with its note."""
    reading_list = list_for(request.user, key)
    write, content_type, suffix = exports.FORMATS[fmt]
    body = write((i.paper, i.note) for i in _items(request, reading_list))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="list-{reading_list.key}.{suffix}"'
    if not reading_list.is_public:
        response["X-Robots-Tag"] = "noindex"  # as its page: found through its link only
    return response


MAX_UPLOAD = 2 * 1024 * 1024


@require_http_methods(["GET", "POST"])
@rate_limited("coverage")
def coverage(request):
    """Paste identifiers or upload a .bib: which papers the library has, which have
    summaries; then ask for summaries of the rest, or put them all on a list. A read, so
    visitors may check too (the actions need an account)."""
    context: dict = {"max_entries": coverage_check.MAX_ENTRIES}
    if request.method == "POST":
        text = request.POST.get("text", "")
        upload = request.FILES.get("bib")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                context["error"] = "A file of at most 2 MB."
            else:
                text = upload.read().decode("utf-8", errors="replace")
        if "error" not in context:
            try:
                rows = coverage_check.check(coverage_check.read(text))
            except coverage_check.CoverageError as e:
                context["error"] = str(e)
            else:
                found = [r.paper for r in rows if r.paper is not None]
                context.update(
                    rows=rows,
                    found=len(found),
                    summarised=sum(1 for p in found if p.public_summary_count),
                    unsummarised_ids=" ".join(
                        str(p.pk) for p in dict.fromkeys(found) if not p.public_summary_count
                    ),
                    paper_ids=" ".join(str(p.pk) for p in dict.fromkeys(found)),
                    lists=(
                        list(request.user.reading_lists.order_by("-updated", "-pk"))
                        if request.user.is_authenticated
                        else []
                    ),
                )
        context["text"] = text if len(text) < 200_000 else ""
    response = render(
        request, "lists/coverage.html", context, status=400 if "error" in context else 200
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _posted_papers(request) -> list[Paper]:
    raw = request.POST.get("papers", "").split()[: coverage_check.MAX_ENTRIES]
    ids = [int(t) for t in raw if t.isascii() and t.isdigit() and len(t) <= 18]
    # The table posts the papers merges ended in: one merged away since is left out.
    found = Paper.objects.filter(merged_into__isnull=True).in_bulk(ids)
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


@login_required
@require_POST
@rate_limited("request")
def coverage_request(request):
    """Ask for summaries of every posted paper that has none (one action, one spend)."""
    asked = request_summaries(request.user, _posted_papers(request))
    messages.success(
        request, f"You asked for summaries of {asked} paper{'s' if asked != 1 else ''}."
    )
    return redirect("discovery:wanted")


@login_required
@require_POST
@rate_limited("lists")
def coverage_list(request):
    """Put every posted paper on one of your lists, or on a new one."""
    papers = _posted_papers(request)
    key = request.POST.get("list", "")
    try:
        with transaction.atomic():
            if key:
                reading_list = own_list_for(request.user, key)
            else:
                reading_list = services.create_list(
                    request.user, title=request.POST.get("title", "") or "From a coverage check"
                )
            services.add_papers(reading_list, [p.pk for p in papers])
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("lists:coverage")
    return redirect(reading_list)
