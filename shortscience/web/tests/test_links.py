from __future__ import annotations

from django.test import SimpleTestCase, override_settings
from django.urls import reverse, set_script_prefix

from shortscience.web.links import link


class LinkTests(SimpleTestCase):
    def test_it_gives_what_reverse_gives(self):
        for name, args in (
            ("discovery:summary", [12]),
            ("discovery:paper", [7, "attention-is-all-you-need"]),
            ("discovery:venue", ["conf/nips"]),
            ("discovery:author", [3, "ada-lovelace"]),
            ("community:comment", [99]),
            ("summaries:source", [5]),
        ):
            with self.subTest(name=name):
                self.assertEqual(link(name, *args), reverse(name, args=args))

    def test_a_value_that_needs_quoting_goes_through_reverse(self):
        odd = "venue/with space&?#"
        self.assertEqual(link("discovery:venue", odd), reverse("discovery:venue", args=[odd]))
        self.assertIn("%20", link("discovery:venue", odd))

    def test_a_site_served_under_a_path_prefix_keeps_it(self):
        self.addCleanup(set_script_prefix, "/")
        set_script_prefix("/science/")
        self.assertEqual(link("discovery:summary", 12), "/science/summary/12")
        set_script_prefix("/")
        self.assertEqual(link("discovery:summary", 12), "/summary/12")

    def test_another_urlconf_is_not_mixed_up_with_the_site_one(self):
        self.assertEqual(link("discovery:summary", 3), "/summary/3")  # the site's, cached
        with override_settings(ROOT_URLCONF="shortscience.summaries.urls"):
            self.assertEqual(link("source", 3), reverse("source", args=[3]))
