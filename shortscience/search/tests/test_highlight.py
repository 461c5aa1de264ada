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

    def test_folding_in_place_marks_exactly_what_word_by_word_folding_marks(self):
        from unittest import mock

        from shortscience.search import highlight as module

        texts = [
            "Schrödinger's Łukasik café, naïve ÉCOLE",
            "Straße and strasse; ﬁnite fields; Æsop",
            "Ωmega ωμέγα Σίσυφος κόσμος",
            "e\u0301cole with a combining accent, 東京 machine learning",
            "x² superscripts, İstanbul and DİYARBAKIR, tie_break",
            "plain ascii text about lisp and isp",
        ]
        queries = [
            [("schrodinger", False), ("lukasik", False), ("naive", False)],
            [("strasse", False), ("finite", False), ("aesop", False), ("cafe", False)],
            [("ωμεγα", False), ("σισυφοσ", False), ("κοσ", True)],
            [("ecole", False), ("東京", False), ("learn", True)],
            [("x2", False), ("istanbul", False), ("diyar", True), ("tie", False)],
            [("isp", False), ("li", True)],
        ]
        for text in texts:
            for wanted in queries:
                fast = highlight(text, wanted)
                with mock.patch.object(module, "_fold_in_place", return_value=None):
                    slow = highlight(text, wanted)
                with self.subTest(text=text, wanted=wanted):
                    self.assertEqual(fast, slow)
        # And the fast path is the one taken for accented text.
        self.assertIsNotNone(module._fold_in_place(texts[0]))
        self.assertIn("<mark>Schrödinger</mark>", highlight(texts[0], queries[0]))

    def test_the_snippet_window_holds_the_most_hits_with_a_few_words_before_them(self):
        tokens = [f"w{i}" for i in range(100)]
        for i in (10, 60, 62, 64):
            tokens[i] = "hit"
        html = highlight(" ".join(tokens), [("hit", False)], words=10)
        self.assertTrue(html.startswith("… w58 w59 <mark>hit</mark> w61"), html)
        self.assertEqual(html.count("<mark>"), 3)
        self.assertTrue(html.endswith("w67 …"), html)
