"""/api/v1/: the site's data for scripts, extensions and mirrors (django-ninja, which writes
the OpenAPI 3.1 document at /api/v1/openapi.json and serves its docs page from our own
static files). Read-only and anonymous for now: every answer is what a logged-out visitor
may see."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError

from shortscience.api import records, schemas
from shortscience.discovery.queries import absolute
from shortscience.papers.models import Paper
from shortscience.search import services as search_services
from shortscience.summaries.models import Summary

api = NinjaAPI(
    title="ShortScience API",
    version="1",
    description=(
        "Papers, their public summaries and members, as every visitor sees them. Summaries "
        "are under CC-BY-4.0: credit the author (or the site, for an anonymous summary) "
        "and link the permalink."
    ),
    urls_namespace="api",
)
SUMMARIES_PAGE = 20
LAST_ID = 2**63 - 1  # a cursor past any row: larger numbers overflow the database's integer


@api.exception_handler(ValidationError)
def invalid_input(request, error: ValidationError):
    """A body or parameter of the wrong shape: 400, with a message a person can read and
    the details for a program."""
    where = (
        ".".join(str(part) for part in e["loc"] if part not in ("body", "query", "path"))
        for e in error.errors
    )
    message = "; ".join(
        f"{place or 'request'}: {e['msg']}" for place, e in zip(where, error.errors, strict=True)
    )
    return api.create_response(request, {"detail": message, "errors": error.errors}, status=400)


def _matches(keys: list[str], fields) -> JsonResponse:
    found = records.described(records.papers_by_keys(keys), fields or records.PAPER_FIELDS)
    # Answered as is, past the schema's validation: records.paper() builds exactly the
    # declared shape, and validating 500 papers again took longer than finding them.
    return JsonResponse(
        [{"id": key, "paper": p} for key, p in zip(keys, found, strict=True)],
        safe=False,
        encoder=DjangoJSONEncoder,
    )


@api.post("/papers/batch", response=list[schemas.Match], tags=["papers"])
def papers_batch(request, body: schemas.BatchIn):
    """Up to 500 identifiers at once: the answer is in the order asked, with `paper: null`
    for an identifier the site does not know."""
    return _matches(body.ids, body.fields)


@api.get(
    "/papers/lookup",
    response={200: list[schemas.Match], 400: schemas.Error},
    tags=["papers"],
)
def papers_lookup(request, ids: str, fields: str = ""):
    """The batch look-up with a query string: `ids` and `fields` comma-separated."""
    keys = [k for k in (part.strip() for part in ids.split(",")) if k]
    if len(keys) > schemas.BATCH_MAX:
        raise HttpError(400, f"At most {schemas.BATCH_MAX} ids at a time; {len(keys)} given.")
    wanted = [f for f in (part.strip() for part in fields.split(",")) if f]
    unknown = sorted(set(wanted) - set(records.PAPER_FIELDS))
    if unknown:
        raise HttpError(
            400,
            f"Unknown field(s) {', '.join(unknown)}; known: {', '.join(records.PAPER_FIELDS)}.",
        )
    return _matches(keys, wanted)


def _paper_or_404(key: str) -> Paper:
    (found,) = records.papers_by_keys([key])
    if found is None:
        raise HttpError(404, f"No paper is known by {key!r}.")
    return found


@api.get(
    "/papers/{path:key}/summaries",
    response={200: schemas.SummaryPage, 404: schemas.Error},
    tags=["papers"],
)
def paper_summaries(request, key: str, cursor: int = 0):
    """A paper's public summaries, oldest first, SUMMARIES_PAGE at a time: pass
    `next_cursor` back as `cursor` for the next."""
    paper = _paper_or_404(key)
    rows = list(
        Summary.objects.public()
        .filter(paper=paper, pk__gt=min(max(cursor, 0), LAST_ID))
        .select_related("user", "paper")
        .order_by("pk")[: SUMMARIES_PAGE + 1]
    )
    more = len(rows) > SUMMARIES_PAGE
    rows = rows[:SUMMARIES_PAGE]
    return {
        "data": [records.summary(s) for s in rows],
        "next_cursor": str(rows[-1].pk) if more else None,
    }


@api.get(
    "/papers/{path:key}",
    response={200: schemas.Paper, 404: schemas.Error},
    tags=["papers"],
)
def paper(request, key: str):
    """A paper by any identifier: this site's id, arXiv, DOI, DBLP, OpenReview, or a URL."""
    (found,) = records.described([_paper_or_404(key)])
    return found


@api.get(
    "/summaries/{int:summary_id}",
    response={200: schemas.Summary, 404: schemas.Error},
    tags=["summaries"],
)
def summary(request, summary_id: int):
    found = Summary.objects.public().select_related("user", "paper").filter(pk=summary_id).first()
    if found is None:
        raise HttpError(404, "No public summary with this id.")
    return records.summary(found)


@api.get("/users/{username}", response={200: schemas.User, 404: schemas.Error}, tags=["users"])
def user(request, username: str):
    member = get_user_model().objects.filter(username=username, is_active=True).first()
    if member is None:
        raise HttpError(404, "No member with this username.")
    return {
        "username": member.username,
        "display_name": member.shown_name,
        "url": absolute(reverse("members:profile", args=[member.username])),
        "reputation": member.reputation,
        "summary_count": Summary.objects.public().filter(user=member, is_anonymous=False).count(),
        "joined": member.date_joined,
    }


class SearchParams(schemas.Schema):
    q: str
    cursor: int = 1


@api.get("/search", response=schemas.PaperPage, tags=["search"])
def search(request, params: Query[SearchParams]):
    """The site's search: papers by title, authors, abstract and public summaries, best
    first. An identifier answers with its paper."""
    results = search_services.search(params.q, page=max(1, params.cursor))
    if results.redirect_to is not None:
        found = [p for p in records.papers_by_keys([params.q]) if p is not None]
        return {"data": records.described(found), "total": len(found), "next_cursor": None}
    found = records.papers_by_ids([hit.paper.pk for hit in results.hits])
    return {
        "data": records.described([p for p in found if p is not None]),
        "total": results.shown_total,
        "next_cursor": str(results.page + 1) if results.has_next else None,
    }
