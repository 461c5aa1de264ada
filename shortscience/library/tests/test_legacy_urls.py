from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary


class LegacyPaperUrlTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.zeiler = make_paper(
            "Visualizing and Understanding Convolutional Networks",
            identifiers={
                "arxiv": "1311.2901v3",
                "dblp": "journals/corr/ZeilerF13",
                "doi": "10.1007/978-3-319-10590-1_53",
            },
        )
        self.old = make_paper("An Old-Style Preprint", identifiers={"arxiv": "hep-th/9901001"})
        self.canonical = self.zeiler.get_absolute_url()

    def assertLegacyRedirect(self, key, target):
        r = self.client.get("/paper", {"bibtexKey": key})
        self.assertRedirects(r, target, status_code=301, fetch_redirect_response=False)

    def test_a_dblp_key_redirects_to_the_paper(self):
        self.assertLegacyRedirect("journals/corr/ZeilerF13", self.canonical)

    def test_a_corr_key_with_an_arxiv_id_redirects_to_the_paper(self):
        self.assertLegacyRedirect("journals/corr/1311.2901", self.canonical)
        self.assertLegacyRedirect("journals/corr/abs-1311-2901", self.canonical)

    def test_an_arxiv_id_with_or_without_version_redirects(self):
        self.assertLegacyRedirect("1311.2901", self.canonical)
        self.assertLegacyRedirect("1311.2901v1", self.canonical)
        self.assertLegacyRedirect("arXiv:1311.2901", self.canonical)
        self.assertLegacyRedirect("hep-th/9901001", self.old.get_absolute_url())

    def test_an_arxiv_url_redirects(self):
        self.assertLegacyRedirect("https://arxiv.org/abs/1311.2901v3", self.canonical)
        self.assertLegacyRedirect("http://arxiv.org/pdf/1311.2901.pdf", self.canonical)
        self.assertLegacyRedirect(
            "https://arxiv.org/abs/hep-th/9901001", self.old.get_absolute_url()
        )

    def test_a_doi_in_any_case_redirects(self):
        self.assertLegacyRedirect("10.1007/978-3-319-10590-1_53", self.canonical)
        self.assertLegacyRedirect(
            "doi:10.1007/978-3-319-10590-1_53".upper().replace("DOI:", "doi:"), self.canonical
        )
        self.assertLegacyRedirect("https://doi.org/10.1007/978-3-319-10590-1_53", self.canonical)

    def test_the_a_parameter_goes_to_that_users_summary(self):
        summary = make_summary(self.zeiler, self.alice)
        r = self.client.get("/paper", {"bibtexKey": "journals/corr/ZeilerF13", "a": "alice"})
        self.assertRedirects(
            r, summary.get_absolute_url(), status_code=301, fetch_redirect_response=False
        )

    def test_the_a_parameter_does_not_unmask_an_anonymous_summary(self):
        make_summary(self.zeiler, self.alice, is_anonymous=True)
        r = self.client.get("/paper", {"bibtexKey": "journals/corr/ZeilerF13", "a": "alice"})
        self.assertRedirects(r, self.canonical, status_code=301, fetch_redirect_response=False)

    def test_the_a_parameter_does_not_reveal_a_private_summary(self):
        make_summary(self.zeiler, self.alice, visibility="private")
        r = self.client.get("/paper", {"bibtexKey": "journals/corr/ZeilerF13", "a": "alice"})
        self.assertRedirects(r, self.canonical, status_code=301, fetch_redirect_response=False)

    def test_an_unknown_key_says_the_paper_is_not_in_the_library_yet(self):
        r = self.client.get("/paper", {"bibtexKey": "journals/corr/NoSuchPaper99"})
        self.assertContains(r, "not in the library yet", status_code=404)
        self.assertContains(r, "journals/corr/NoSuchPaper99", status_code=404)

    def test_a_missing_key_is_a_404(self):
        self.assertEqual(self.client.get("/paper").status_code, 404)

    def test_a_hostile_key_is_escaped(self):
        r = self.client.get("/paper", {"bibtexKey": "<script>alert(1)</script>"})
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(r, "<script>alert(1)</script>", status_code=404)
