from __future__ import annotations

from django.test import SimpleTestCase

from shortscience.accounts.orcid import check_digit, normalize_orcid


class OrcidTests(SimpleTestCase):
    def test_it_computes_the_iso_7064_check_digit(self):
        self.assertEqual(check_digit("000000021825009"), "7")
        self.assertEqual(check_digit("000000021694233"), "X")

    def test_it_accepts_the_bare_and_the_url_forms(self):
        for text in (
            "0000-0002-1825-0097",
            "https://orcid.org/0000-0002-1825-0097",
            "http://orcid.org/0000-0002-1825-0097",
            " 0000000218250097 ",
        ):
            with self.subTest(text=text):
                self.assertEqual(normalize_orcid(text), "0000-0002-1825-0097")

    def test_it_accepts_an_x_check_digit_in_either_case(self):
        self.assertEqual(normalize_orcid("0000-0002-1694-233x"), "0000-0002-1694-233X")

    def test_it_rejects_a_wrong_check_digit(self):
        with self.assertRaisesMessage(ValueError, "check digit"):
            normalize_orcid("0000-0002-1825-0098")

    def test_it_rejects_text_that_is_not_an_orcid(self):
        for text in ("", "0000-0002-1825", "orcid", "https://example.org/0000-0002-1825-0097"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                normalize_orcid(text)
