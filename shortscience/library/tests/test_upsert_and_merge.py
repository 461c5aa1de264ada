from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model

from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.library.services import MergeConflict, merge_papers, undo_merge, upsert_paper
from shortscience.papers.models import Author, MergeLog, Paper, Venue
from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase, make_summary


def arxiv_record(**kwargs) -> PaperRecord:
    fields = dict(
        title="Attention Is All You Need",
        authors=["Ashish Vaswani", "Noam Shazeer"],
        abstract="The dominant sequence transduction models...",
        published=date(2017, 6, 12),
        venue_key="journals/corr",
        venue_name="arXiv",
        venue_kind="preprint",
        keywords=["cs.CL", "cs.LG"],
        source="arXiv",
        identifiers={"arxiv": "1706.03762v5"},
    )
    fields.update(kwargs)
    return PaperRecord(**fields)


def dblp_record(**kwargs) -> PaperRecord:
    fields = dict(
        title="Attention is All you Need.",
        authors=[
            AuthorInfo("Ashish Vaswani", match_name="Ashish Vaswani"),
            AuthorInfo("Noam Shazeer"),
        ],
        year=2017,
        venue_key="conf/nips",
        venue_name="NIPS",
        venue_kind="conference",
        source="DBLP",
        identifiers={"dblp": "conf/nips/VaswaniSPUJGKP17"},
    )
    fields.update(kwargs)
    return PaperRecord(**fields)


class UpsertTests(BaseTestCase):
    def test_a_new_record_creates_a_paper_with_every_field(self):
        paper, status = upsert_paper(arxiv_record())
        self.assertEqual(status, "created")
        self.assertEqual(paper.year, 2017)
        self.assertEqual(
            [a.name for a in paper.ordered_authors], ["Ashish Vaswani", "Noam Shazeer"]
        )
        self.assertEqual(paper.identifier("arxiv").display, "1706.03762v5")
        self.assertEqual(paper.venue.kind, Venue.Kind.PREPRINT)
        self.assertEqual(paper.match_key, "attentionisallyouneed|vaswani|2017")

    def test_the_same_record_again_changes_nothing(self):
        upsert_paper(arxiv_record())
        _, status = upsert_paper(arxiv_record())
        self.assertEqual(status, "unchanged")
        self.assertEqual(Paper.objects.count(), 1)
        self.assertEqual(Author.objects.count(), 2)

    def test_a_newer_version_from_the_same_source_updates_in_place(self):
        upsert_paper(arxiv_record())
        paper, status = upsert_paper(
            arxiv_record(identifiers={"arxiv": "1706.03762v7"}, abstract="Revised.")
        )
        self.assertEqual(status, "updated")
        self.assertEqual(paper.identifier("arxiv").display, "1706.03762v7")
        self.assertEqual(paper.abstract, "Revised.")
        self.assertEqual(Paper.objects.count(), 1)

    def test_a_dblp_record_of_the_same_paper_is_matched_by_title_author_and_year(self):
        arxiv_paper, _ = upsert_paper(arxiv_record())
        paper, status = upsert_paper(dblp_record())
        self.assertEqual(paper.pk, arxiv_paper.pk)
        self.assertEqual(status, "updated")
        self.assertEqual(Paper.objects.count(), 1)
        # The published venue replaces the preprint server; arXiv's abstract and title stay.
        self.assertEqual(paper.venue.key, "conf/nips")
        self.assertEqual(paper.title, "Attention Is All You Need")
        self.assertEqual(paper.abstract, "The dominant sequence transduction models...")
        self.assertEqual(
            sorted(paper.identifiers.values_list("kind", flat=True)), ["arxiv", "dblp"]
        )
        self.assertEqual(Paper.objects.by_identifier("conf/nips/VaswaniSPUJGKP17"), paper)

    def test_a_different_year_is_a_different_paper(self):
        upsert_paper(arxiv_record())
        upsert_paper(dblp_record(year=2019, identifiers={"dblp": "conf/x/Other19"}))
        self.assertEqual(Paper.objects.count(), 2)

    def test_a_record_naming_two_papers_merges_them(self):
        a, _ = upsert_paper(arxiv_record())
        b, _ = upsert_paper(
            dblp_record(title="Another title", identifiers={"doi": "10.5555/3295222.3295349"})
        )
        make_summary(b, self.alice, "On the DOI record.")
        paper, _ = upsert_paper(
            arxiv_record(identifiers={"arxiv": "1706.03762v5", "doi": "10.5555/3295222.3295349"})
        )
        self.assertEqual(paper.pk, a.pk)
        b.refresh_from_db()
        self.assertEqual(b.merged_into, a)
        self.assertEqual(Summary.objects.get(user=self.alice).paper, a)
        self.assertEqual(MergeLog.objects.get().by, None)
        r = self.client.get(b.get_absolute_url())
        self.assertRedirects(r, a.get_absolute_url(), status_code=301)

    def test_a_record_without_a_title_is_refused_and_nothing_is_written(self):
        with self.assertRaises(ImportFailed):
            upsert_paper(arxiv_record(title="  "))
        self.assertEqual(Paper.objects.count(), 0)

    def test_authors_are_shared_by_orcid(self):
        upsert_paper(arxiv_record(authors=[AuthorInfo("A. Vaswani", orcid="0000-0002-1825-0097")]))
        upsert_paper(
            dblp_record(
                title="Other",
                year=2020,
                identifiers={"dblp": "conf/x/V20"},
                authors=[AuthorInfo("Ashish Vaswani", orcid="0000-0002-1825-0097")],
            )
        )
        self.assertEqual(Author.objects.filter(orcid="0000-0002-1825-0097").count(), 1)


class MergeTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.kept, _ = upsert_paper(arxiv_record())
        self.merged, _ = upsert_paper(
            dblp_record(title="Different", year=2018, identifiers={"dblp": "conf/nips/X18"})
        )
        self.summary = make_summary(self.merged, self.bob, "Bob on the duplicate.")

    def test_merging_keeps_every_identifier_and_summary_and_redirects(self):
        log = merge_papers(self.kept, self.merged, reason="duplicate", by=self.alice)
        self.assertEqual(Paper.objects.by_identifier("conf/nips/X18"), self.kept)
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.paper, self.kept)
        self.assertEqual(log.by, self.alice)
        self.assertRedirects(
            self.client.get(self.merged.get_absolute_url()),
            self.kept.get_absolute_url(),
            status_code=301,
        )
        self.assertContains(self.client.get(self.kept.get_absolute_url()), "Bob on the duplicate.")

    def test_a_merge_can_be_undone_from_its_log(self):
        log = merge_papers(self.kept, self.merged, reason="duplicate")
        undo_merge(log)
        self.assertEqual(Paper.objects.by_identifier("conf/nips/X18"), self.merged)
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.paper, self.merged)
        self.assertEqual(self.client.get(self.merged.get_absolute_url()).status_code, 200)
        with self.assertRaises(MergeConflict):
            undo_merge(log)

    def test_two_summaries_by_one_writer_stop_the_merge_and_nothing_moves(self):
        make_summary(self.kept, self.bob, "Bob on the original.")
        with self.assertRaises(MergeConflict) as caught:
            merge_papers(self.kept, self.merged, reason="duplicate")
        self.assertIn("bob", str(caught.exception))
        self.assertEqual(Paper.objects.by_identifier("conf/nips/X18"), self.merged)
        self.assertIsNone(Paper.objects.get(pk=self.merged.pk).merged_into)

    def test_the_admin_merges_selected_papers_and_undoes_from_the_log(self):
        admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
        self.client.force_login(admin)
        r = self.client.post(
            "/admin/papers/paper/",
            {"action": "merge_into_oldest", "_selected_action": [self.kept.pk, self.merged.pk]},
        )
        self.assertEqual(r.status_code, 302)
        log = MergeLog.objects.get()
        self.assertEqual((log.kept, log.merged, log.by), (self.kept, self.merged, admin))
        self.client.post(
            "/admin/papers/mergelog/", {"action": "undo", "_selected_action": [log.pk]}
        )
        log.refresh_from_db()
        self.assertIsNotNone(log.undone)
        self.assertIsNone(Paper.objects.get(pk=self.merged.pk).merged_into)


class VenueTests(BaseTestCase):
    def test_a_venue_name_met_under_a_known_key_becomes_an_alias_that_finds_it_later(self):
        upsert_paper(dblp_record())  # conf/nips named "NIPS"
        upsert_paper(
            dblp_record(
                title="Other",
                year=2019,
                identifiers={"dblp": "conf/nips/O19"},
                venue_name="NeurIPS",
            )
        )
        venue = Venue.objects.get(key="conf/nips")
        self.assertEqual((venue.name, venue.aliases), ("NIPS", ["NeurIPS"]))
        paper, _ = upsert_paper(
            dblp_record(
                title="Third",
                year=2020,
                venue_key="",
                venue_name="NeurIPS",
                identifiers={"doi": "10.1234/x"},
            )
        )
        self.assertEqual(paper.venue, venue)

    def test_a_venue_is_found_by_the_doi_prefix_an_admin_gave_it(self):
        venue = Venue.objects.create(
            key="journals/pami", name="IEEE TPAMI", kind="journal", doi_prefixes=["10.1109/TPAMI"]
        )
        paper, _ = upsert_paper(
            dblp_record(
                title="A PAMI paper",
                venue_key="",
                venue_name="",
                identifiers={"doi": "10.1109/tpami.2020.1"},
            )
        )
        self.assertEqual(paper.venue, venue)

    def test_a_malformed_identifier_is_dropped_and_the_rest_kept(self):
        paper, _ = upsert_paper(
            arxiv_record(identifiers={"arxiv": "1706.03762", "doi": "not-a-doi"})
        )
        self.assertEqual(list(paper.identifiers.values_list("kind", flat=True)), ["arxiv"])
