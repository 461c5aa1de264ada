from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from shortscience.ranking import scores as ranking
from shortscience.web.links import link


def public_q(prefix: str = "") -> models.Q:
    """The one rule for "every visitor may read this summary" (public, not hidden by a
    moderator), also through a relation: public_q("summaries__") filters papers or members,
    public_q("comment__summary__") votes on comments."""
    return models.Q(
        **{f"{prefix}visibility": Summary.Visibility.PUBLIC, f"{prefix}is_hidden": False}
    )


def refresh_paper_stats(paper_ids: Iterable[int] | None = None) -> None:
    """Write Paper.public_summary_count and Paper.last_summary from the papers' public
    summaries, in one statement: `paper_ids`, or every paper (after a bulk load). Every
    service that changes which summaries are public or when they were edited calls it in
    its transaction: saving, a moderator's hide, restore or delete, a merge, a closed
    account, the admin."""
    from shortscience.papers.models import Paper

    public = Summary.objects.filter(public_q(), paper=OuterRef("pk")).order_by().values("paper")
    if paper_ids is None:
        # Those with a summary, and those whose numbers say they have one: the rest hold 0.
        papers = Paper.objects.filter(
            Q(pk__in=Summary.objects.values("paper_id")) | Q(last_summary__isnull=False)
        )
    else:
        papers = Paper.objects.filter(pk__in=list(paper_ids))
    papers.update(
        public_summary_count=Coalesce(Subquery(public.annotate(n=Count("pk")).values("n")), 0),
        last_summary=Subquery(public.annotate(last=Max("edited")).values("last")),
    )


class SummaryQuerySet(models.QuerySet):
    def public(self):
        """What every visitor may read: public and not hidden by a moderator."""
        return self.filter(public_q())

    def visible_to(self, user):
        """Public summaries, plus the user's own (private or hidden) ones."""
        if user is not None and user.is_authenticated:
            return self.filter(public_q() | models.Q(user=user))
        return self.public()

    def for_list(self):
        # A list shows the excerpt; the whole text is for the search index only.
        return self.select_related("user", "paper").defer("body_text")

    # -- Home tabs (home/views.py): each one indexed order over stored keys ---------------

    def in_field(self, code: str):
        """Summaries of papers in one research field (ranking/scores.py FIELDS)."""
        return self.filter(fields__contains=f" {code} ")

    def recent(self):
        return self.order_by("-edited", "-pk")

    def popular(self):
        return self.order_by("-hot", "-pk")

    def best(self):
        return self.order_by("-wilson", "-edited", "-pk")


class Summary(models.Model):
    """A user's summary of a paper: one per user per paper, refined over time."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private (only you)"

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="summaries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summaries"
    )
    body = models.TextField(help_text="Markdown with LaTeX math")
    body_html = models.TextField(editable=False, help_text="rendered at save time; never on a GET")
    # All three from the same render as body_html (lib/markup/excerpt.py), math as text or
    # MathML, never as TeX: the plain excerpt for emails and meta tags, the HTML one for
    # lists (empty on a row saved before it existed, until `rerender_markup`: lists then
    # show the plain one), and the whole text for the search index and its snippets.
    excerpt = models.CharField(max_length=400, blank=True, editable=False)
    excerpt_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_anonymous = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(db_index=True)
    # Set by moderators; a hidden summary is gone from every public surface but its author's.
    is_hidden = models.BooleanField(default=False)
    # A private summary can be shared by link; empty means not shared. Revoking clears it.
    share_token = models.CharField(max_length=43, blank=True, db_index=True)
    # Denormalized in the same transaction as each vote / comment (see community.services).
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    # Wilson lower bound (80%) of upvotes / (upvotes + downvotes): the paper-page order.
    wilson = models.FloatField(default=0.0)
    comment_count = models.PositiveIntegerField(default=0)
    # The "Popular" order (ranking/scores.py hotness): written on save and with each vote, and
    # refreshed for today's paper views by `manage.py update_rankings`.
    hot = models.FloatField(default=0.0)
    # The paper's research fields, " cs stat " (ranking/scores.py fields_tag), set on save and
    # by `update_rankings --all`: the home page's field filter without a join.
    fields = models.CharField(max_length=100, blank=True, default="", editable=False)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        ordering = ["-edited"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "user"], name="summary_one_per_user_per_paper")
        ]
        # Each home tab reads one of these in order, public rows first (see SummaryQuerySet).
        indexes = [
            # With the tie-breaking id, as the tabs order: without it, equal keys (every
            # summary nobody has viewed today is as hot as the next) meant sorting them all,
            # 0.7 s for the Popular tab at 100,000 summaries on SQLite.
            models.Index(fields=["visibility", "-edited", "-id"], name="summary_public_recent"),
            models.Index(fields=["visibility", "-hot", "-id"], name="summary_public_hot"),
            models.Index(
                fields=["visibility", "-wilson", "-edited", "-id"], name="summary_public_best"
            ),
            # A paper's summaries best first (its page, and each list's best summary): without
            # it PostgreSQL walked the best-first index of all summaries for a much-summarised
            # paper, 7.6 ms for the corpus's busiest.
            models.Index(fields=["paper", "-wilson", "-edited", "-id"], name="summary_paper_best"),
        ]

    def __str__(self) -> str:
        return f"Summary of {self.paper_id} by {self.user_id}"

    def get_absolute_url(self) -> str:
        return link("discovery:summary", self.pk)

    @property
    def source_url(self) -> str:
        return link("summaries:source", self.pk)

    @property
    def history_url(self) -> str:
        return link("summaries:history", self.pk)

    def compute_hot(self, net: int, views_today: int) -> float:
        # By creation, not last edit: fixing a typo must not send an old summary back up.
        return ranking.hotness(net, views_today, self.created or timezone.now())

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC and not self.is_hidden

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def named_member_id(self) -> int | None:
        """The member whose name the summary shows (None when it is anonymous): what a page
        that shows it depends on (web/pages.py shows())."""
        return None if self.is_anonymous else self.user_id

    @property
    def list_excerpt(self) -> str:
        """What a list shows of the summary: the typeset excerpt, else (a row not re-rendered
        since excerpt_html came) the plain one, escaped."""
        if self.excerpt_html:
            return mark_safe(self.excerpt_html)  # noqa: S308 -- sanitized at save (lib/markup)
        return conditional_escape(self.excerpt)

    def byline(self) -> str:
        """The name readers see: never the author's when the summary is anonymous."""
        return "Anonymous" if self.is_anonymous else self.user.shown_name

    def byline_url(self) -> str:
        """Where the byline links: the author's profile; nowhere when the summary is
        anonymous (the link would name them) or its author closed their account."""
        if self.is_anonymous or not self.user.is_active:
            return ""
        return link("members:profile", self.user.username)

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.pk == self.user_id

    def can_view(self, user) -> bool:
        return self.is_public or self.can_edit(user)


class Revision(models.Model):
    """Every saved state of a summary, appended on each save, never rewritten."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    visibility = models.CharField(max_length=10, choices=Summary.Visibility.choices)
    is_anonymous = models.BooleanField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["summary", "number"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of summary {self.summary_id}"


class SummaryChangeQuerySet(models.QuerySet):
    def latest_each(self):
        """Only each summary's last change: a mirror needs the summary as it is now, once."""
        later = SummaryChange.objects.filter(
            summary_id=OuterRef("summary_id"), pk__gt=OuterRef("pk")
        )
        return self.exclude(models.Exists(later))


class SummaryChange(models.Model):
    """The mirrors' feed (GET /api/v1/summaries?updated_since=): a row each time what every
    visitor sees of a summary changed (its text, rendering, paper, anonymity, or whether it
    is shown at all). Appended, never updated, so that writers never wait on each other here;
    its id orders the feed. A summary private before and after a change is never logged:
    its existence is its author's."""

    summary_id = models.BigIntegerField()
    # The database's clock, not the app server's: one clock for every writer and the feed,
    # which lists a change only once it is API_FEED_SETTLE_SECONDS old by the same clock.
    at = models.DateTimeField(db_default=Now(), db_index=True)

    objects = SummaryChangeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["summary_id", "id"], name="summarychange_summary")]

    def __str__(self) -> str:
        return f"summary {self.summary_id} changed at {self.at}"

    @classmethod
    def note(cls, summary_ids: Iterable[int]) -> None:
        """Log a change to these summaries. Call it last in the transaction: a row is listed
        once it is a few seconds old, so the transaction should commit soon after."""
        cls.objects.bulk_create(cls(summary_id=pk) for pk in sorted(set(summary_ids)))
