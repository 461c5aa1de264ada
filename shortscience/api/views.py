"""/api/v1/: the site's data for scripts, extensions and mirrors (django-ninja, which writes
the OpenAPI 3.1 document at /api/v1/openapi.json and serves its docs page from our own
static files). Reads answer what a logged-out visitor may see (a summary by its id also
answers its author, with their token, when it is private); writes are in writes.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ServiceRefused
from django.db.models import Max
from django.db.models.functions import Now
from django.http import HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

# reading and writes register their endpoints on the router; reading first, so that
# POST /papers/requests is routed before /papers/{key} takes any path.
from shortscience.api import (
    auth,
    reading,  # noqa: F401
    records,
    schemas,
    writes,
)
from shortscience.api.paging import LAST_ID, cursor_page
from shortscience.api.routes import router
from shortscience.lib.records import ImportFailed
from shortscience.papers.models import Paper
from shortscience.search import services as search_services
from shortscience.summaries.access import summary_for
from shortscience.summaries.models import Summary, SummaryChange
from shortscience.web.links import absolute


class FastJSONRenderer(JSONRenderer):
    """ninja's JSON, written by orjson: a batch of 500 papers is ~300 KB of JSON, which the
    standard library's encoder took ~6 ms to write, a tenth of the call (bench/api_batch.py);
    orjson takes well under one. Every value orjson does not write as the standard encoder
    would (datetimes: Django's millisecond form; pydantic models, enums, subclasses of str)
    goes to ninja's own encoder, so the JSON means the same, byte for byte but for
    non-ASCII text, which orjson writes as UTF-8 instead of \\u escapes."""

    _fallback = NinjaJSONEncoder()
    _options = (
        orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_SUBCLASS
    )

    def render(self, request, data, *, response_status: int) -> bytes:
        return self.dumps(data)

    @classmethod
    def dumps(cls, data) -> bytes:
        return orjson.dumps(data, default=cls._fallback.default, option=cls._options)


api = NinjaAPI(
    renderer=FastJSONRenderer(),
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


@api.exception_handler(ServiceRefused)
@api.exception_handler(ImportFailed)
def refused(request, error):
    """A service's own refusal (an empty summary, a reply to a removed comment): 400."""
    detail = " ".join(error.messages) if isinstance(error, ServiceRefused) else str(error)
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(PermissionDenied)
def forbidden(request, error):
    return api.create_response(request, {"detail": str(error) or "Not allowed."}, status=403)


@api.exception_handler(auth.RateLimited)
def rate_limited(request, error: auth.RateLimited):
    response = api.create_response(
        request,
        {"detail": f"Too many requests; try again in {error.allowance.retry_after} s."},
        status=429,
    )
    for name, value in auth.limit_headers(error.allowance).items():
        response[name] = value
    return response


def _matches(keys: list[str], fields) -> HttpResponse:
    found = records.described(records.paper_ids_by_keys(keys), fields or records.PAPER_FIELDS)
    # Answered as is, past the schema's validation: records.paper() builds exactly the
    # declared shape, and validating 500 papers again took longer than finding them.
    # Written by orjson as ninja's own answers are (FastJSONRenderer): the standard encoder
    # took ~3.5 ms of a 500-id call.
    return HttpResponse(
        FastJSONRenderer.dumps(
            [{"id": key, "paper": p} for key, p in zip(keys, found, strict=True)]
        ),
        content_type="application/json",
    )


@router.post("/papers/batch", response=list[schemas.Match], tags=["papers"])
def papers_batch(request, body: schemas.BatchIn):
    """Up to 500 identifiers at once: the answer is in the order asked, with `paper: null`
    for an identifier the site does not know."""
    return _matches(body.ids, body.fields)


@router.get(
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
    found = records.paper_by_key(key)
    if found is None:
        raise HttpError(404, f"No paper is known by {key!r}.")
    return found


@router.get(
    "/papers/{path:key}/summaries",
    response={200: schemas.SummaryPage, 404: schemas.Error},
    tags=["papers"],
)
def paper_summaries(request, key: str, cursor: int = 0):
    """A paper's public summaries, oldest first, SUMMARIES_PAGE at a time: pass
    `next_cursor` back as `cursor` for the next."""
    paper = _paper_or_404(key)
    rows = Summary.objects.public().filter(paper=paper).select_related("user", "paper")
    return cursor_page(rows, cursor, records.summary, SUMMARIES_PAGE)


@router.get(
    "/papers/{path:key}",
    response={200: schemas.Paper, 404: schemas.Error},
    tags=["papers"],
)
def paper(request, key: str):
    """A paper by any identifier: this site's id, arXiv, DOI, DBLP, OpenReview, or a URL."""
    (found,) = records.described([_paper_or_404(key).pk])
    return found


@router.get(
    "/summaries/{int:summary_id}",
    response={200: schemas.Summary, 401: schemas.Error, 404: schemas.Error},
    tags=["summaries"],
    auth=auth.READ,
)
def summary(request, response: HttpResponse, summary_id: int):
    """A public summary; or your own private one, with your token. The ETag names this
    version: send it as If-Match when you PUT an edit."""
    found = summary_for(request.auth.user, summary_id)
    response["ETag"] = writes.etag(found)
    return records.summary(found)


FEED_PAGE = 100


class FeedParams(schemas.Schema):
    updated_since: datetime | None = None
    cursor: int = 0


@router.get("/summaries", response=schemas.SummaryFeed, tags=["summaries"])
def summaries_feed(request, params: Query[FeedParams]):
    """For mirrors: each change to a summary's text, rendering, paper or byline, or to
    whether it is shown at all, oldest first, each summary once at its latest change (votes
    and comment counts are as of then, not changes of their own). A summary no longer shown (deleted, hidden by a
    moderator, made private) comes as a tombstone: `deleted: true`, `summary: null`.

    Start with `updated_since` (or neither, for everything), then pass `next_cursor` back
    as `cursor`, now or later: it is always given, and `has_more` says whether to ask again
    at once. Changes show here API_FEED_SETTLE_SECONDS after they happen, so that a write still
    committing when a page is read is never skipped."""
    # By the database's clock, which stamped the rows (SummaryChange.at).
    settled = SummaryChange.objects.filter(
        at__lte=Now() - timedelta(seconds=settings.API_FEED_SETTLE_SECONDS)
    )
    start = min(max(params.cursor, 0), LAST_ID)
    changes = settled.latest_each().filter(pk__gt=start)
    if params.updated_since is not None:
        try:
            changes = changes.filter(at__gte=params.updated_since.astimezone(UTC))
        except OverflowError:
            raise HttpError(400, "updated_since: a time between years 1 and 9999.") from None
    rows = list(changes.order_by("pk")[: FEED_PAGE + 1])
    more = len(rows) > FEED_PAGE
    rows = rows[:FEED_PAGE]
    # With nothing (yet) after `start` and `updated_since`, the next read goes on from the
    # last settled change, not from the beginning of the log. A change passed over so was
    # superseded by a later one of the same summary, which comes with a higher id.
    position = rows[-1].pk if rows else max(start, settled.aggregate(last=Max("pk"))["last"] or 0)
    shown = (
        Summary.objects.public()
        .select_related("user", "paper")
        .in_bulk([row.summary_id for row in rows])
    )
    return {
        "data": [
            {
                "change": row.pk,
                "id": row.summary_id,
                "changed": row.at,
                "deleted": row.summary_id not in shown,
                "summary": records.summary(shown[row.summary_id])
                if row.summary_id in shown
                else None,
            }
            for row in rows
        ],
        "next_cursor": str(position),
        "has_more": more,
    }


@router.get("/users/{username}", response={200: schemas.User, 404: schemas.Error}, tags=["users"])
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


@router.get("/search", response=schemas.PaperPage, tags=["search"])
def search(request, params: Query[SearchParams]):
    """The site's search: papers by title, authors, abstract and public summaries, best
    first. An identifier answers with its paper."""
    results = search_services.search(params.q, page=max(1, params.cursor))
    if results.redirect_to is not None:
        found = [p for p in records.described(records.paper_ids_by_keys([params.q])) if p]
        return {"data": found, "total": len(found), "next_cursor": None}
    found = records.described([hit.paper.pk for hit in results.hits])
    return {
        "data": [p for p in found if p is not None],
        "total": results.shown_total,
        "next_cursor": str(results.page + 1) if results.has_next else None,
    }


api.add_router("/", "shortscience.api.dump_views.router")


# Last: every endpoint, here and in writes.py, is on the router by now.
api.add_router("/", router)
