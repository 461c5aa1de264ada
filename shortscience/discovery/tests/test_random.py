from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary


class RandomSummaryTests(BaseTestCase):
    def test_it_redirects_to_a_public_summary(self):
        s = make_summary(make_paper(), self.alice)
        for viewer in (None, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/random")
            self.assertRedirects(r, s.get_absolute_url(), status_code=302)
            self.assertIn("no-store", r["Cache-Control"])

    def test_it_never_picks_a_private_or_hidden_summary(self):
        make_summary(make_paper(), self.alice, visibility="private")
        hidden = make_summary(make_paper(), self.alice)
        update_summary(hidden, is_hidden=True)
        public = make_summary(make_paper(), self.bob)
        make_summary(make_paper(), self.charlie, visibility="private")
        self.client.force_login(self.alice)
        for _ in range(20):
            self.assertRedirects(
                self.client.get("/random"), public.get_absolute_url(), status_code=302
            )

    def test_it_reaches_every_public_summary(self):
        summaries = {make_summary(make_paper(), self.alice).get_absolute_url() for _ in range(3)}
        seen = {self.client.get("/random")["Location"] for _ in range(200)}
        self.assertEqual(seen, summaries)

    def test_without_public_summaries_it_is_a_404_page(self):
        make_summary(make_paper(), self.alice, visibility="private")
        r = self.client.get("/random")
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, "Not found", status_code=404)
