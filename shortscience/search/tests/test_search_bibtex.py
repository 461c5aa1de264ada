from __future__ import annotations

from shortscience.papers.sources import bibtex as bibtex_source
from shortscience.test import BaseTestCase, make_paper


class SearchBibtexTests(BaseTestCase):
    def test_a_result_page_exports_its_papers_as_bibtex_that_reads_back(self):
        make_paper("Graph Neural Networks for Molecules", authors=["Ada Lovelace"])
        make_paper("Graph Kernels Revisited", authors=["Charles Babbage"])
        make_paper("Unrelated Topic", authors=["Grace Hopper"])
        page = self.client.get("/search", {"q": "graph"})
        self.assertContains(page, "BibTeX of this page")
        response = self.client.get("/search/bibtex", {"q": "graph"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain"))
        records = bibtex_source.parse(response.content.decode())
        self.assertEqual(
            sorted(r.title for r in records),
            ["Graph Kernels Revisited", "Graph Neural Networks for Molecules"],
        )

    def test_no_results_give_an_empty_file_not_an_error(self):
        response = self.client.get("/search/bibtex", {"q": "nothingmatchesthis"})
        self.assertEqual((response.status_code, response.content.strip()), (200, b""))
