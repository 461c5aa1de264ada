"""Reading together in the API: reading lists, reading groups and summary requests.

Reads answer what the asker may see: a visitor (no token) the public lists and groups; a
token's member also their own lists, unlisted ones by key, and the members-only groups
they belong to (the same `can_view` rules as the pages). Writes take a write token and go
through the pages' services; identifiers are read as the batch look-up reads them, so the
coverage check of a script is the batch look-up plus POST /lists/{id}/papers or
POST /papers/requests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.responses import Status

from shortscience.api import records, schemas
from shortscience.api.auth import READ, WRITE, spend
from shortscience.api.paging import cursor_page
from shortscience.api.routes import router
from shortscience.groups.models import ReadingGroup
from shortscience.lists import coverage
from shortscience.lists import services as list_services
from shortscience.lists.models import ReadingList
from shortscience.notifications.services import request_summaries
from shortscience.papers.models import Paper

PAGE = 50


def _papers(keys: list[str]) -> tuple[list[Paper], list[str]]:
    """The papers the keys name (the ones merge chains end in, as the coverage check finds
    them), and the keys naming none."""
    papers, unknown = {}, []
    for entry in coverage.check([coverage.Entry(label=key, keys=[key]) for key in keys]):
        if entry.paper is None:
            unknown.append(entry.label)
        else:
            papers.setdefault(entry.paper.pk, entry.paper)
    return list(papers.values()), unknown


# -- Reading lists --------------------------------------------------------------------------


@router.get("/lists", response=schemas.ListPage, tags=["reading lists"])
def lists(request, cursor: int = 0):
    """The public reading lists, newest first (their items: GET /lists/{id})."""
    rows = ReadingList.objects.public().select_related("owner")
    return cursor_page(rows, cursor, records.reading_list, PAGE, newest_first=True)


def _list_for(request, key: str) -> ReadingList:
    user = request.auth.user
    found = ReadingList.objects.select_related("owner").filter(key=key).first()
    if found is None or not found.can_view(user):
        raise HttpError(404, "No such list.")
    return found


@router.get(
    "/lists/{key}",
    response={200: schemas.ReadingList, 401: schemas.Error, 404: schemas.Error},
    tags=["reading lists"],
    auth=READ,
)
def reading_list(request, key: str):
    """A list with its papers in order: a public or unlisted one for anyone with its id,
    a private one for its owner's token."""
    found = _list_for(request, key)
    items = records.list_items([found])[found.pk]
    ids = [item.paper_id for item in items]
    papers = dict(zip(ids, records.described(ids), strict=True))
    return records.reading_list(found, items, papers)


@router.post(
    "/lists",
    auth=WRITE,
    response={201: schemas.ReadingList, 400: schemas.Error},
    tags=["reading lists"],
)
def create_list(request: HttpRequest, response: HttpResponse, body: schemas.ListIn):
    """A new list of yours (empty: add papers with POST /lists/{id}/papers)."""
    spend(request, response, "lists")
    made = list_services.create_list(
        request.auth.user,
        title=body.title,
        description=body.description,
        visibility=body.visibility,
    )
    return Status(201, records.reading_list(made, [], {}))


@router.post(
    "/lists/{key}/papers",
    auth=WRITE,
    response={200: schemas.PapersDone, 400: schemas.Error, 403: schemas.Error, 404: schemas.Error},
    tags=["reading lists"],
)
def add_to_list(request: HttpRequest, response: HttpResponse, key: str, body: schemas.PapersIn):
    """Put the papers at the end of your list, in their order (those already on it stay
    where they are); the identifiers no paper of the library has are answered back."""
    found = _list_for(request, key)
    if not found.can_edit(request.auth.user):
        raise HttpError(403, "Only its owner can change a list.")
    spend(request, response, "lists")
    papers, unknown = _papers(body.ids)
    added = list_services.add_papers(found, [p.pk for p in papers], note=body.note)
    return {"done": added, "unknown": unknown}


# -- Summary requests -----------------------------------------------------------------------


@router.post(
    "/papers/requests",
    auth=WRITE,
    response={200: schemas.PapersDone, 400: schemas.Error},
    tags=["papers"],
)
def request_papers(request: HttpRequest, response: HttpResponse, body: schemas.PapersIn):
    """ "I would read a summary of this", for each paper without a public summary: your
    requests land on /wanted, and you are told when a summary appears."""
    spend(request, response, "request")
    papers, unknown = _papers(body.ids)
    return {"done": request_summaries(request.auth.user, papers), "unknown": unknown}


# -- Reading groups -------------------------------------------------------------------------


@router.get("/groups", response=schemas.GroupPage, tags=["reading groups"])
def groups(request, cursor: int = 0):
    """The public reading groups, newest first (their programmes: GET /groups/{id})."""
    return cursor_page(
        ReadingGroup.objects.public(), cursor, records.group, PAGE, newest_first=True
    )


@router.get(
    "/groups/{slug}",
    response={200: schemas.Group, 401: schemas.Error, 404: schemas.Error},
    tags=["reading groups"],
    auth=READ,
)
def group(request, slug: str):
    """A group with its members and programme: a public one for anyone, a members-only one
    for its members' tokens."""
    found = ReadingGroup.objects.filter(slug=slug).first()
    if found is None or not found.can_view(request.auth.user):
        raise HttpError(404, "No such group.")
    members, upcoming, past = records.programmes([found], past_max=50)
    meetings = upcoming[found.pk] + past[found.pk]
    ids = [m.paper_id for m in meetings]
    papers = dict(zip(ids, records.described(ids), strict=True))
    return records.group(found, members[found.pk], upcoming[found.pk], past[found.pk], papers)
