"""The site's icon: an SVG in the static files, named by every page and answered at
/favicon.ico, where browsers and crawlers look for it whatever the page says."""

from __future__ import annotations

from django.contrib.staticfiles import finders

from shortscience.test import BaseTestCase


class FaviconTests(BaseTestCase):
    def test_every_page_names_the_svg_icon(self):
        r = self.client.get("/about")
        self.assertContains(
            r, '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'
        )

    def test_favicon_ico_redirects_to_the_svg_for_a_day(self):
        r = self.client.get("/favicon.ico")
        self.assertRedirects(r, "/static/img/favicon.svg", fetch_redirect_response=False)
        self.assertEqual(r.status_code, 302)
        self.assertIn("max-age=86400", r["Cache-Control"])
        self.assertIn("public", r["Cache-Control"])

    def test_the_icon_is_served_as_svg(self):
        r = self.client.get("/static/img/favicon.svg")
        r.close()  # WhiteNoise answers with the open file
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "image/svg+xml")
        path = finders.find("img/favicon.svg")
        self.assertIsNotNone(path)
        with open(path, encoding="utf-8") as f:
            self.assertTrue(f.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"'))

    def test_a_post_to_favicon_ico_is_refused(self):
        self.assertEqual(self.client.post("/favicon.ico").status_code, 405)
