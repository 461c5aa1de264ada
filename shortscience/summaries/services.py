"""Writes that touch summaries: saving a summary appends a revision in the same transaction."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shortscience.lib import markup, text
from shortscience.papers.models import Keyword, Paper
from shortscience.papers.services import Rerendered, typeset_writing
from shortscience.ranking import scores
from shortscience.ranking.viewcount import views_today
from shortscience.summaries import search_index
from shortscience.summaries.models import Revision, Summary, SummaryChange, refresh_paper_stats
from shortscience.web import changes, tasks


def render_summary_body(body: str, *, paper_id: int, user_id: int) -> markup.Rendered:
    """The body rendered; ValidationError for a body over the markup budget, which every
    save, the preview and the API answer with its message."""
    # The footnote id prefix is known before the row exists (one summary per user per
    # paper), so the first save renders exactly what every later re-render produces.
    return typeset_writing(body, id_prefix=f"s{paper_id}-{user_id}-")


def validate_body(body: str) -> str:
    # Every summary write (the editor, the API, the notes import) comes through here via
    # save_summary(): a control character stored made every feed showing it answer 500.
    body = text.clean(body.replace("\r\n", "\n"))
    if not body.strip():
        raise ValidationError("A summary cannot be empty.")
    if len(body) > settings.SUMMARY_MAX_CHARS:
        raise ValidationError(
            f"A summary can be at most {settings.SUMMARY_MAX_CHARS:,} characters; this one has {len(body):,}."
        )
    return body


class SummaryConflict(Exception):
    """A save's precondition failed under the row's lock: the summary exists when it was to
    be new, or changed since the version the writer edited."""

    def __init__(self, message: str, summary: Summary | None):
        super().__init__(message)
        self.summary = summary


NEW = "new"  # save_summary(expected=NEW): only if the member has no summary of the paper yet


def save_summary(
    *,
    paper: Paper,
    user,
    body: str,
    visibility: str,
    is_anonymous: bool,
    expected=None,
) -> Summary:
    """Create or update `user`'s summary of `paper`, appending a revision.

    Markdown and math are rendered before the transaction opens so that the write lock
    (SQLite has one for the whole database) is held for milliseconds, not for KaTeX.
    A save that changes nothing (same text, visibility and anonymity) appends no revision.

    `expected`: NEW, or the `edited` time of the version the writer started from; checked
    under the row's lock (SummaryConflict when it does not hold), so that no other save can
    come between the check and this one (the API's If-Match; editor pages pass nothing).
    """
    body = validate_body(body)
    if visibility not in Summary.Visibility.values:
        raise ValidationError(f"Unknown visibility {visibility!r}.")
    rendered = render_summary_body(body, paper_id=paper.pk, user_id=user.pk)
    now = timezone.now()
    with transaction.atomic():
        summary = Summary.objects.select_for_update().filter(paper=paper, user=user).first()
        if expected == NEW and summary is not None:
            raise SummaryConflict("You have a summary of this paper already.", summary)
        if expected not in (None, NEW) and (summary is None or summary.edited != expected):
            raise SummaryConflict("The summary changed since that version.", summary)
        created = summary is None
        was_public = summary is not None and summary.is_public
        was_signed = was_public and not summary.is_anonymous
        if summary is None:
            summary = Summary(paper=paper, user=user, created=now)
        elif (summary.body, summary.visibility, summary.is_anonymous) == (
            body,
            visibility,
            is_anonymous,
        ):
            return summary
        summary.body = body
        _set_rendering(summary, rendered)
        summary.visibility = visibility
        summary.is_anonymous = is_anonymous
        summary.edited = now
        _set_ranking_keys(summary)
        summary.save()
        last = summary.revisions.aggregate(n=Max("number"))["n"] or 0
        Revision.objects.create(
            summary=summary,
            number=last + 1,
            body=body,
            visibility=visibility,
            is_anonymous=is_anonymous,
        )
        # In the same transaction, so the search index and the paper's public summary
        # numbers never disagree with the row.
        search_index.index_summaries([summary.pk])
        refresh_paper_stats([paper.pk])
        summary_changed(summary, was_public=was_public, was_signed=was_signed)
        # Who hears about it is decided by the background worker (notifications/fanout.py),
        # from this task, which commits with the summary or not at all.
        tasks.enqueue(
            "summary_saved",
            summary_id=summary.pk,
            created=created,
            became_public=summary.is_public and not was_public,
        )
    return summary


def summary_changed(summary: Summary, *, was_public: bool, was_signed: bool) -> None:
    """Say what a change to `summary` changed, as visitors can see it (web/changes.py):
    nothing for a summary private before and after (only its author ever saw it); else its
    paper (its pages, the lists showing it), the summary lists and the paper lists (the
    paper's public summary numbers), the author only where the summary carries their name
    before or after, and the directory when their count of signed summaries moves."""
    is_public = summary.is_public
    if not (was_public or is_public):
        return
    SummaryChange.note([summary.pk])
    is_signed = is_public and not summary.is_anonymous
    changes.changed(
        papers=[summary.paper_id],
        members=[summary.user_id] if (was_signed or is_signed) else [],
        lists=[changes.SUMMARIES, changes.PAPERS]
        + ([changes.MEMBERS] if was_signed != is_signed else []),
    )


def share(summary: Summary) -> Summary:
    """Give the author's private summary a share link (idempotent: two clicks at once keep
    one token). Changes nothing any visitor's page shows: a shared view is never cached."""
    if summary.visibility != Summary.Visibility.PRIVATE:
        raise ValidationError("Only a private summary needs a share link; this one is public.")
    if not summary.share_token:
        # A conditional update: two clicks at once keep one token, not the last one.
        Summary.objects.filter(pk=summary.pk, share_token="").update(
            share_token=secrets.token_urlsafe(32)
        )
        summary.refresh_from_db(fields=["share_token"])
    return summary


def unshare(summary: Summary) -> Summary:
    """Revoke the share link: every copy of the old link stops working at once."""
    Summary.objects.filter(pk=summary.pk).update(share_token="")
    summary.share_token = ""
    return summary


def _set_ranking_keys(summary: Summary) -> None:
    """The home tabs' keys for a new or edited summary: its paper's research fields, and its
    hotness with today's views of the paper (votes keep it current after: cast_vote)."""
    categories = Keyword.objects.filter(papers=summary.paper_id).values_list("name", flat=True)
    summary.fields = scores.fields_tag(categories)
    views = views_today([summary.paper_id]).get(summary.paper_id, 0)
    summary.hot = summary.compute_hot(summary.upvotes - summary.downvotes, views)


_RENDERED_FIELDS = ("body_html", "excerpt", "excerpt_html", "body_text")


def _set_rendering(summary: Summary, rendered: markup.Rendered) -> None:
    summary.body_html = rendered.html
    summary.excerpt = rendered.excerpt[: Summary._meta.get_field("excerpt").max_length]
    summary.excerpt_html = rendered.excerpt_html
    summary.body_text = rendered.text


def rerender(summary: Summary) -> Rerendered:
    """Re-render a stored summary after a markup rule changed: whether anything it shows
    (its HTML, its excerpts, its text) changed. rerender_markup, which calls it for every
    summary, says what changed; the search index is rewritten here, with the row.

    A body saved before the markup budget (or near it) may cost more now: it is stored as
    its plain text, which the run reports, rather than stop the run or drop the summary."""
    as_text = False
    try:
        rendered = render_summary_body(
            summary.body, paper_id=summary.paper_id, user_id=summary.user_id
        )
    except ValidationError:
        rendered = markup.render_plain(summary.body)
        as_text = True
    before = {name: getattr(summary, name) for name in _RENDERED_FIELDS}
    _set_rendering(summary, rendered)
    after = {name: getattr(summary, name) for name in _RENDERED_FIELDS}
    if after == before:
        return Rerendered(False, as_text)
    with transaction.atomic():
        Summary.objects.filter(pk=summary.pk).update(**after)
        if after["body_text"] != before["body_text"]:
            search_index.index_summaries([summary.pk])
        if summary.is_public:
            SummaryChange.note([summary.pk])
    return Rerendered(True, as_text)
