from __future__ import annotations

from pathlib import Path

from shortscience.papers.models import Paper
from shortscience.test import BaseTestCase, RecordedServer, make_paper

# The recorded responses and sample files live with the source parsers that read them.
DATA = Path(__file__).resolve().parents[2] / "papers" / "tests" / "data"
ATOM = "application/atom+xml; charset=utf-8"


def arxiv_answer(name: str) -> bytes:
    return (DATA / "arxiv" / "current_2026" / name).read_bytes()


class AddPaperTests(BaseTestCase):
    url = "/papers/add"

    def serve(self, body: bytes, status: int = 200):
        server = RecordedServer({"/api/query": (status, body, ATOM)})
        server.__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        self.enterContext(self.settings(ARXIV_API_URL=server.url + "/api/query"))
        return server

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        self.assertIn("/accounts/login/", self.client.get(self.url)["Location"])
        self.assertIn(
            "/accounts/login/", self.client.post(self.url, {"q": "1707.08567"})["Location"]
        )

    def test_a_member_sees_the_parsed_paper_before_saving_then_saves_it(self):
        server = self.serve(arxiv_answer("id_1707.08567_s0_m100_6a1afebfc6a3.xml"))
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"q": "https://arxiv.org/abs/1707.08567"})
        self.assertContains(r, "Found 1 new paper")
        self.assertIn("id_list=1707.08567", server.requests[0]["path"])
        self.assertIn("mailto:", server.requests[0]["headers"]["User-Agent"])
        self.assertEqual(Paper.objects.count(), 0)  # nothing saved by a look-up
        confirm = r.context["confirm"]
        r = self.client.post(self.url, {"confirm": confirm})
        paper = Paper.objects.get()
        self.assertRedirects(r, paper.get_absolute_url())
        self.assertEqual(paper.identifier("arxiv").value, "1707.08567")
        self.assertEqual(paper.source, "arXiv")

    def test_a_paper_already_in_the_library_is_shown_instead_of_duplicated(self):
        paper = make_paper("Already Here", identifiers={"arxiv": "1707.08567v1"})
        server = self.serve(arxiv_answer("id_1707.08567_s0_m100_6a1afebfc6a3.xml"))
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"q": "1707.08567v2"})
        self.assertContains(r, "Already in the library")
        self.assertContains(r, paper.get_absolute_url())
        self.assertEqual(server.requests, [])  # no need to ask arXiv

    def test_unreadable_text_gets_a_clear_error(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"q": "a paper about transformers"})
        self.assertContains(r, "not an identifier we can read", status_code=400)

    def test_an_identifier_the_source_does_not_know_is_a_clear_404(self):
        self.serve(arxiv_answer("id_0000.0000_s0_m100_8b51d9633a68.xml"))
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"q": "0000.0000"})
        self.assertContains(r, "does not exist at its source", status_code=404)

    def test_a_source_that_does_not_answer_is_a_503_and_nothing_changes(self):
        self.client.force_login(self.alice)
        with self.settings(ARXIV_API_URL="http://127.0.0.1:9/api/query"):
            r = self.client.post(self.url, {"q": "1707.08567"})
        self.assertContains(r, "did not answer", status_code=503)
        self.assertContains(r, "paste the paper&#x27;s BibTeX", status_code=503)
        self.assertEqual(Paper.objects.count(), 0)

    def test_a_tampered_confirmation_is_refused(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"confirm": "eyJ0aXRsZSI6ICJldmlsIn0:bad:signature"})
        self.assertContains(r, "expired", status_code=400)
        self.assertEqual(Paper.objects.count(), 0)

    def test_malformed_bibtex_changes_nothing(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"q": "@article{broken, title = {Unbalanced"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(Paper.objects.count(), 0)

    def test_the_form_needs_a_csrf_token(self):
        self.client.force_login(self.alice)
        self.client.handler.enforce_csrf_checks = True
        self.assertEqual(self.client.post(self.url, {"q": "1707.08567"}).status_code, 403)


class FetchOnLegacyVisitTests(BaseTestCase):
    def test_an_arxiv_key_not_in_the_library_is_fetched_and_redirected_to(self):
        body = arxiv_answer("id_1707.08567_s0_m100_6a1afebfc6a3.xml")
        with RecordedServer({"/api/query": (200, body, ATOM)}) as server:
            with self.settings(ARXIV_API_URL=server.url + "/api/query"):
                r = self.client.get("/paper", {"bibtexKey": "1707.08567"})
        paper = Paper.objects.get()
        self.assertRedirects(r, paper.get_absolute_url(), status_code=301)

    def test_an_arxiv_key_the_source_does_not_know_stays_a_404(self):
        body = arxiv_answer("id_0000.0000_s0_m100_8b51d9633a68.xml")
        with RecordedServer({"/api/query": (200, body, ATOM)}) as server:
            with self.settings(ARXIV_API_URL=server.url + "/api/query"):
                r = self.client.get("/paper", {"bibtexKey": "0000.0000"})
        self.assertContains(r, "not in the library yet", status_code=404)
        self.assertEqual(Paper.objects.count(), 0)

    def test_an_unreachable_source_is_a_503(self):
        r = self.client.get("/paper", {"bibtexKey": "1707.08567"})
        self.assertContains(r, "did not answer", status_code=503)

    def test_fetching_is_rate_limited_per_visitor(self):
        from shortscience.accounts.ratelimit import POLICIES

        capacity, _ = POLICIES["fetch"]
        codes = [
            self.client.get("/paper", {"bibtexKey": f"0000.{i:04d}"}).status_code
            for i in range(capacity + 1)
        ]
        self.assertEqual(codes[-1], 429)
