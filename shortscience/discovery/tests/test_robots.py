from __future__ import annotations

from django.test import override_settings

from shortscience.test import BaseTestCase


@override_settings(SITE_ROOT="https://shortscience.example")
class RobotsTests(BaseTestCase):
    def test_it_allows_all_but_private_areas_and_names_the_sitemap(self):
        r = self.client.get("/robots.txt")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "text/plain; charset=utf-8")
        lines = r.content.decode().splitlines()
        self.assertEqual(lines[0], "User-agent: *")
        for rule in (
            "Allow: /",
            "Disallow: /accounts/",
            "Disallow: /settings",
            "Disallow: /admin/",
            "Disallow: /markup/",
            "Sitemap: https://shortscience.example/sitemap.xml",
        ):
            self.assertIn(rule, lines)
