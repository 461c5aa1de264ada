from __future__ import annotations

from django.test import override_settings

from shortscience.discovery import bibtex
from shortscience.papers.models import Paper
from shortscience.papers.sources import bibtex as bibtex_source
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary

ROOT = "https://shortscience.example"


def with_details(paper: Paper) -> Paper:
    return Paper.objects.get_with_details(pk=paper.pk)


class BibtexWriterTests(BaseTestCase):
    def test_it_escapes_every_special_character(self):
        self.assertEqual(
            bibtex.escape(r"{a} 50% & $x$ #1 a_b ~ ^ \ é"),
            r"\{a\} 50\% \& \$x\$ \#1 a\_b \textasciitilde{} \textasciicircum{} \textbackslash{} é",
        )

    def test_math_in_a_title_goes_out_as_braced_tex_and_a_literal_dollar_escaped(self):
        self.assertEqual(
            bibtex.protect_title(r"The $k$-Means of $x_{i}^2$ cost \$5 or 5$"),
            r"The {$k$}-Means of {$x_{i}^2$} cost \$5 or 5\$",
        )

    def test_it_braces_acronyms_in_titles_but_not_capitalised_words(self):
        self.assertEqual(
            bibtex.protect_title("BERT: pre-training of Deep  Transformers"),
            "{BERT}: pre-training of Deep Transformers",
        )

    def test_keys_are_surname_year_and_first_word_folded_to_ascii(self):
        paper = make_paper("The Élan of Things", authors=["Jörg Müller-Lüdenscheidt"])
        self.assertEqual(bibtex.key_for(with_details(paper)), "mullerludenscheidt2017elan")

    def test_a_key_leaves_out_what_the_paper_lacks(self):
        paper = make_paper("Of Mice", authors=[], year=None, published=None)
        self.assertEqual(bibtex.key_for(with_details(paper)), "mice")
        nothing = make_paper("Über", authors=[], year=None, published=None)
        self.assertEqual(bibtex.key_for(with_details(nothing)), "uber")
        symbols = make_paper("∑ ∏", authors=[], year=None, published=None)
        self.assertEqual(bibtex.key_for(with_details(symbols)), f"paper{symbols.pk}")

    def test_keys_that_clash_in_one_file_get_the_paper_id(self):
        a = make_paper("Attention Is All You Need", authors=["Ashish Vaswani"])
        b = make_paper("Attention Again", authors=["Ashish Vaswani"])
        c = make_paper("Something Else", authors=["Ashish Vaswani"])
        text = bibtex.entries([with_details(a), with_details(b), with_details(c)])
        self.assertIn(f"{{vaswani2017attention_{a.pk},", text)
        self.assertIn(f"{{vaswani2017attention_{b.pk},", text)
        self.assertIn("{vaswani2017something,", text)

    def test_a_conference_paper_is_inproceedings_and_a_journal_paper_an_article(self):
        conf = bibtex.entry(with_details(make_paper("A")))
        self.assertTrue(conf.startswith("@inproceedings{"))
        self.assertIn("booktitle     = {NeurIPS}", conf)
        journal = bibtex.entry(
            with_details(
                make_paper("B", venue_key="journals/jmlr", venue_name="JMLR", venue_kind="journal")
            )
        )
        self.assertTrue(journal.startswith("@article{"))
        self.assertIn("journal       = {JMLR}", journal)
        preprint = bibtex.entry(
            with_details(
                make_paper("C", venue_key="journals/corr", venue_name="CoRR", venue_kind="preprint")
            )
        )
        self.assertTrue(preprint.startswith("@misc{"))
        self.assertNotIn("CoRR", preprint)


class BibtexRoundTripTests(BaseTestCase):
    def test_the_projects_own_bibtex_reader_reads_back_every_field(self):
        paper = make_paper(
            "BERT: Pre-training {Deep} 50% & $x_1^{2}$ costs \\$5 #1 ~ ^ \\ a_b für Zoë",
            authors=["Jacob Devlin", "Ming-Wei Chang", "Kristina Toutanová"],
            identifiers={"arxiv": "1810.04805v2", "doi": "10.18653/v1/N19-1423"},
            extra={"primary_category": "cs.CL"},
        )
        text = bibtex.entry(with_details(paper))
        [record] = bibtex_source.parse(text)
        self.assertEqual(record.title, paper.title)
        self.assertEqual(
            [a.name for a in record.authors],
            ["Jacob Devlin", "Ming-Wei Chang", "Kristina Toutanová"],
        )
        self.assertEqual(record.year, 2017)
        self.assertEqual(record.venue_name, "NeurIPS")
        self.assertEqual(record.venue_kind, "conference")
        self.assertEqual(record.identifiers["doi"], "10.18653/v1/N19-1423")
        self.assertEqual(record.identifiers["arxiv"], "1810.04805")
        self.assertIn("primaryClass  = {cs.CL}", text)
        self.assertIn("archivePrefix = {arXiv}", text)
        self.assertIn("url           = {https://arxiv.org/abs/1810.04805}", text)
        self.assertEqual(record.extra["bibtex_key"], "devlin2017bert")

    def test_a_brace_with_no_partner_reads_back_as_itself(self):
        paper = make_paper("Sets {a, b and } c} of Things")
        [record] = bibtex_source.parse(bibtex.entry(with_details(paper)))
        self.assertEqual(record.title, paper.title)

    def test_a_venue_year_export_reads_back_as_the_same_papers(self):
        papers = [make_paper(f"Paper Number {i}") for i in range(3)]
        for p in papers:
            make_summary(p, self.alice)
        r = self.client.get("/venue/bibtex?key=conf/nips&year=2017")
        records = bibtex_source.parse(r.content)
        self.assertEqual(sorted(r.title for r in records), [p.title for p in papers])


@override_settings(SITE_ROOT=ROOT)
class PaperBibtexViewTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", authors=["Ashish Vaswani"])

    def test_it_answers_plain_utf8_text_to_everyone(self):
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(f"/paper/{self.paper.pk}/bibtex")
            self.assertEqual(r.status_code, 200)
            self.assertEqual(r["Content-Type"], "text/plain; charset=utf-8")
            self.assertTrue(r.content.decode().startswith("@inproceedings{vaswani2017attention,"))

    def test_a_paper_without_identifiers_links_to_its_page(self):
        paper = make_paper("Plain", identifiers={})
        r = self.client.get(f"/paper/{paper.pk}/bibtex")
        self.assertRegex(
            r.content.decode(), rf"\n  url +\= \{{{ROOT}{paper.get_absolute_url()}\}}\n"
        )

    def test_an_unknown_paper_is_a_404(self):
        self.assertEqual(self.client.get("/paper/999999/bibtex").status_code, 404)

    def test_a_merged_paper_redirects_to_the_one_it_was_merged_into(self):
        merged = make_paper("Duplicate")
        Paper.objects.filter(pk=merged.pk).update(merged_into=self.paper)
        r = self.client.get(f"/paper/{merged.pk}/bibtex")
        self.assertRedirects(r, f"/paper/{self.paper.pk}/bibtex", status_code=301)

    def test_it_runs_a_fixed_number_of_queries(self):
        with self.assertNumQueries(2):  # paper+venue; authors, keywords and identifiers
            self.client.get(f"/paper/{self.paper.pk}/bibtex")


class VenueBibtexViewTests(BaseTestCase):
    def test_it_exports_the_summarised_papers_of_a_venue_and_year(self):
        shown = make_paper("Summarised")
        make_summary(shown, self.alice)
        make_paper("Not summarised")
        private = make_paper("Privately summarised")
        make_summary(private, self.alice, visibility="private")
        hidden = make_paper("Hidden summary")
        s = make_summary(hidden, self.bob)
        update_summary(s, is_hidden=True)
        other_year = make_paper("Other year", year=2018, published=None)
        make_summary(other_year, self.alice)
        r = self.client.get("/venue/bibtex?key=conf/nips&year=2017")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual([rec.title for rec in bibtex_source.parse(r.content)], ["Summarised"])

    def test_it_asks_for_a_year(self):
        make_paper()
        r = self.client.get("/venue/bibtex?key=conf/nips")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "Say which year", status_code=400)
        r = self.client.get("/venue/bibtex?key=conf/nips&year=abc")
        self.assertEqual(r.status_code, 400)

    def test_an_unknown_venue_is_a_404(self):
        self.assertEqual(self.client.get("/venue/bibtex?key=conf/nope&year=2017").status_code, 404)
        self.assertEqual(self.client.get("/venue/bibtex").status_code, 404)

    def test_it_runs_the_same_number_of_queries_for_one_or_many_papers(self):
        make_summary(make_paper(), self.alice)
        # venue; papers; their authors, keywords and identifiers
        with self.assertNumQueries(3):
            self.client.get("/venue/bibtex?key=conf/nips&year=2017")
        for _ in range(4):
            make_summary(make_paper(), self.bob)
        with self.assertNumQueries(3):
            r = self.client.get("/venue/bibtex?key=conf/nips&year=2017")
        self.assertEqual(len(bibtex_source.parse(r.content)), 5)
