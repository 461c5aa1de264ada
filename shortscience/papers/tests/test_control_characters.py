"""Characters neither XML nor HTML can carry (lib/text.py) never reach a stored paper: every
importer's PaperRecord cleans its text, and migration 0010 cleaned the rows imported before
it did."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.test import override_settings

from shortscience.library.services import merge_papers, upsert_paper
from shortscience.papers import search_index
from shortscience.papers.models import Author, Keyword, MergeLog, Paper, Venue
from shortscience.papers.sources import bibtex
from shortscience.search.services import ranked_paper_ids
from shortscience.test import BaseTestCase, make_paper
from shortscience.web.models import ContentChange
from shortscience.web.tests.test_stored_text import CLEAN, DIRTY, storable

migration = import_module("shortscience.papers.migrations.0010_clean_stored_text")

# Two control characters in 400: BibTeX's reader takes text with more than 1% for binary.
PASTED = """@article{lovelace1843,
  title = {Zebra\x01fish Schools},
  author = {Lovelace, Ada and Babbage, Charles},
  journal = {Journal of\x0b Fish},
  abstract = {Zebrafish swim in schools. Schools of zebrafish swim in tanks, and the tanks
    are round; the fish in them swim in circles, which the paper measures, and from the
    circles it reads how the fish in a school follow one another.},
  year = {1843}
}"""


class ImportTests(BaseTestCase):
    def test_a_control_character_in_a_pasted_bibtex_entry_is_stored_cleaned(self):
        [record] = bibtex.parse(PASTED)
        paper, _ = upsert_paper(record)
        paper.refresh_from_db()
        self.assertEqual(paper.title, "Zebrafish Schools")
        self.assertEqual(paper.venue.name, "Journal of Fish")

    def test_every_field_of_a_record_is_stored_cleaned(self):
        paper = make_paper(
            "Zebra\x01fish $x^2$ Schools\x0b",
            authors=["Ada\x01 Lovelace"],
            abstract=DIRTY,
            venue_key="conf/fish",
            venue_name="Fish\x0bConf",
            keywords=["q-bio\x01.PE"],
        )
        paper.refresh_from_db()
        self.assertEqual(paper.title, "Zebrafish $x^2$ Schools")
        self.assertNotIn("\x01", paper.title_html)
        self.assertEqual(paper.abstract, CLEAN)
        self.assertEqual(Author.objects.get(papers=paper).normalized_name, "ada lovelace")
        self.assertEqual(paper.venue.name, "FishConf")
        self.assertEqual([k.name for k in paper.keywords.all()], ["q-bio.PE"])


class MigrationTests(BaseTestCase):
    """The migration's function on rows written past the services, as old rows were."""

    def setUp(self):
        # Committed as it goes: a change said later must not join a batch of these.
        with self.captureOnCommitCallbacks(execute=True):
            super().setUp()
            self.paper = make_paper("Placeholder", keywords=["cs.LG"], authors=["Ada Lovelace"])
            self.other = make_paper("Other", keywords=["cs.AI", "cs.LG"], venue_key="conf/icml")
            self.moved = make_paper("Moved", keywords=["cs.AI"], venue_key="conf/icml")
            self.untouched = make_paper("Clean ° title 😀 \ufffd", venue_key="conf/iclr")
            merge_papers(self.paper, make_paper(), reason="Placeholder.")
        dirty = storable(DIRTY)
        Paper.objects.filter(pk=self.paper.pk).update(
            title="Zebra\x01fish\tSchools\x0b",
            title_html=f"<span>{dirty}</span>",
            abstract=dirty,
            abstract_html=f"<p>{dirty}</p>",
        )
        Author.objects.filter(name="Ada Lovelace").update(
            name="Ada\x01 Love\x0blace", normalized_name="ada\x01 love\x0blace"
        )
        Venue.objects.filter(key="conf/nips").update(name="Neur\x0bIPS")
        # One keyword cleans to another's name, one to a new name, one to nothing.
        Keyword.objects.filter(name="cs.AI").update(name="cs.LG\x01")
        self.renamed = Keyword.objects.create(name="stat\x0b.ML")
        self.renamed.papers.add(self.paper)
        Keyword.objects.create(name="\x01").papers.add(self.paper)
        MergeLog.objects.update(reason=dirty)
        search_index.index_papers([self.paper.pk])  # as an old import indexed it

    def run_migration(self):
        with self.captureOnCommitCallbacks(execute=True):
            migration.clean_stored_text(apps, None)

    def test_it_cleans_titles_abstracts_and_their_html(self):
        self.run_migration()
        self.paper.refresh_from_db()
        self.assertEqual(self.paper.title, "Zebrafish Schools")
        self.assertEqual(self.paper.title_html, f"<span>{CLEAN}</span>")
        self.assertEqual(
            (self.paper.abstract, self.paper.abstract_html), (CLEAN, f"<p>{CLEAN}</p>")
        )

    def test_it_cleans_author_and_venue_names_and_merge_reasons(self):
        self.run_migration()
        author = Author.objects.get(papers=self.paper)
        self.assertEqual((author.name, author.normalized_name), ("Ada Lovelace", "ada lovelace"))
        self.assertEqual(Venue.objects.get(key="conf/nips").name, "NeurIPS")
        self.assertEqual(MergeLog.objects.get().reason, CLEAN)

    def test_a_keyword_cleaning_to_another_ones_name_is_merged_into_it(self):
        self.run_migration()
        self.assertEqual(list(Keyword.objects.values_list("name", flat=True)), ["cs.LG", "stat.ML"])
        # Its papers moved to the other, once each (one had both already).
        for paper in (self.moved, self.other):
            self.assertEqual([k.name for k in paper.keywords.all()], ["cs.LG"])
        self.assertEqual([k.name for k in self.paper.keywords.all()], ["cs.LG", "stat.ML"])
        self.assertEqual(list(Keyword.objects.get(pk=self.renamed.pk).papers.all()), [self.paper])

    def test_it_leaves_clean_rows_as_they_were(self):
        before = Paper.objects.values().get(pk=self.untouched.pk)
        self.run_migration()
        self.assertEqual(Paper.objects.values().get(pk=self.untouched.pk), before)

    def test_the_search_index_holds_the_cleaned_text(self):
        self.assertNotIn(self.paper.pk, ranked_paper_ids("zebrafish"))
        self.run_migration()
        self.assertIn(self.paper.pk, ranked_paper_ids("zebrafish"))
        self.assertIn(self.paper.pk, ranked_paper_ids("lovelace"))

    @override_settings(PAGE_CACHE_SECONDS=600)
    def test_it_says_every_page_changed_and_says_nothing_when_nothing_was_cleaned(self):
        self.run_migration()
        self.assertEqual(set(ContentChange.objects.values_list("tag", flat=True)), {"everything"})
        ContentChange.objects.all().delete()
        self.run_migration()
        self.assertFalse(ContentChange.objects.exists())
