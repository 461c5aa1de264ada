from __future__ import annotations

from datetime import timedelta

from django.test import SimpleTestCase
from django.utils import timezone

from shortscience.community.services import cast_vote
from shortscience.ranking import scores as ranking
from shortscience.ranking.models import DailyViews
from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary


class FieldMappingTests(SimpleTestCase):
    def test_it_maps_arxiv_categories_to_fields_by_prefix(self):
        cases = {
            "cs.LG": "cs",
            "stat.ML": "stat",
            "math.AG": "math",
            "math-ph": "physics",
            "hep-th": "physics",
            "hep-ph": "physics",
            "astro-ph": "physics",
            "astro-ph.CO": "physics",
            "cond-mat.stat-mech": "physics",
            "gr-qc": "physics",
            "quant-ph": "physics",
            "nucl-th": "physics",
            "physics.optics": "physics",
            "nlin.CD": "physics",
            "q-bio.QM": "q-bio",
            "q-fin.ST": "q-fin",
            "eess.SP": "eess",
            "econ.EM": "econ",
            "machine learning": None,
            "": None,
        }
        for category, field in cases.items():
            with self.subTest(category=category):
                self.assertEqual(ranking.field_of(category), field)

    def test_it_maps_subjects_that_name_a_discipline_to_fields(self):
        cases = {
            "structural biology": "q-bio",
            "computational biophysics": "q-bio",
            "protein structure prediction": "q-bio",
            "Bioinformatics": "q-bio",
            "Cellular and Molecular Neuroscience": "q-bio",
            "General Physics and Astronomy": "physics",
            "Statistics and Probability": "stat",
            "statistics": "stat",
            "Applied Mathematics": "math",
            "Economics and Econometrics": "econ",
            "Computer Vision and Pattern Recognition": "cs",
            # Methods say nothing of the field; parts of words do not count.
            "machine learning": None,
            "neural networks": None,
            "biostatistical-ish": None,
            "deep learning": None,
        }
        for subject, field in cases.items():
            with self.subTest(subject=subject):
                self.assertEqual(ranking.field_of(subject), field)

    def test_the_stored_tag_wraps_each_field_in_spaces_once(self):
        self.assertEqual(ranking.fields_tag(["stat.ML", "cs.LG", "cs.AI"]), " cs stat ")
        self.assertEqual(ranking.fields_tag(["physics.optics"]), " physics ")
        self.assertEqual(ranking.fields_tag(["a tag"]), "")
        # AlphaFold's keywords in the demo library (from Crossref: no arXiv category).
        alphafold = [
            "protein structure prediction",
            "structural biology",
            "computational biophysics",
            "machine learning",
        ]
        self.assertEqual(ranking.fields_tag(alphafold), " q-bio ")


class HotnessTests(SimpleTestCase):
    def test_ten_times_the_votes_are_worth_twelve_and_a_half_hours(self):
        now = timezone.now()
        earlier = now - timedelta(seconds=ranking.AGE_UNIT_SECONDS)
        self.assertAlmostEqual(
            ranking.hotness(10, 0, earlier), ranking.hotness(1, 0, now), places=4
        )

    def test_down_votes_push_down_and_views_push_up(self):
        now = timezone.now()
        self.assertLess(ranking.hotness(-5, 0, now), ranking.hotness(0, 0, now))
        self.assertGreater(ranking.hotness(0, 99, now), ranking.hotness(0, 0, now))
        # A view counts for less than a vote.
        self.assertLess(ranking.hotness(0, 10, now), ranking.hotness(10, 0, now))


class StoredKeyTests(BaseTestCase):
    def test_a_saved_summary_stores_its_fields_and_hotness(self):
        summary = make_summary(make_paper(keywords=["hep-th", "math-ph"]), self.alice)
        summary.refresh_from_db()
        self.assertEqual(summary.fields, " physics ")
        self.assertAlmostEqual(summary.hot, ranking.hotness(0, 0, summary.created), places=4)

    def test_a_vote_rewrites_the_hotness_with_todays_views(self):
        summary = make_summary(make_paper(), self.alice)
        DailyViews.objects.create(paper=summary.paper, day=timezone.localdate(), count=99)
        cast_vote(self.bob, summary=summary, value=1)
        cast_vote(self.charlie, summary=summary, value=1)
        summary.refresh_from_db()
        self.assertAlmostEqual(summary.hot, ranking.hotness(2, 99, summary.created), places=4)
        cast_vote(self.charlie, summary=summary, value=0)
        summary.refresh_from_db()
        self.assertAlmostEqual(summary.hot, ranking.hotness(1, 99, summary.created), places=4)

    def test_a_vote_on_a_comment_leaves_the_summary_alone(self):
        from shortscience.community.services import post_comment

        summary = make_summary(make_paper(), self.alice)
        before = Summary.objects.get(pk=summary.pk).hot
        comment = post_comment(self.bob, summary, "Nice.")
        cast_vote(self.charlie, comment=comment, value=1)
        self.assertEqual(Summary.objects.get(pk=summary.pk).hot, before)

    def test_an_edit_keeps_the_age_of_the_first_version(self):
        summary = make_summary(make_paper(), self.alice)
        update_summary(summary, created=timezone.now() - timedelta(days=9))
        edited = make_summary(summary.paper, self.alice, "New words.")
        edited.refresh_from_db()
        self.assertAlmostEqual(edited.hot, ranking.hotness(0, 0, edited.created), places=4)
        self.assertLess(edited.created, timezone.now() - timedelta(days=8))
