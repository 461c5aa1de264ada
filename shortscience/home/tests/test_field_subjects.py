"""The home page's field filter for papers without arXiv categories: a paper from Crossref,
DBLP or BibTeX carries subjects ("structural biology"), which place it in a field too."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from shortscience.test import BaseTestCase, make_paper, make_summary


def titles(response) -> list[str]:
    return [s.paper.title for s in response.context["page"]]


class FieldSubjectTests(BaseTestCase):
    def test_a_paper_with_a_biology_subject_is_listed_under_biology(self):
        make_summary(
            make_paper("Protein folding", keywords=["structural biology", "machine learning"]),
            self.alice,
        )
        make_summary(make_paper("Deep nets", keywords=["machine learning"]), self.alice)
        self.assertEqual(titles(self.client.get("/?field=q-bio")), ["Protein folding"])
        self.assertEqual(titles(self.client.get("/?field=cs")), [])

    def test_the_demo_library_lists_alphafold_under_biology(self):
        call_command("load_demo", stdout=StringIO())
        r = self.client.get("/?field=q-bio")
        self.assertEqual(
            set(titles(r)), {"Highly accurate protein structure prediction with AlphaFold"}
        )
        self.assertEqual(r.context["public_count"], 2)  # Bruno's and Esther's summaries
