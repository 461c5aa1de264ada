from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.discovery.reading import SUMMARIES_PER_PAGE
from shortscience.lib.records import AuthorInfo
from shortscience.papers.models import Author, Paper, load_details
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user


class PaperPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper(
            "Attention Is All You Need",
            authors=["Ashish Vaswani", "Noam Shazeer"],
            abstract="The dominant models use $O(n^2)$ attention.",
            identifiers={
                "arxiv": "1706.03762v7",
                "doi": "10.5555/3295222.3295349",
                "dblp": "conf/nips/VaswaniSPUJGKP17",
            },
        )

    def test_it_shows_the_paper_as_shortscience_did(self):
        r = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<h1", count=1)
        self.assertContains(r, "Attention Is All You Need")
        self.assertContains(r, "Ashish Vaswani</a>, <a ")
        self.assertContains(r, ">Noam Shazeer</a>")
        self.assertContains(r, "NeurIPS - 2017</a> via arXiv")
        self.assertContains(r, "cs.LG")
        self.assertContains(r, 'First published: <time datetime="2017-06-12">2017/06/12</time>')
        self.assertRegex(r.content.decode(), r"\(\d+ years ago\)")
        # The abstract is collapsible without JavaScript, open as arXiv shows it, and its
        # math is typeset already.
        self.assertContains(r, '<details class="abstract" open>')
        self.assertContains(r, 'class="katex"')
        self.assertContains(r, "https://arxiv.org/abs/1706.03762v7")
        self.assertContains(r, "https://arxiv.org/pdf/1706.03762v7")
        self.assertContains(r, "https://doi.org/10.5555/3295222.3295349")
        self.assertContains(r, "https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17")

    def test_it_invites_a_summary_when_there_is_none(self):
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, "No summaries of this paper yet")
        self.assertContains(r, '<meta name="robots" content="noindex">')

    def test_it_lists_public_summaries_with_byline_and_links(self):
        s = make_summary(self.paper, self.alice, "Alice says $a+b$.")
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, "Alice Aumann")
        self.assertContains(r, s.get_absolute_url())
        self.assertContains(r, f"/summary/{s.pk}/source")
        self.assertContains(r, 'class="katex"')
        self.assertNotContains(r, "noindex")

    def test_it_shows_the_edit_link_to_the_owner_only(self):
        make_summary(self.paper, self.alice)
        edit = f'/paper/{self.paper.pk}/summary/edit">edit</a>'
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.paper.get_absolute_url()), edit)
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(self.paper.get_absolute_url()), edit)
        self.client.logout()
        self.assertNotContains(self.client.get(self.paper.get_absolute_url()), edit)

    def test_it_hides_an_anonymous_authors_name(self):
        make_summary(self.paper, self.alice, "Secretly written.", is_anonymous=True)
        for viewer in (None, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(self.paper.get_absolute_url())
            self.assertContains(r, "Anonymous")
            self.assertContains(r, "Secretly written.")
            self.assertNotContains(r, "Alice Aumann")
            self.assertNotContains(r, "alice")

    def test_it_shows_a_private_summary_to_its_author_only(self):
        make_summary(self.paper, self.alice, "My private notes on attention.", visibility="private")
        self.assertNotContains(self.client.get(self.paper.get_absolute_url()), "private notes")
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(self.paper.get_absolute_url()), "private notes")
        self.client.force_login(self.alice)
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, "private notes")
        self.assertContains(r, '<span class="badge">private</span>')

    def test_it_redirects_a_wrong_slug_to_the_canonical_url(self):
        r = self.client.get(f"/paper/{self.paper.pk}/wrong-title")
        self.assertRedirects(r, self.paper.get_absolute_url(), status_code=301)
        r = self.client.get(f"/paper/{self.paper.pk}")
        self.assertRedirects(r, self.paper.get_absolute_url(), status_code=301)

    def test_it_gives_404_for_an_unknown_paper(self):
        self.assertEqual(self.client.get("/paper/999999/x").status_code, 404)

    def test_it_runs_the_same_number_of_queries_for_one_or_many_summaries(self):
        make_summary(self.paper, self.alice)
        self.client.force_login(self.bob)
        url = self.paper.get_absolute_url()
        self.client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for i in range(12):
            make_summary(self.paper, make_user(f"writer{i}"), f"Summary number {i} with $x_{i}$.")
        with CaptureQueriesContext(connection) as many:
            r = self.client.get(url)
        self.assertContains(r, "Summary number 11")
        self.assertEqual(len(one), len(many))
        # session, user, paper, authors, keywords, identifiers, summaries, the reader's votes,
        # the inbox's unread count, whether the reader follows the paper, related papers.
        self.assertLessEqual(len(many), 11)


class PaperPageSummaryPagesTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Much Summarised")
        self.writers = [make_user(f"pager{i}") for i in range(SUMMARIES_PER_PAGE + 3)]
        for i, writer in enumerate(self.writers):
            make_summary(self.paper, writer, f"Summary text {i:02d}.")

    def test_a_page_holds_at_most_twenty_summaries_and_links_to_the_rest(self):
        first = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(first.content.count(b"Summary text "), SUMMARIES_PER_PAGE)
        self.assertContains(first, 'rel="next" href="?page=2"')
        second = self.client.get(self.paper.get_absolute_url(), {"page": 2})
        self.assertEqual(second.content.count(b"Summary text "), 3)
        self.assertContains(second, 'rel="prev" href="?page=1"')
        self.assertNotContains(second, 'rel="next"')
        shown = set(re.findall(rb"Summary text \d\d", first.content + second.content))
        self.assertEqual(len(shown), SUMMARIES_PER_PAGE + 3)

    def test_a_page_past_the_last_is_not_found_and_a_bad_number_means_the_first(self):
        url = self.paper.get_absolute_url()
        self.assertEqual(self.client.get(url, {"page": 3}).status_code, 404)
        self.assertEqual(self.client.get(url, {"page": "x"}).status_code, 200)

    def test_a_writer_whose_summary_is_on_another_page_is_offered_to_edit_it(self):
        self.client.force_login(self.writers[-1])
        pages = [self.client.get(self.paper.get_absolute_url(), {"page": n}) for n in (1, 2)]
        for page in pages:
            self.assertContains(page, "Edit your summary")


class PaperDetailsTests(BaseTestCase):
    """with_details() loads what the relations hold, in one statement for the three, and the
    paper's methods read it the same way."""

    def setUp(self):
        super().setUp()
        self.first = make_paper(
            "Attention Is All You Need",
            authors=["Noam Shazeer", "Ashish Vaswani", "Niki Parmar"],
            keywords=["stat.ML", "cs.LG", "cs.CL"],
            identifiers={"arxiv": "1706.03762v7", "doi": "10.5555/3295222.3295349"},
        )
        self.second = make_paper("Deep Residual Learning", authors=["Kaiming He"])
        self.bare = make_paper("A Paper With Nothing", authors=[], keywords=[], identifiers={})

    def read(self, paper):
        return (
            [(a.pk, a.name) for a in paper.ordered_authors],
            [k.name for k in paper.keyword_list],
            sorted((i.kind, i.value, i.display) for i in paper.identifier_list),
            paper.outbound_links(),
            paper.identifier("doi") and paper.identifier("doi").value,
            paper.venue.name if paper.venue else None,
        )

    def test_it_reads_the_same_as_the_relations_in_two_queries(self):
        ids = [self.first.pk, self.second.pk, self.bare.pk]
        expected = {p.pk: self.read(p) for p in Paper.objects.filter(pk__in=ids)}
        with CaptureQueriesContext(connection) as queries:
            papers = Paper.objects.filter(pk__in=ids).with_details()
            got = {p.pk: self.read(p) for p in papers}
        self.assertEqual(len(queries), 2)
        self.assertEqual(got, expected)
        self.assertEqual(
            [name for _, name in got[self.first.pk][0]],
            ["Noam Shazeer", "Ashish Vaswani", "Niki Parmar"],
        )
        self.assertEqual(got[self.first.pk][1], ["cs.CL", "cs.LG", "stat.ML"])
        self.assertEqual(got[self.bare.pk][:3], ([], [], []))

    def test_it_reads_many_papers_in_batches(self):
        papers = Paper.objects.filter(pk__in=[self.first.pk, self.second.pk]).select_related(
            "venue"
        )
        papers = list(papers)
        with CaptureQueriesContext(connection) as queries:
            load_details(papers, batch=1)
        self.assertEqual(len(queries), 2)
        self.assertEqual({len(p.ordered_authors) for p in papers}, {3, 1})

    def test_a_field_it_does_not_read_loads_on_first_use(self):
        Author.objects.filter(name="Kaiming He").update(match_name="Kaiming He 0001")
        (paper,) = Paper.objects.filter(pk=self.second.pk).with_details()
        self.assertEqual(paper.ordered_authors[0].match_name, "Kaiming He 0001")

    def test_changing_the_authors_or_identifiers_is_seen_at_once(self):
        (paper,) = Paper.objects.filter(pk=self.second.pk).with_details()
        self.assertIsNone(paper.identifier("doi"))
        paper.add_identifier("doi", "10.1109/CVPR.2016.90")
        self.assertEqual(paper.identifier("doi").value, "10.1109/cvpr.2016.90")
        paper.set_authors([AuthorInfo(name="Xiangyu Zhang")])
        self.assertEqual([a.name for a in paper.ordered_authors], ["Xiangyu Zhang"])
