from __future__ import annotations

from django.test import SimpleTestCase

from shortscience.search.highlight import highlight


class HighlightTests(SimpleTestCase):
    def test_it_marks_folded_words_and_prefixes_only(self):
        html = highlight(
            "Schrödinger bridges, and lisp", [("schrodinger", False), ("bri", True), ("isp", False)]
        )
        self.assertEqual(html, "<mark>Schrödinger</mark> <mark>bridges</mark>, and lisp")

    def test_it_escapes_the_text_around_and_inside_marks(self):
        html = highlight('<img src=x onerror="alert(1)"> alert & co', [("alert", False)])
        self.assertNotIn("<img", html)
        self.assertIn("&lt;img src=x onerror=&quot;<mark>alert</mark>(1)&quot;&gt;", html)
        self.assertIn("&amp; co", html)

    def test_a_long_text_is_cut_to_the_window_with_the_most_hits(self):
        text = " ".join(["filler"] * 100 + ["needle"] + ["filler"] * 100)
        html = highlight(text, [("needle", False)], words=10)
        self.assertTrue(html.startswith("… "))
        self.assertTrue(html.endswith(" …"))
        self.assertIn("<mark>needle</mark>", html)
        self.assertLess(len(html.split()), 20)

    def test_the_ascii_fast_path_marks_whole_words_and_prefixes_only(self):
        html = highlight("lisp isp ISP isprs_x", [("isp", False)])
        self.assertEqual(html, "lisp <mark>isp</mark> <mark>ISP</mark> isprs_x")
        html = highlight("optimal optimization adopt", [("optim", True)])
        self.assertEqual(html, "<mark>optimal</mark> <mark>optimization</mark> adopt")

    def test_a_long_summary_is_cut_around_its_first_hit_without_reading_all_of_it(self):
        text = "filler " * 2000 + "the needle is here " + "tail " * 2000
        html = highlight(text, [("needle", False)], words=10)
        self.assertIn("<mark>needle</mark>", html)
        self.assertTrue(html.startswith("… ") and html.endswith(" …"))
        self.assertLess(len(html), 200)
