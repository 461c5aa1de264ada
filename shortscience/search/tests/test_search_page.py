from __future__ import annotations

from django.db import connection
from django.urls import reverse

from shortscience.search import services
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary

URL = reverse("search:search")


def titles(response) -> list[str]:
    return [hit.paper.title for hit in response.context["results"].hits]


class SearchPageTests(BaseTestCase):
    def test_an_empty_box_shows_the_form_and_no_results(self):
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'name="q"')
        self.assertNotContains(r, "results</p>")

    def test_it_finds_a_paper_by_title_author_abstract_and_venue(self):
        paper = make_paper(
            "Hyperbolic Embeddings of Taxonomies",
            authors=["Maximilian Nickel"],
            abstract="We embed hierarchies into the Poincaré ball.",
            venue_key="conf/icml",
            venue_name="ICML",
        )
        make_paper("Something Else Entirely")
        for q in ["hyperbolic taxonomies", "nickel", "poincare ball", "icml embeddings"]:
            with self.subTest(q=q):
                self.assertEqual(titles(self.client.get(URL, {"q": q})), [paper.title])

    def test_accents_fold_both_ways(self):
        make_paper("Schrödinger Bridges for Generative Modelling")
        make_paper("Plain Schrodinger Equations")
        for q in ["schrodinger", "Schrödinger", "SCHRÖDINGER"]:
            with self.subTest(q=q):
                self.assertEqual(len(titles(self.client.get(URL, {"q": q}))), 2)

    def test_a_word_does_not_match_inside_another_word(self):
        make_paper("Lisp Machines Revisited", abstract="Garbage collection in lisp.")
        self.assertEqual(titles(self.client.get(URL, {"q": "isp"})), [])
        self.assertEqual(len(titles(self.client.get(URL, {"q": "lis*"}))), 1)

    def test_a_plural_finds_the_singular_and_back_and_both_are_marked(self):
        singular = make_paper("A Transformer for Speech", abstract="One graph query.")
        plural = make_paper("Transformers Everywhere", abstract="Many graph queries.")
        for q in ["transformer", "transformers", "Transformers", "queries", '"graph query"']:
            with self.subTest(q=q):
                found = titles(self.client.get(URL, {"q": q}))
                self.assertCountEqual(found, [singular.title, plural.title])
        r = self.client.get(URL, {"q": "transformers"})
        self.assertContains(r, "<mark>Transformer</mark>")
        self.assertContains(r, "<mark>Transformers</mark>")

    def test_a_plural_finds_a_summary_with_the_singular(self):
        paper = make_paper("Attention Is All You Need")
        make_summary(paper, self.alice, "The encoder stacks six identical layer blocks.")
        self.assertEqual(titles(self.client.get(URL, {"q": "encoders"})), [paper.title])

    def test_filters_and_prefixes_are_not_varied(self):
        make_paper("On Jone's Problem", authors=["Ada Jone"])
        make_paper("Networks", authors=["Bob Jones"])
        self.assertEqual(titles(self.client.get(URL, {"q": "author:jones"})), ["Networks"])
        make_paper("Networked Systems")
        self.assertEqual(titles(self.client.get(URL, {"q": "networks*"})), ["Networks"])

    def test_a_phrase_needs_its_words_in_order(self):
        make_paper("Neural Graph Networks")
        make_paper("Graph Neural Networks")
        self.assertEqual(
            titles(self.client.get(URL, {"q": '"graph neural"'})), ["Graph Neural Networks"]
        )

    def test_a_title_match_ranks_above_an_author_match_above_an_abstract_match(self):
        abstract_only = make_paper("Another Study", abstract="Results on wavelets here.")
        by_author = make_paper("A Third Study", authors=["Ingrid Wavelets"])
        in_title = make_paper("Wavelets in Practice", abstract="Results.")
        r = self.client.get(URL, {"q": "wavelets"})
        self.assertEqual(titles(r), [in_title.title, by_author.title, abstract_only.title])

    def test_a_paper_found_through_a_summary_ranks_below_one_found_by_its_own_text(self):
        own = make_paper("Spectral Clustering Today", abstract="Clustering.")
        other = make_paper("Unrelated Title", abstract="Nothing here.")
        make_summary(other, self.alice, body="This paper is really about spectral clustering.")
        r = self.client.get(URL, {"q": "spectral clustering"})
        self.assertEqual(titles(r), [own.title, other.title])
        hit = r.context["results"].hits[1]
        self.assertIsNotNone(hit.summary)
        self.assertContains(r, "<mark>spectral</mark>")

    def test_filters_narrow_by_author_venue_year_and_category(self):
        a = make_paper(
            "Graphs One",
            authors=["Thomas Kipf"],
            year=2017,
            keywords=["cs.LG"],
            venue_key="conf/iclr",
            venue_name="ICLR",
        )
        b = make_paper("Graphs Two", authors=["Max Welling"], year=2019, keywords=["stat.ML"])
        cases = {
            "graphs author:kipf": [a],
            'graphs author:"max welling"': [b],
            "graphs venue:iclr": [a],
            "graphs year:2019": [b],
            "graphs year:2016-2018": [a],
            "graphs category:stat.ML": [b],
            "category:cs.LG": [a],
            "author:kipf year:2019": [],
        }
        for q, want in cases.items():
            with self.subTest(q=q):
                self.assertEqual(titles(self.client.get(URL, {"q": q})), [p.title for p in want])

    def test_a_paper_found_through_a_summary_must_pass_the_filters_too(self):
        kipf = make_paper("First Paper", authors=["Thomas Kipf"], year=2017)
        other = make_paper("Second Paper", authors=["Max Welling"], year=2019)
        make_summary(kipf, self.alice, body="about okapi herds")
        make_summary(other, self.alice, body="about okapi herds")
        for q, want in {
            "okapi author:kipf": [kipf],
            "okapi author:welli*": [other],
            "okapi year:2019": [other],
            "okapi category:cs.LG": [other, kipf],
            "okapi venue:nowhere": [],
        }.items():
            with self.subTest(q=q):
                self.assertEqual(titles(self.client.get(URL, {"q": q})), [p.title for p in want])

    def test_an_author_filter_does_not_read_the_title(self):
        make_paper("On Kipf Networks", authors=["Ada Lovelace"])
        self.assertEqual(titles(self.client.get(URL, {"q": "author:kipf"})), [])

    def test_a_known_identifier_goes_straight_to_its_paper(self):
        paper = make_paper(
            "Attention Is All You Need",
            identifiers={
                "arxiv": "1706.03762v5",
                "doi": "10.5555/3295222.3295349",
                "dblp": "conf/nips/VaswaniSPUJGKP17",
            },
        )
        for q in [
            "1706.03762",
            "arXiv:1706.03762v2",
            "https://arxiv.org/abs/1706.03762",
            "10.5555/3295222.3295349",
            "https://doi.org/10.5555/3295222.3295349",
            "conf/nips/VaswaniSPUJGKP17",
        ]:
            with self.subTest(q=q):
                r = self.client.get(URL, {"q": q})
                self.assertEqual(r.status_code, 302)
                self.assertEqual(r["Location"], paper.get_absolute_url())

    def test_an_unknown_identifier_says_so_instead_of_redirecting(self):
        r = self.client.get(URL, {"q": "2101.00001"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "No paper with the identifier")

    def test_titles_and_abstracts_are_escaped_in_highlights(self):
        make_paper(
            "<script>alert(1)</script> Kernels",
            abstract='Kernels <img src=x onerror="alert(2)"> everywhere.',
        )
        r = self.client.get(URL, {"q": "kernels"})
        self.assertNotContains(r, "<script>alert(1)")
        self.assertNotContains(r, "<img src=x")
        self.assertContains(r, "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Kernels</mark>")

    def test_snippets_show_formulas_as_text_and_no_markdown(self):
        paper = make_paper(
            "Variational Lower Bounds",
            abstract=r"We bound $\mathbb{E}_{q}[\log p(x)]$ by variational means in $O(n^2)$.",
        )
        make_summary(
            paper,
            self.alice,
            "## Idea\n\nA **variational** bound $\\mathcal{L} \\le \\log p(x)$, see `code`.",
        )
        r = self.client.get(URL, {"q": "variational"})
        hit = r.context["results"].hits[0]
        self.assertEqual(
            hit.snippet_html,
            "We bound \U0001d53c_q[log p(x)] by <mark>variational</mark> means in O(n\u00b2).",
        )
        self.assertEqual(
            hit.summary_snippet_html,
            "Idea \u2014 A <mark>variational</mark> bound \u2112 \u2264 log p(x), see code.",
        )
        for source in ("$", "\\", "##", "**", "`"):
            self.assertNotIn(source, hit.snippet_html + hit.summary_snippet_html)

    def test_a_tex_command_is_not_a_word_of_a_summary(self):
        make_summary(make_paper(), self.alice, "A bound on $\\mathbb{E}[x]$ here.")
        self.assertEqual(titles(self.client.get(URL, {"q": "mathbb"})), [])

    def test_results_are_paged_and_counted(self):
        for i in range(services.PER_PAGE + 5):
            make_paper(f"Paged Topic Number {i}")
        r = self.client.get(URL, {"q": "paged"})
        self.assertContains(r, f"{services.PER_PAGE + 5} results, page 1 of 2")
        self.assertEqual(len(titles(r)), services.PER_PAGE)
        r2 = self.client.get(URL, {"q": "paged", "page": "2"})
        self.assertEqual(len(titles(r2)), 5)
        self.assertFalse(set(titles(r)) & set(titles(r2)))
        # A page past the end shows the last one; a page that is not a number, the first.
        self.assertEqual(
            self.client.get(URL, {"q": "paged", "page": "99"}).context["results"].page, 2
        )
        self.assertEqual(
            self.client.get(URL, {"q": "paged", "page": "x"}).context["results"].page, 1
        )

    def test_counts_stop_at_the_candidate_bound(self):
        for i in range(6):
            make_paper(f"Capped Topic {i}")
        with self.settings():
            old = services.CANDIDATES
            services.CANDIDATES = 4
            try:
                r = self.client.get(URL, {"q": "capped"})
            finally:
                services.CANDIDATES = old
        self.assertTrue(r.context["results"].capped)
        self.assertContains(r, "4+ results")

    def test_engine_syntax_and_odd_input_never_break_the_page(self):
        make_paper("Robust Parsing")
        for q in [
            '"unbalanced',
            "NEAR(a b",
            "*",
            "-",
            "a OR",
            "^title",
            "{title}:x",
            "'; DROP",
            "title:robust",
            "robust*",
            "ü" * 400,
            "year:1-2",
            'author:""',
        ]:
            with self.subTest(q=q):
                self.assertEqual(self.client.get(URL, {"q": q}).status_code, 200)
        # A NUL is refused in any address (web/requests.py), with a reason.
        self.assertContains(self.client.get(URL, {"q": "a\x00b"}), "NUL", status_code=400)

    def test_a_bad_filter_says_why(self):
        r = self.client.get(URL, {"q": "graphs year:someday"})
        self.assertContains(r, "year: takes a year or a range")

    def test_the_page_runs_a_fixed_number_of_queries_for_one_or_many_hits(self):
        def count_queries(q: str) -> int:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                self.client.get(URL, {"q": q})
            return len(ctx.captured_queries)

        self.client.get(URL, {"q": "warm"})  # PostgreSQL reads its statistics once a while
        p = make_paper("Constant Alpha", authors=["A One", "A Two", "A Three"])
        make_summary(p, self.alice, body="constant beta")
        one = count_queries("constant")
        for i in range(8):
            other = make_paper(f"Constant Gamma {i}", authors=[f"B {i}", f"C {i}"])
            make_summary(other, self.bob, body="constant delta")
        self.assertEqual(count_queries("constant"), one)
        # SQLite: three tiers, summaries. PostgreSQL: one message holding the planner
        # setting and one statement for the short fields, whole documents and summaries (an
        # ASCII word is folded without a round trip). Then papers, their authors, the
        # summaries with their users.
        index_queries = 4 if connection.vendor == "sqlite" else 1
        with self.assertNumQueries(index_queries + 3):
            self.client.get(URL, {"q": "constant"})


class SearchPrivacyTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Quiet Paper", abstract="Nothing.")

    def test_a_private_summary_is_never_found(self):
        make_summary(self.paper, self.alice, body="zebrafish secrets", visibility="private")
        for user in [None, self.alice, self.bob]:
            with self.subTest(user=user):
                if user:
                    self.client.force_login(user)
                r = self.client.get(URL, {"q": "zebrafish"})
                self.assertEqual(titles(r), [])
                self.assertNotContains(r, "secrets")

    def test_a_summary_made_private_or_hidden_leaves_the_results_at_once(self):
        summary = make_summary(self.paper, self.alice, body="zebrafish findings")
        self.assertEqual(titles(self.client.get(URL, {"q": "zebrafish"})), ["Quiet Paper"])
        # A moderator's hide writes the row only; the search's own join keeps it out.
        update_summary(summary, is_hidden=True)
        self.assertEqual(titles(self.client.get(URL, {"q": "zebrafish"})), [])
        # Edited while hidden, then restored: found again.
        make_summary(self.paper, self.alice, body="zebrafish findings, edited")
        self.assertEqual(titles(self.client.get(URL, {"q": "zebrafish"})), [])
        update_summary(summary, is_hidden=False)
        self.assertEqual(titles(self.client.get(URL, {"q": "zebrafish"})), ["Quiet Paper"])
        make_summary(self.paper, self.alice, body="zebrafish findings", visibility="private")
        self.assertEqual(titles(self.client.get(URL, {"q": "zebrafish"})), [])

    def test_an_anonymous_summary_is_found_by_its_words_but_never_names_its_author(self):
        make_summary(self.paper, self.alice, body="axolotl regeneration", is_anonymous=True)
        r = self.client.get(URL, {"q": "axolotl"})
        self.assertEqual(titles(r), ["Quiet Paper"])
        self.assertContains(r, "Anonymous")
        self.assertNotContains(r, "Alice")
        self.assertNotContains(r, "alice")
        for q in ["alice", "aumann", "author:aumann", "axolotl aumann"]:
            with self.subTest(q=q):
                self.assertEqual(titles(self.client.get(URL, {"q": q})), [])

    def test_a_signed_summary_shows_its_byline(self):
        make_summary(self.paper, self.bob, body="axolotl regeneration")
        self.assertContains(self.client.get(URL, {"q": "axolotl"}), "Bob Berners")

    def test_a_merged_paper_is_found_as_the_paper_it_was_merged_into(self):
        from shortscience.library.services import merge_papers

        kept = make_paper("Kept Tapestry Paper")
        gone = make_paper("Merged Tapestry Paper")
        merge_papers(kept, gone, reason="duplicate")
        self.assertEqual(titles(self.client.get(URL, {"q": "tapestry"})), [kept.title])


class HeaderSearchBoxTests(BaseTestCase):
    def test_every_page_has_a_search_box_that_gets_the_search_page(self):
        r = self.client.get("/")
        self.assertContains(r, f'action="{URL}"')
        self.assertContains(r, 'class="header-search" method="get"')
