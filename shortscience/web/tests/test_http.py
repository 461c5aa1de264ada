from __future__ import annotations

from django.test import RequestFactory, SimpleTestCase

from shortscience.web.http import next_url


class NextUrlTests(SimpleTestCase):
    def test_only_a_path_on_this_site_is_followed(self):
        factory = RequestFactory()
        cases = {
            "/paper/1/x?tab=2": "/paper/1/x?tab=2",
            "https://evil.example/": "/home",
            "//evil.example/": "/home",
            # A bare word is a view name to redirect(): reversing it raised (a 500).
            "\\ud800": "/home",
            "abc": "/home",
            "": "/home",
        }
        for given, expected in cases.items():
            with self.subTest(given=given):
                request = factory.post("/x", {"next": given})
                self.assertEqual(next_url(request, "/home"), expected)
