"""Every fact about a paper links where a researcher expects, on the paper page and on the
summary permalink (the page people share), and a byline links its member's profile unless
that would name an anonymous author."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.members.services import delete_account
from shortscience.summaries.services import share
from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary, make_user

ABSTRACT = "We bound the error by $\\epsilon^2$ for every $n$."


def paper_with_facts(**kwargs):
    fields = {
        "authors": ["Ada Lovelace", "Charles Babbage"],
        "abstract": ABSTRACT,
        "keywords": ["cs.LG", "I/O"],
        "identifiers": {"arxiv": "1706.03762v7", "doi": "10.5555/3295222.3295349"},
        "links": [{"label": "Code", "url": "https://github.com/example/attention"}],
    }
    fields.update(kwargs)
    return make_paper("Attention Is All You Need", **fields)


class PaperPageLinkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = paper_with_facts()
        self.url = self.paper.get_absolute_url()

    def test_the_authors_link_to_their_author_pages(self):
        ada, charles = self.paper.ordered_authors
        r = self.client.get(self.url)
        self.assertContains(r, f'<a href="/author/{ada.pk}/ada-lovelace">Ada Lovelace</a>')
        self.assertContains(
            r, f'<a href="/author/{charles.pk}/charles-babbage">Charles Babbage</a>'
        )
        self.assertContains(self.client.get(f"/author/{ada.pk}/ada-lovelace"), self.paper.title)

    def test_the_venue_and_year_link_to_the_venues_page_of_that_year(self):
        make_summary(self.paper, self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, '<a href="/venues/conf/nips?year=2017">NeurIPS - 2017</a>')
        self.assertContains(self.client.get("/venues/conf/nips?year=2017"), self.paper.title)

    def test_a_paper_without_a_venue_links_its_year_to_the_years_page(self):
        paper = make_paper("Venueless", venue_key="", venue_name="", year=2019)
        r = self.client.get(paper.get_absolute_url())
        self.assertContains(r, '<a href="/year/2019">2019</a> via arXiv')

    def test_the_keywords_link_to_their_keyword_pages_even_with_a_slash(self):
        make_summary(self.paper, self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, '<a class="keyword" rel="tag" href="/keyword/cs.LG">cs.LG</a>')
        self.assertContains(r, '<a class="keyword" rel="tag" href="/keyword/I/O">I/O</a>')
        for keyword in ("cs.LG", "I/O"):
            page = self.client.get(f"/keyword/{keyword}")
            self.assertContains(page, f"<h1>Papers in {keyword}</h1>")
            self.assertContains(page, self.paper.title)
            self.assertContains(page, f'href="/feeds/keyword/{keyword}"')
        self.assertEqual(self.client.get("/feeds/keyword/I/O").status_code, 200)

    def test_the_abstract_starts_open_and_the_outbound_links_are_there(self):
        r = self.client.get(self.url)
        self.assertContains(r, '<details class="abstract" open>')
        for url in (
            "https://arxiv.org/abs/1706.03762v7",
            "https://arxiv.org/pdf/1706.03762v7",
            "https://doi.org/10.5555/3295222.3295349",
            "https://github.com/example/attention",
        ):
            self.assertContains(r, f'href="{url}"')

    def test_a_signed_summarys_byline_links_to_its_authors_profile(self):
        make_summary(self.paper, self.alice)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(self.url)
            self.assertContains(
                r,
                '<span class="byline"><a href="/u/alice" title="@alice">Alice Aumann</a></span>',
                html=True,
            )

    def test_the_query_count_does_not_grow_with_authors_keywords_or_signed_summaries(self):
        make_summary(self.paper, self.alice)
        self.client.force_login(self.bob)
        self.client.get(self.url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url)
        many = paper_with_facts(
            authors=[f"Author Number{i}" for i in range(12)],
            keywords=[f"kw{i}" for i in range(12)],
        )
        self.assertEqual(many.pk, self.paper.pk)
        for i in range(8):
            make_summary(self.paper, make_user(f"signer{i}"))
        with CaptureQueriesContext(connection) as more:
            r = self.client.get(self.url)
        self.assertContains(r, 'href="/u/signer7"')
        self.assertContains(r, ">Author Number11</a>")
        self.assertEqual(len(few), len(more), [q["sql"] for q in more.captured_queries])


class AnonymousBylineTests(BaseTestCase):
    """alice wrote the summary anonymously and comments under it; bob comments too."""

    def setUp(self):
        super().setUp()
        self.paper = paper_with_facts()
        self.summary = make_summary(self.paper, self.alice, "Unsigned.", is_anonymous=True)
        make_comment(self.summary, self.alice, "The author answers.")
        make_comment(self.summary, self.bob, "Bob asks.")

    def test_its_byline_is_no_link_and_names_nobody_on_the_paper_page_or_the_permalink(self):
        for viewer in (None, self.bob, self.charlie):
            if viewer:
                self.client.force_login(viewer)
            for url in (self.paper.get_absolute_url(), self.summary.get_absolute_url()):
                html = self.client.get(url).content.decode()
                self.assertIn('<span class="byline">Anonymous</span>', html, url)
                self.assertNotIn("alice", html.lower(), url)
                self.assertNotIn("Aumann", html, url)

    def test_the_authors_comment_under_it_is_no_link_and_others_link_their_profile(self):
        r = self.client.get(self.summary.get_absolute_url())
        self.assertContains(
            r, """<span class="byline">Anonymous (the summary's author)</span>""", html=True
        )
        self.assertContains(
            r,
            '<span class="byline"><a href="/u/bob" title="@bob">Bob Berners</a></span>',
            html=True,
        )

    def test_a_member_who_left_is_no_link(self):
        signed = make_summary(make_paper(), self.bob, "Signed by Bob.")
        make_comment(signed, self.charlie, "A comment kept.")
        delete_account(user=self.charlie, keep_content=True)
        html = self.client.get(signed.get_absolute_url()).content.decode()
        self.assertIn(
            '<span class="byline"><a href="/u/bob" title="@bob">Bob Berners</a></span>', html
        )
        self.assertIn('<span class="byline">[deleted]</span>', html)
        self.assertNotIn('href="/u/deleted-', html)


class PermalinkHeaderTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = paper_with_facts()
        self.summary = make_summary(self.paper, self.alice, "A reading by Alice.")

    def assertShowsTheHeader(self, r):
        ada = self.paper.ordered_authors[0]
        self.assertContains(r, f'<a href="{self.paper.get_absolute_url()}">{self.paper.title}</a>')
        self.assertContains(r, f'<a href="/author/{ada.pk}/ada-lovelace">Ada Lovelace</a>')
        self.assertContains(r, '<a href="/venues/conf/nips?year=2017">NeurIPS - 2017</a>')
        self.assertContains(r, 'href="/keyword/cs.LG"')
        for label, url in (
            ("arXiv", "https://arxiv.org/abs/1706.03762v7"),
            ("PDF", "https://arxiv.org/pdf/1706.03762v7"),
            ("DOI", "https://doi.org/10.5555/3295222.3295349"),
            ("Code", "https://github.com/example/attention"),
        ):
            self.assertContains(r, f'<a href="{url}" rel="nofollow noopener">{label}</a>')
        # The abstract, typeset, folded away: the summary is what the page is for.
        self.assertContains(r, '<details class="abstract">')
        self.assertContains(r, "We bound the error by")
        self.assertContains(r, 'class="katex"')
        self.assertContains(r, '<div class="summary-body markup"><p>A reading')

    def test_the_permalink_shows_the_papers_header_above_the_summary(self):
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(self.summary.get_absolute_url())
            self.assertShowsTheHeader(r)
            html = r.content.decode()
            self.assertLess(html.index('class="abstract"'), html.index('class="summary-body'))

    def test_a_private_summary_read_by_its_share_link_shows_it_too(self):
        private = make_summary(self.paper, self.bob, "A reading by Bob.", visibility="private")
        token = share(private).share_token
        r = self.client.get(f"{private.get_absolute_url()}?share={token}")
        self.assertShowsTheHeader(r)

    def test_its_query_count_does_not_grow_with_authors_keywords_or_links(self):
        url = self.summary.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        paper_with_facts(
            authors=[f"Author Number{i}" for i in range(12)],
            keywords=[f"kw{i}" for i in range(12)],
            identifiers={"arxiv": "1706.03762v7", "dblp": "conf/nips/VaswaniSPUJGKP17"},
        )
        with CaptureQueriesContext(connection) as more:
            r = self.client.get(url)
        self.assertContains(r, ">Author Number11</a>")
        self.assertContains(r, "https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17")
        self.assertEqual(len(few), len(more), [q["sql"] for q in more.captured_queries])


class ListBylineTests(BaseTestCase):
    def test_bylines_in_lists_link_to_profiles_and_an_anonymous_one_does_not(self):
        # Lists show one summary a paper: one paper each.
        make_summary(make_paper("Bylines in Lists"), self.alice, "Alice, signed: lists.")
        make_summary(
            make_paper("Unsigned Lists"), self.bob, "Bob, unsigned: lists.", is_anonymous=True
        )
        for url in ("/", "/venues/conf/nips", "/year/2017", "/keyword/cs.LG", "/search?q=lists"):
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                self.assertIn('href="/u/alice"', html)
                self.assertNotIn("/u/bob", html)
                self.assertNotIn("Bob Berners", html)
