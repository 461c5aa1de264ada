"""The page cache's promise, write by write: a visitor who is not logged in sees any change
within PAGE_CACHE_VERSION_SECONDS on every page that shows it.

Each test is one write path of the site, made as on another app server (this process is
not told; it learns of the change only from its once-a-second read of the log, as every
other server does), against the pages that show what it changed. Every page is cached
first (and checked not to show the change yet); one second later each must show it.
"""

from __future__ import annotations

import re
import tempfile
from io import StringIO
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from shortscience.accounts import services as accounts
from shortscience.accounts.permissions import MODERATORS_GROUP
from shortscience.community import services as community
from shortscience.community.models import Vote
from shortscience.lib.records import PaperRecord
from shortscience.library.bulk import BulkWriter
from shortscience.library.services import merge_papers, undo_merge, upsert_paper
from shortscience.members import services as members
from shortscience.moderation import services as moderation
from shortscience.papers.models import MergeLog, Paper, Venue
from shortscience.ranking import viewcount
from shortscience.summaries import services as summaries
from shortscience.summaries.models import Summary
from shortscience.summaries.rankings import refresh_rankings
from shortscience.test import make_comment, make_paper, make_summary, make_user
from shortscience.web.changes import versions
from shortscience.web.models import ContentChange
from shortscience.web.tests.helpers import PageCacheTestCase


def has(text: str):
    return lambda response: response.status_code == 200 and text in response.content.decode()


def lacks(text: str):
    return lambda response: response.status_code == 200 and text not in response.content.decode()


def member_row(username: str, *, reputation: str = r"-?\d+", summaries: str | int = r"\d+"):
    """The directory's row of a member, with their reputation and summary count."""
    pattern = re.compile(
        rf'/u/{username}">[^<]*</a></td>\s*<td>{reputation}</td>\s*<td>{summaries}</td>'
    )
    return lambda response: (
        response.status_code == 200 and bool(pattern.search(response.content.decode()))
    )


def gone(response) -> bool:
    return response.status_code in (301, 302, 404)


class FreshnessTests(PageCacheTestCase):
    def setUp(self):
        super().setUp()
        viewcount.reset()  # views counted by other tests' pages must not move the rankings
        self.addCleanup(viewcount.reset)
        self.dora = make_user("dora", display_name="Dora Moderator")
        self.dora.groups.add(Group.objects.get(name=MODERATORS_GROUP))
        self.paper = self.write(
            make_paper, "Freshness of Cached Pages", authors=["Ada Lovelace", "Grace Hopper"]
        )
        self.other = self.write(make_paper, "An Unrelated Paper", keywords=["cs.CV"])
        self.summary = self.write(
            make_summary, self.paper, self.alice, "Alice explains the okapi result."
        )
        self.comment = self.write(make_comment, self.summary, self.charlie, "Charlie's quokka.")
        author = self.paper.ordered_authors[0]
        self.urls = {
            "paper": self.paper.get_absolute_url(),
            "summary": self.summary.get_absolute_url(),
            "history": f"/summary/{self.summary.pk}/history",
            "source": f"/summary/{self.summary.pk}/source",
            "home": "/",
            "popular": "/?tab=popular",
            "venue": "/venues/conf/nips",
            "venues": "/venues",
            "keyword": "/keyword/cs.LG",
            "year": "/year/2017",
            "author": f"/author/{author.pk}/ada-lovelace",
            "profile": "/u/alice",
            "charlie": "/u/charlie",
            "directory": "/users",
            "feed": "/feed.atom",
            "paper_feed": f"/feeds/paper/{self.paper.pk}",
            "user_feed": "/feeds/user/alice",
            "search": "/search?q=okapi",
            "bibtex": f"/paper/{self.paper.pk}/bibtex",
            "sitemap": "/sitemap-papers.xml",
            "log": "/moderation/log",
        }

    def on_another_server(self, write, *args, **kwargs):
        """Make the write without telling this process: it learns of it as any other app
        server does, from the log at its next read. The write's transaction commits (its
        on-commit work runs) as in a request."""
        with mock.patch.object(versions, "saw"), mock.patch.object(versions, "sync"):
            return self.write(write, *args, **kwargs)

    def assertSeenWithinTheSecond(self, write, expectations):
        """`expectations`: (page, seen) pairs, `seen(response)` True once the change shows."""
        for page, seen in expectations:
            url = self.urls.get(page, page)
            before = self.client.get(url)
            self.assertFalse(seen(before), f"{url} shows the change before the write")
            if before.status_code == 200:
                self.assertEqual(self.client.get(url)["X-Cache"], "hit", f"{url} not cached")
        write()
        self.clock += settings.PAGE_CACHE_VERSION_SECONDS + 0.01
        for page, seen in expectations:
            url = self.urls.get(page, page)
            self.assertTrue(seen(self.client.get(url)), f"{url} does not show the change")

    # -- summaries ----------------------------------------------------------------------

    def test_a_new_summary(self):
        def write():
            self.on_another_server(make_summary, self.paper, self.bob, "Bob's numbat reading.")

        seen = has("numbat")
        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", seen),
                ("home", seen),
                ("feed", seen),
                ("paper_feed", seen),
                ("venue", has("all 2 summaries")),
                ("keyword", has("all 2 summaries")),
                ("year", has("all 2 summaries")),
                ("/u/bob", seen),
                ("/feeds/user/bob", seen),
                ("/search?q=numbat", has("Freshness of Cached Pages")),
                ("directory", member_row("bob", summaries=1)),
            ],
        )

    def test_an_edited_summary(self):
        def write():
            self.on_another_server(make_summary, self.paper, self.alice, "Alice rewrote: wombat.")

        seen = has("wombat")
        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", seen),
                ("summary", seen),
                ("history", seen),
                ("source", seen),
                ("home", seen),
                ("venue", seen),
                ("profile", seen),
                ("feed", seen),
                ("user_feed", seen),
                ("/search?q=wombat", has("Freshness of Cached Pages")),
            ],
        )

    def test_a_summary_made_private(self):
        def write():
            self.on_another_server(
                make_summary,
                self.paper,
                self.alice,
                "Alice explains the okapi result.",
                visibility="private",
            )

        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", lacks("okapi")),
                ("summary", gone),
                ("home", lacks("okapi")),
                ("venue", lacks("Freshness of Cached Pages")),
                ("profile", lacks("okapi")),
                ("feed", lacks("okapi")),
                ("search", lacks("Alice Aumann")),
                ("sitemap", lacks(self.urls["paper"])),
            ],
        )

    def test_a_draft_published(self):
        draft = self.write(
            make_summary, self.other, self.bob, "A draft about pangolins.", visibility="private"
        )

        def write():
            self.on_another_server(
                summaries.save_summary,
                paper=self.other,
                user=self.bob,
                body=draft.body,
                visibility="public",
                is_anonymous=False,
            )

        seen = has("pangolins")
        self.assertSeenWithinTheSecond(
            write, [(self.other.get_absolute_url(), seen), ("home", seen), ("/u/bob", seen)]
        )

    def test_a_summary_made_anonymous(self):
        def write():
            self.on_another_server(
                make_summary,
                self.paper,
                self.alice,
                "Alice explains the okapi result.",
                is_anonymous=True,
            )

        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", lacks("Alice Aumann")),
                ("summary", lacks("Alice Aumann")),
                ("home", lacks("Alice Aumann")),
                ("profile", lacks("okapi")),
                ("user_feed", lacks("okapi")),
            ],
        )

    def test_a_vote_on_a_summary(self):
        def write():
            self.on_another_server(community.cast_vote, self.bob, summary=self.summary, value=1)

        seen = has('title="1 up, 0 down"')
        self.assertSeenWithinTheSecond(
            write, [("paper", seen), ("summary", seen), ("home", has("1 point"))]
        )

    def test_a_vote_over_http(self):
        voter = Client()
        voter.force_login(self.bob)

        def write():
            response = self.on_another_server(
                voter.post, f"/summary/{self.summary.pk}/vote", {"value": "-1"}
            )
            self.assertEqual(response.status_code, 302)

        seen = has('title="0 up, 1 down"')
        self.assertSeenWithinTheSecond(write, [("paper", seen), ("summary", seen)])

    def test_the_popular_order_recomputed(self):
        other = self.write(make_summary, self.other, self.bob, "Bob's capybara.")
        # Keys left behind by an older formula: the newer summary ranks last until recomputed.
        Summary.objects.filter(pk=other.pk).update(hot=-1000)

        def capybara_first(response) -> bool:
            page = response.content.decode()
            return response.status_code == 200 and page.find("capybara") < page.find("okapi")

        def write():
            self.on_another_server(refresh_rankings, everything=True)

        self.assertSeenWithinTheSecond(write, [("popular", capybara_first)])

    # -- comments -----------------------------------------------------------------------

    def test_a_new_comment(self):
        def write():
            self.on_another_server(make_comment, self.summary, self.bob, "Bob's axolotl remark.")

        self.assertSeenWithinTheSecond(
            write,
            [
                ("summary", has("axolotl")),
                ("paper", has("2 comments")),
                ("home", has("2 comments")),
                ("/u/bob", has("axolotl")),
            ],
        )

    def test_an_edited_comment(self):
        def write():
            self.on_another_server(community.edit_comment, self.charlie, self.comment, "Tapir!")

        self.assertSeenWithinTheSecond(
            write, [("summary", has("Tapir")), ("charlie", has("Tapir"))]
        )

    def test_a_comment_deleted_by_its_author(self):
        def write():
            self.on_another_server(community.delete_comment, self.charlie, self.comment)

        self.assertSeenWithinTheSecond(
            write,
            [
                ("summary", lacks("quokka")),
                ("paper", has("0 comments")),
                ("home", has("0 comments")),
                ("charlie", lacks("quokka")),
            ],
        )

    def test_a_vote_on_a_comment(self):
        def write():
            self.on_another_server(community.cast_vote, self.bob, comment=self.comment, value=1)

        self.assertSeenWithinTheSecond(write, [("summary", has('title="1 up, 0 down"'))])

    # -- moderation ---------------------------------------------------------------------

    def test_a_summary_hidden_then_restored_by_a_moderator(self):
        def hide():
            self.on_another_server(
                moderation.hide, moderator=self.dora, target=self.summary, reason="Spam."
            )

        self.assertSeenWithinTheSecond(
            hide,
            [
                ("paper", lacks("okapi")),
                ("summary", gone),
                ("home", lacks("okapi")),
                ("profile", lacks("okapi")),
                ("venue", lacks("Freshness of Cached Pages")),
                ("log", has("Spam.")),
            ],
        )

        def restore():
            self.on_another_server(
                moderation.restore, moderator=self.dora, target=self.summary, reason="Fine."
            )

        self.assertSeenWithinTheSecond(
            restore,
            [("paper", has("okapi")), ("home", has("okapi")), ("log", has("Fine."))],
        )

    def test_a_summary_deleted_by_a_moderator(self):
        def write():
            self.on_another_server(
                moderation.delete, moderator=self.dora, target=self.summary, reason="Copied."
            )

        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", lacks("okapi")),
                ("home", lacks("okapi")),
                ("venue", lacks("Freshness of Cached Pages")),
                ("sitemap", lacks(self.urls["paper"])),
                ("log", has("Copied.")),
            ],
        )

    def test_a_comment_hidden_by_a_moderator(self):
        def write():
            self.on_another_server(
                moderation.hide, moderator=self.dora, target=self.comment, reason="Rude."
            )

        self.assertSeenWithinTheSecond(
            write,
            [
                ("summary", lacks("quokka")),
                ("paper", has("0 comments")),
                ("charlie", lacks("quokka")),
                ("log", has("Rude.")),
            ],
        )

    def test_a_comment_deleted_by_a_moderator(self):
        def write():
            self.on_another_server(
                moderation.delete, moderator=self.dora, target=self.comment, reason="Off."
            )

        self.assertSeenWithinTheSecond(write, [("summary", lacks("quokka")), ("log", has("Off."))])

    def test_a_ban_and_dismissed_reports(self):
        moderation.report(reporter=self.bob, target=self.charlie, reason="spam")

        def write():
            self.on_another_server(
                moderation.dismiss, moderator=self.dora, target=self.charlie, reason="No spam."
            )
            self.on_another_server(
                moderation.ban, moderator=self.dora, user=self.bob, reason="Vote ring."
            )

        self.assertSeenWithinTheSecond(
            write, [("log", has("No spam.")), ("log", has("Vote ring."))]
        )

    def test_two_papers_merged_then_the_merge_undone(self):
        twin = self.write(make_paper, "Freshness Of Cached Pages (twin)")
        self.write(make_summary, twin, self.bob, "Bob on the twin: a dugong.")
        twin_url = twin.get_absolute_url()

        def merge():
            self.on_another_server(
                moderation.merge,
                moderator=self.dora,
                kept=self.paper,
                merged=twin,
                reason="The same paper.",
            )

        self.assertSeenWithinTheSecond(
            merge,
            [
                ("paper", has("dugong")),
                (twin_url, gone),
                ("log", has("The same paper.")),
            ],
        )

        def undo():
            self.on_another_server(undo_merge, MergeLog.objects.get())

        self.assertSeenWithinTheSecond(
            undo, [("paper", lacks("dugong")), (twin_url, has("dugong"))]
        )

    # -- papers -------------------------------------------------------------------------

    def test_a_paper_updated_by_its_source(self):
        record = PaperRecord(
            title="Freshness of Cached Pages, Revised",
            authors=["Ada Lovelace", "Grace Hopper"],
            abstract="We study things with $x^2$.",
            year=2017,
            venue_key="conf/nips",
            venue_name="NeurIPS",
            venue_kind="conference",
            keywords=["cs.LG"],
            source="arXiv",
            identifiers={"arxiv": self.paper.identifier("arxiv").value},
        )

        def write():
            self.on_another_server(upsert_paper, record)

        # The paper's own page moves to its new slug; the others show the new title.
        seen = has("Revised")
        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", gone),
                ("summary", seen),
                ("home", seen),
                ("venue", seen),
                ("keyword", seen),
                ("author", seen),
                ("profile", seen),
                ("feed", seen),
                ("bibtex", seen),
                ("search", seen),
            ],
        )

    def test_papers_imported_in_bulk(self):
        record = PaperRecord(
            title="A Bulk-Imported Sequel",
            authors=["Ada Lovelace"],
            year=2019,
            source="arXiv",
            identifiers={"arxiv": "1905.00001"},
        )

        def write():
            self.on_another_server(BulkWriter().write, [record])

        self.assertSeenWithinTheSecond(write, [("author", has("A Bulk-Imported Sequel"))])

    def test_the_search_index_rebuilt(self):
        def write():
            self.on_another_server(
                call_command, "rebuild_search_index", "--all", stdout=StringIO(), stderr=StringIO()
            )

        # The rebuild finds the same papers: what must hold is that the page is rendered
        # again, which a changed result shows. A paper the index lacked shows the rebuild.
        from shortscience.papers import search_index

        with self.captureOnCommitCallbacks(execute=True):
            search_index.clear()
        self.urls["lost"] = "/search?q=unrelated"
        self.assertSeenWithinTheSecond(write, [("lost", has(self.other.get_absolute_url()))])

    def test_related_papers_computed(self):
        self.write(make_paper, "Cached Pages and Their Freshness")

        def write():
            self.on_another_server(
                call_command, "compute_related", "--all", stdout=StringIO(), stderr=StringIO()
            )

        self.assertSeenWithinTheSecond(write, [("paper", has("Related papers"))])

    def test_a_data_dump_released(self):
        directory = self.enterContext(tempfile.TemporaryDirectory())
        self.enterContext(self.settings(DUMPS_DIR=directory))

        def write():
            self.on_another_server(
                call_command, "export_dump", directory, stdout=StringIO(), stderr=StringIO()
            )

        self.assertSeenWithinTheSecond(write, [("/data", has("summaries-00001.jsonl.gz"))])

    def test_a_venue_renamed_in_the_admin(self):
        admin = make_user("root", is_staff=True, is_superuser=True)
        editor = Client()
        editor.force_login(admin)
        venue = Venue.objects.get(key="conf/nips")

        def write():
            response = self.on_another_server(
                editor.post,
                f"/admin/papers/venue/{venue.pk}/change/",
                {
                    "key": venue.key,
                    "name": "Neural Information Processing Systems",
                    "kind": venue.kind,
                    "aliases": "[]",
                    "doi_prefixes": "[]",
                },
            )
            self.assertEqual(response.status_code, 302)

        seen = has("Neural Information Processing Systems")
        self.assertSeenWithinTheSecond(write, [("paper", seen), ("venue", seen), ("venues", seen)])

    def test_markup_rendered_again(self):
        def write():
            with mock.patch(
                "shortscience.lib.markup.render_abstracts",
                lambda texts, **options: ["<p>A new rule.</p>"] * len(texts),
            ):
                self.on_another_server(
                    call_command, "rerender_markup", stdout=StringIO(), stderr=StringIO()
                )

        self.assertSeenWithinTheSecond(write, [("paper", has("A new rule."))])

    def test_markup_rendered_again_by_a_run_interrupted_half_way(self):
        # The abstracts are rendered in the order of their papers: the first is done and said
        # before the run stops on the second.
        first, second = sorted([self.paper, self.other], key=lambda paper: paper.pk)
        rendered = []

        def render_abstracts(texts, **options):
            if rendered:
                raise KeyboardInterrupt
            rendered.extend(texts)
            return ["<p>A new rule.</p>"] * len(texts)

        def write():
            with (
                mock.patch("shortscience.lib.markup.render_abstracts", render_abstracts),
                mock.patch(
                    "shortscience.summaries.management.commands.rerender_markup.SAY_EVERY", 1
                ),
                self.assertRaises(KeyboardInterrupt),
            ):
                self.on_another_server(
                    call_command,
                    "rerender_markup",
                    "--missing-abstracts",
                    stdout=StringIO(),
                    stderr=StringIO(),
                )

        Paper.objects.filter(pk__in=[first.pk, second.pk]).update(abstract_html="")
        self.assertSeenWithinTheSecond(write, [(first.get_absolute_url(), has("A new rule."))])

    # -- members ------------------------------------------------------------------------

    def test_a_member_renamed(self):
        def write():
            self.on_another_server(
                accounts.update_profile, self.alice, display_name="Alice Renamed", bio="", orcid=""
            )

        seen = has("Alice Renamed")
        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", seen),
                ("summary", seen),
                ("home", seen),
                ("venue", seen),
                ("profile", seen),
                ("directory", seen),
                ("feed", seen),
                ("user_feed", seen),
                ("search", seen),
            ],
        )

    def test_a_commenters_rename_shows_in_the_thread(self):
        def write():
            self.on_another_server(
                accounts.update_profile, self.charlie, display_name="Chuck", bio="", orcid=""
            )

        self.assertSeenWithinTheSecond(write, [("summary", has("Chuck"))])

    def test_reputation_recomputed(self):
        self.write(community.cast_vote, self.bob, summary=self.summary, value=1)
        Vote.objects.update(created=Vote.objects.get().created.replace(year=2020))

        def write():
            self.on_another_server(community.refresh_reputation)

        self.assertSeenWithinTheSecond(
            write,
            [
                ("profile", has("reputation <strong>1</strong>")),
                ("directory", member_row("alice", reputation=1)),
            ],
        )

    def test_a_new_member_signing_up(self):
        newcomer = Client()

        def write():
            response = self.on_another_server(
                newcomer.post,
                "/accounts/signup/",
                {
                    "email": "eve@example.org",
                    "username": "eve",
                    "password1": "a long pass phrase",
                    "password2": "a long pass phrase",
                },
            )
            self.assertEqual(response.status_code, 302)

        self.assertSeenWithinTheSecond(write, [("directory", has("/u/eve"))])

    def test_an_account_closed_keeping_its_work(self):
        def write():
            self.on_another_server(members.delete_account, user=self.alice, keep_content=True)

        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", lacks("Alice Aumann")),
                ("home", lacks("Alice Aumann")),
                ("profile", gone),
                ("directory", lacks("Alice Aumann")),
            ],
        )

    def test_an_account_closed_with_its_work(self):
        def write():
            self.on_another_server(members.delete_account, user=self.charlie, keep_content=False)
            self.on_another_server(members.delete_account, user=self.alice, keep_content=False)

        self.assertSeenWithinTheSecond(
            write,
            [
                ("paper", lacks("okapi")),
                ("home", lacks("okapi")),
                ("venue", lacks("Freshness of Cached Pages")),
                ("directory", lacks("Alice Aumann")),
            ],
        )

    # -- the rest -----------------------------------------------------------------------

    def test_pages_refreshed_by_hand_after_a_write_in_sql(self):
        def write():
            Summary.objects.filter(pk=self.summary.pk).update(
                body_html="<p>Fixed by hand: an aardvark.</p>"
            )
            self.on_another_server(call_command, "refresh_pages", stdout=StringIO())

        self.assertSeenWithinTheSecond(write, [("paper", has("aardvark"))])

    def test_a_merge_in_the_admin_and_the_importer(self):
        twin = self.write(make_paper, "Freshness of Cached Pages, Again")
        self.write(make_summary, twin, self.bob, "A manatee.")

        def write():
            self.on_another_server(merge_papers, self.paper, twin, reason="importer")

        self.assertSeenWithinTheSecond(write, [("paper", has("manatee"))])


class WhatIsNotSaidTests(PageCacheTestCase):
    """A change is itself visible (a page is rendered again): it must not tell more than
    the pages do. A private summary's life says nothing; an anonymous one never names its
    author."""

    def setUp(self):
        super().setUp()
        self.paper = self.write(make_paper, "Quiet Paper")

    def said(self, function, *args, **kwargs) -> set[str]:
        ContentChange.objects.all().delete()
        self.write(function, *args, **kwargs)
        return set(ContentChange.objects.values_list("tag", flat=True))

    def test_a_private_summary_written_edited_shared_and_unshared_says_nothing(self):
        self.assertEqual(
            self.said(make_summary, self.paper, self.alice, "Draft one.", visibility="private"),
            set(),
        )
        summary = Summary.objects.get()
        self.assertEqual(
            self.said(make_summary, self.paper, self.alice, "Draft two.", visibility="private"),
            set(),
        )
        self.assertEqual(self.said(summaries.share, summary), set())
        self.assertEqual(self.said(summaries.unshare, summary), set())

    def test_an_anonymous_summary_its_votes_and_its_authors_comments_name_nobody(self):
        anonymous = self.write(
            make_summary, self.paper, self.alice, "Who wrote this?", is_anonymous=True
        )
        for said in (
            self.said(make_summary, self.paper, self.alice, "Edited.", is_anonymous=True),
            self.said(community.cast_vote, self.bob, summary=anonymous, value=1),
            self.said(make_comment, anonymous, self.alice, "The author answers."),
        ):
            self.assertNotIn(f"member:{self.alice.pk}", said)
            self.assertIn(f"paper:{self.paper.pk}", said)

    def test_a_comment_under_a_private_summary_says_nothing(self):
        private = self.write(
            make_summary, self.paper, self.alice, "Only mine.", visibility="private"
        )
        self.assertEqual(self.said(make_comment, private, self.alice, "A note to self."), set())
