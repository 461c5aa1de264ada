"""The API's writes, each through the service the pages use (so a summary posted by a script
is rendered, indexed, announced and shown exactly like one from the editor), with a write
token, under the pages' rate limits."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Header, Status
from ninja.errors import HttpError

from shortscience.api import records, schemas
from shortscience.api.auth import WRITE, rendering, spend
from shortscience.api.routes import router
from shortscience.community import services as community
from shortscience.community.access import comment_for
from shortscience.lib.http import FetchError
from shortscience.library.services import NotAtSource, paper_for_identifier
from shortscience.summaries import services as summaries
from shortscience.summaries.access import summary_for
from shortscience.summaries.models import Summary


def etag(summary: Summary) -> str:
    """Names one version of a summary's text, visibility and anonymity: the time it last
    changed, which every save that changes any of them moves."""
    return f'"{summary.pk}-{int(summary.edited.timestamp() * 1_000_000)}"'


def _answer(response: HttpResponse, summary: Summary) -> dict:
    response["ETag"] = etag(summary)
    return records.summary(summary)


@router.post(
    "/papers",
    auth=WRITE,
    response={200: schemas.Paper, 201: schemas.Paper, 400: schemas.Error, 404: schemas.Error},
    tags=["papers"],
    summary="Add a paper",
)
def add_paper(request: HttpRequest, response: HttpResponse, body: schemas.PaperIn):
    """The add-paper box for scripts: a paper the library has answers 200; one it lacks is
    fetched from its source (arXiv, Crossref, DBLP, OpenReview) and answers 201, spending
    what the add-paper page spends: a look-up ("fetch") and an addition ("import")."""

    def spend_both():
        spend(request, response, "fetch")
        spend(request, response, "import")

    try:
        paper, added = paper_for_identifier(body.identifier, before_fetch=spend_both)
    except NotAtSource as e:
        raise HttpError(404, str(e)) from e
    except FetchError as e:
        raise HttpError(503, "The source did not answer; please try again in a few minutes.") from e
    (found,) = records.described([paper.pk])
    return Status(201 if added else 200, found)


_STALE = "The summary changed since that ETag; read it again and redo the edit."


def _own_summary(request, summary_id: int) -> Summary:
    summary = summary_for(request.auth.user, summary_id)
    if not summary.can_edit(request.auth.user):
        raise HttpError(403, "Only its author may edit a summary.")
    return summary


@router.post(
    "/summaries",
    auth=WRITE,
    response={201: schemas.Summary, 400: schemas.Error, 404: schemas.Error, 409: schemas.Error},
    tags=["summaries"],
    summary="Write a summary",
)
def create_summary(request: HttpRequest, response: HttpResponse, body: schemas.SummaryIn):
    """Your summary of a paper the library has (add it first with POST /papers). One per
    member per paper: a second is a 409 naming the first, to edit with PUT."""
    paper = records.paper_by_key(body.paper)
    if paper is None:
        raise HttpError(404, f"No paper is known by {body.paper!r}; add it with POST /papers.")
    user = request.auth.user
    spend(request, response, "summary")
    try:
        with rendering(request):
            summary = summaries.save_summary(
                paper=paper,
                user=user,
                body=body.body_markdown,
                visibility=body.visibility or Summary.Visibility.PUBLIC,
                is_anonymous=bool(body.anonymous),
                expected=summaries.NEW,
            )
    except summaries.SummaryConflict as e:
        raise HttpError(
            409, f"You have a summary of this paper already (id {e.summary.pk}); edit it with PUT."
        ) from e
    return Status(201, _answer(response, summary_for(user, summary.pk)))


@router.put(
    "/summaries/{int:summary_id}",
    auth=WRITE,
    response={
        200: schemas.Summary,
        400: schemas.Error,
        403: schemas.Error,
        404: schemas.Error,
        412: schemas.Error,
        428: schemas.Error,
    },
    tags=["summaries"],
    summary="Edit your summary",
)
def edit_summary(
    request: HttpRequest,
    response: HttpResponse,
    summary_id: int,
    body: schemas.SummaryIn,
    if_match: str = Header("", alias="If-Match"),
):
    """Send the ETag of the version you edited as If-Match: if the summary changed since
    (another tab, another script), the answer is 412 and nothing is saved."""
    summary = _own_summary(request, summary_id)
    if not if_match:
        raise HttpError(428, "Send If-Match with the summary's ETag, so that no edit is lost.")
    if if_match.strip() not in (etag(summary), "*"):
        raise HttpError(412, _STALE)
    spend(request, response, "summary")
    try:
        with rendering(request):
            saved = summaries.save_summary(
                paper=summary.paper,
                user=request.auth.user,
                body=body.body_markdown,
                visibility=body.visibility or summary.visibility,
                is_anonymous=summary.is_anonymous if body.anonymous is None else body.anonymous,
                # If-Match held when read; this holds it under the row's lock, past any
                # save that came in between.
                expected=summary.edited,
            )
    except summaries.SummaryConflict as e:
        raise HttpError(412, _STALE) from e
    return _answer(response, summary_for(request.auth.user, saved.pk))


@router.post(
    "/summaries/{int:summary_id}/comments",
    auth=WRITE,
    response={201: schemas.Comment, 400: schemas.Error, 403: schemas.Error, 404: schemas.Error},
    tags=["comments"],
    summary="Comment on a summary",
)
def post_comment(
    request: HttpRequest, response: HttpResponse, summary_id: int, body: schemas.CommentIn
):
    user = request.auth.user
    summary = summary_for(user, summary_id)
    parent = None
    if body.parent is not None:
        parent = comment_for(user, body.parent)
        if parent.summary_id != summary.pk:
            raise HttpError(400, "That comment is on another summary.")
    spend(request, response, "comment")
    with rendering(request):
        comment = community.post_comment(user, summary, body.body_markdown, parent=parent)
    return Status(201, records.comment(comment_for(user, comment.pk)))


def _vote(request, response, value: int, **target) -> dict:
    spend(request, response, "vote")
    result = community.cast_vote(request.auth.user, value=value, **target)
    return {"value": result.value, "upvotes": result.upvotes, "downvotes": result.downvotes}


@router.put(
    "/summaries/{int:summary_id}/vote",
    auth=WRITE,
    response={200: schemas.VoteOut, 400: schemas.Error, 403: schemas.Error, 404: schemas.Error},
    tags=["votes"],
    summary="Vote on a summary",
)
def vote_summary(
    request: HttpRequest, response: HttpResponse, summary_id: int, body: schemas.VoteIn
):
    """+1, -1, or 0 to withdraw your vote. Not on your own work."""
    return _vote(request, response, body.value, summary=summary_for(request.auth.user, summary_id))


@router.put(
    "/comments/{int:comment_id}/vote",
    auth=WRITE,
    response={200: schemas.VoteOut, 400: schemas.Error, 403: schemas.Error, 404: schemas.Error},
    tags=["votes"],
    summary="Vote on a comment",
)
def vote_comment(
    request: HttpRequest, response: HttpResponse, comment_id: int, body: schemas.VoteIn
):
    return _vote(request, response, body.value, comment=comment_for(request.auth.user, comment_id))
