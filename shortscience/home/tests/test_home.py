from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shortscience.community.models import Comment, Vote
from shortscience.community.services import cast_vote, post_comment
from shortscience.summaries.models import Summary
from shortscience.summaries.rankings import refresh_rankings
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user, update_summary


def titles(response) -> list[str]:
    return [s.paper.title for s in response.context["page"]]


class HomePageTests(BaseTestCase):
    def test_it_lists_the_latest_public_summaries_with_a_count(self):
        paper = make_paper("Generative Adversarial Nets")
        make_summary(paper, self.alice, "Two networks play a *minimax* game over $V(D, G)$.")
        make_summary(paper, self.bob, "Bob's secret draft.", visibility="private")
        make_summary(paper, self.charlie, "Charlie, unsigned.", is_anonymous=True)
        r = self.client.get("/")
        self.assertContains(r, "2 public summaries")
        self.assertContains(r, "Generative Adversarial Nets", count=2)
        self.assertContains(
            r, 'by <a href="/u/alice" title="@alice">Alice Aumann</a>'
        )  # bylines link to profiles
        self.assertContains(r, "by Anonymous")
        self.assertContains(r, "minimax")
        self.assertNotContains(r, "secret draft")
        self.assertNotContains(r, "charlie")

    def test_it_says_so_when_there_are_no_summaries(self):
        r = self.client.get("/")
        self.assertContains(r, "0 public summaries")
        self.assertContains(r, "No summaries yet.")

    def test_it_shows_the_tabs_and_fields_as_links_that_keep_each_other(self):
        r = self.client.get("/?tab=best&field=stat")
        self.assertContains(r, '<a href="?tab=popular&amp;field=stat">Popular</a>', html=True)
        self.assertContains(r, '<a href="?tab=best&amp;field=cs">Computer science</a>', html=True)
        self.assertContains(
            r, '<a href="?tab=best&amp;field=stat" aria-current="page">Statistics</a>', html=True
        )
        self.assertContains(r, '<a href="?tab=best">All fields</a>', html=True)
        self.assertContains(r, "Best summaries of all time")

    def test_an_unknown_tab_or_field_shows_the_default_list(self):
        make_summary(make_paper("Listed anyway"), self.alice)
        r = self.client.get("/?tab=nonsense&field=astrology")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["tab"], "recent")
        self.assertEqual(r.context["field"], "")
        self.assertEqual(titles(r), ["Listed anyway"])


class TabOrderTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.dave = make_user("dave")
        self.old = make_summary(make_paper("Old and loved"), self.alice)
        self.mid = make_summary(make_paper("Middling"), self.bob)
        self.new = make_summary(make_paper("Brand new"), self.charlie)
        now = timezone.now()
        for summary, days in ((self.old, 30), (self.mid, 3), (self.new, 0)):
            when = now - timedelta(days=days)
            update_summary(summary, created=when, edited=when)
        refresh_rankings(everything=True)  # the age term comes from the dates set above
        # Old: +3 net, cast 20 days ago. Middling: +1. Brand new: -1.
        for voter in (self.bob, self.charlie, self.dave):
            cast_vote(voter, summary=self.old, value=1)
        Vote.objects.filter(summary=self.old).update(created=now - timedelta(days=20))
        cast_vote(self.alice, summary=self.mid, value=1)
        cast_vote(self.alice, summary=self.new, value=-1)

    def test_recent_puts_the_last_edited_first(self):
        r = self.client.get("/?tab=recent")
        self.assertEqual(titles(r), ["Brand new", "Middling", "Old and loved"])

    def test_best_orders_by_wilson_score_of_all_time(self):
        r = self.client.get("/?tab=best")
        self.assertEqual(titles(r), ["Old and loved", "Middling", "Brand new"])

    def test_popular_weighs_votes_against_age(self):
        # Ten times the net votes are worth 12.5 hours: +3 at 30 days, +1 at 3 days and -1
        # today come in the order of their age.
        r = self.client.get("/?tab=popular")
        self.assertEqual(titles(r), ["Brand new", "Middling", "Old and loved"])
        update_summary(self.mid, created=timezone.now())
        refresh_rankings(everything=True)
        r = self.client.get("/?tab=popular")
        self.assertEqual(titles(r), ["Middling", "Brand new", "Old and loved"])

    def test_popular_follows_a_vote_at_once(self):
        same_time = timezone.now()
        Summary.objects.filter(pk__in=[self.mid.pk, self.new.pk]).update(created=same_time)
        refresh_rankings(everything=True)
        cast_vote(self.dave, summary=self.mid, value=1)  # Middling: +2
        self.assertEqual(titles(self.client.get("/?tab=popular"))[:2], ["Middling", "Brand new"])
        cast_vote(self.bob, summary=self.new, value=1)
        cast_vote(self.dave, summary=self.new, value=1)
        cast_vote(self.alice, summary=self.new, value=1)  # -1 became +1: net +3
        self.assertEqual(titles(self.client.get("/?tab=popular"))[:2], ["Brand new", "Middling"])

    def test_top_recent_counts_votes_and_comments_of_the_last_days_only(self):
        post_comment(self.charlie, self.mid, "A question.")
        post_comment(self.dave, self.mid, "Another.")
        r = self.client.get("/?tab=top")
        # Middling: 1 vote + 2 comments; Brand new: 1 vote; the old votes are 20 days old.
        self.assertEqual(titles(r), ["Middling", "Brand new"])
        self.assertContains(r, "3 recent votes and comments")
        Comment.objects.update(created=timezone.now() - timedelta(days=8))
        # One vote each now: a tie, the last edited first.
        self.assertEqual(titles(self.client.get("/?tab=top")), ["Brand new", "Middling"])
        with self.settings(TOP_RECENT_DAYS=30):
            # Old and loved's 3 votes count now, as many as Middling's vote and 2 comments.
            self.assertEqual(
                titles(self.client.get("/?tab=top")), ["Middling", "Old and loved", "Brand new"]
            )

    def test_top_recent_leaves_out_hidden_and_deleted_comments(self):
        comment = post_comment(self.charlie, self.new, "A question.")
        post_comment(self.dave, self.new, "Another.")
        Comment.objects.filter(pk=comment.pk).update(is_hidden=True)
        r = self.client.get("/?tab=top")
        self.assertEqual([s.activity for s in r.context["page"]], [2, 1])


class FieldFilterTests(BaseTestCase):
    def test_it_lists_only_summaries_of_papers_in_the_field(self):
        make_summary(make_paper("Deep nets", keywords=["cs.LG", "stat.ML"]), self.alice)
        make_summary(make_paper("Strings", keywords=["hep-th"]), self.alice)
        make_summary(make_paper("Mathematical physics", keywords=["math-ph"]), self.alice)
        make_summary(make_paper("Sheaves", keywords=["math.AG"]), self.alice)
        make_summary(make_paper("Genomes", keywords=["q-bio.GN"]), self.alice)
        self.assertEqual(titles(self.client.get("/?field=cs")), ["Deep nets"])
        self.assertEqual(titles(self.client.get("/?field=stat")), ["Deep nets"])
        self.assertEqual(titles(self.client.get("/?field=math")), ["Sheaves"])
        self.assertEqual(titles(self.client.get("/?field=q-bio")), ["Genomes"])
        self.assertEqual(
            sorted(titles(self.client.get("/?field=physics"))), ["Mathematical physics", "Strings"]
        )
        self.assertContains(self.client.get("/?field=econ"), "0 public summaries")

    def test_it_combines_with_every_tab(self):
        make_summary(make_paper("Deep nets", keywords=["cs.LG"]), self.alice)
        make_summary(make_paper("Strings", keywords=["hep-th"]), self.alice)
        for tab in ("recent", "popular", "best"):
            with self.subTest(tab=tab):
                self.assertEqual(titles(self.client.get(f"/?tab={tab}&field=physics")), ["Strings"])


class PrivacyTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        paper = make_paper("Shared paper")
        self.public = make_summary(paper, self.alice, "Public words.")
        self.private = make_summary(paper, self.bob, "Private words.", visibility="private")
        self.hidden = make_summary(make_paper("Hidden one"), self.bob, "Hidden words.")
        self.hidden.is_hidden = True
        self.hidden.save(update_fields=["is_hidden"])
        self.anonymous = make_summary(make_paper("Unsigned"), self.charlie, is_anonymous=True)
        # Activity on every one of them, so that each tab would list them all.
        for summary in (self.public, self.anonymous):
            cast_vote(self.bob, summary=summary, value=1)
        Summary.objects.filter(pk__in=[self.private.pk, self.hidden.pk]).update(
            upvotes=50, wilson=0.99, hot=1e9
        )
        Vote.objects.create(user=self.alice, summary=self.private, value=1, created=timezone.now())
        Vote.objects.create(user=self.alice, summary=self.hidden, value=1, created=timezone.now())

    def test_no_tab_lists_private_or_hidden_summaries_to_anyone(self):
        for who in (None, self.alice, self.bob):
            if who:
                self.client.force_login(who)
            for tab in ("recent", "popular", "best", "top"):
                with self.subTest(tab=tab, who=who):
                    r = self.client.get(f"/?tab={tab}")
                    self.assertNotContains(r, "Private words")
                    self.assertNotContains(r, "Hidden words")
                    self.assertNotContains(r, "Hidden one")
                    self.assertEqual(r.context["public_count"], 2)

    def test_an_anonymous_summary_is_listed_as_by_anonymous_on_every_tab(self):
        for tab in ("recent", "popular", "best", "top"):
            with self.subTest(tab=tab):
                r = self.client.get(f"/?tab={tab}")
                self.assertContains(r, "by Anonymous")
                self.assertNotContains(r, "charlie")


class QueryCountTests(BaseTestCase):
    def queries_for(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def add_summary(self, user, n: int) -> None:
        summary = make_summary(make_paper(f"Paper {n}", keywords=["cs.LG"]), user)
        voter = self.bob if user != self.bob else self.alice
        cast_vote(voter, summary=summary, value=1)
        post_comment(voter, summary, "Hm.")

    def test_every_tab_takes_the_same_queries_for_one_or_many_summaries(self):
        self.add_summary(self.alice, 0)
        urls = [
            f"/?tab={tab}&field={field}"
            for tab in ("recent", "popular", "best", "top")
            for field in ("", "cs")
        ]
        few = {url: self.queries_for(url) for url in urls}
        for n in range(1, 6):
            self.add_summary(make_user(f"writer{n}"), n)
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.queries_for(url), few[url])
                self.assertEqual(few[url], 2)  # the count and the page

    def test_a_member_sees_the_same_number_of_queries_for_many(self):
        self.client.force_login(self.charlie)
        self.add_summary(self.alice, 0)
        few = self.queries_for("/?tab=top")
        for n in range(1, 6):
            self.add_summary(make_user(f"writer{n}"), n)
        self.assertEqual(self.queries_for("/?tab=top"), few)


class PaginationTests(BaseTestCase):
    def test_it_shows_thirty_a_page_and_links_the_next_keeping_the_tab(self):
        papers = [make_paper(f"Paper {n:02d}") for n in range(31)]
        for n, paper in enumerate(papers):
            make_summary(paper, make_user(f"w{n}"))
        r = self.client.get("/?tab=best")
        self.assertEqual(len(r.context["page"]), 30)
        self.assertContains(r, '<a rel="next" href="?tab=best&amp;page=2">Next</a>', html=True)
        r = self.client.get("/?tab=best&page=2")
        self.assertEqual(len(r.context["page"]), 1)
        self.assertEqual(self.client.get("/?page=99").context["page"].number, 2)
