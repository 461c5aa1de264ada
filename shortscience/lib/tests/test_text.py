from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from unittest import TestCase

from shortscience.lib.text import UNFIT_RANGES, clean, clean_line, unfit_class


def unfit(code: int) -> bool:
    return any(first <= code <= last for first, last in UNFIT_RANGES)


class CleanTests(TestCase):
    def test_it_removes_control_characters_but_keeps_tab_newline_and_carriage_return(self):
        self.assertEqual(clean("a\x00b\x01c\x08d\x0be\x0cf\x1fg\x7fh"), "abcdefgh")
        self.assertEqual(clean("tab\there\nline\r\nend"), "tab\there\nline\r\nend")

    def test_it_removes_c1_controls_lone_surrogates_and_noncharacters(self):
        self.assertEqual(clean("a\x80b\x85c\x9fd"), "abcd")
        self.assertEqual(clean("x\ud800y\udfffz"), "xyz")
        self.assertEqual(clean("\ufdd0a\ufdefb\ufffec\uffff"), "abc")
        self.assertEqual(clean("\U0001fffea\U0001ffffb\U0010fffec\U0010ffff"), "abc")

    def test_it_keeps_every_other_character(self):
        kept = "\xa0\xa9\xb0 é ł Ω я 中 \u2028 \ufb01 \ufeff \ufdcf\ufdf0 \ufffd \U0001d465 😀 \U0010fffd"
        self.assertEqual(clean(kept), kept)

    def test_it_removes_exactly_the_listed_code_points(self):
        # The whole BMP, and each other plane's first and last code points.
        codes = [*range(0x10000)]
        for plane in range(1, 17):
            start = plane << 16
            codes += [*range(start, start + 2), *range(start + 0xFFFC, start + 0x10000)]
        every = "".join(map(chr, codes))
        removed = {code: None for first, last in UNFIT_RANGES for code in range(first, last + 1)}
        expected = every.translate(removed)
        self.assertEqual(clean(every), expected)
        # C0 but three, DEL and C1, surrogates, U+FDD0-U+FDEF, two a plane.
        self.assertEqual(len(every) - len(expected), 29 + 33 + 2048 + 32 + 2 * 17)

    def test_it_removes_each_character_from_text_that_has_nothing_else_to_remove(self):
        # One character at a time: the quick look for text with nothing to remove must not
        # miss any of them.
        for first, last in UNFIT_RANGES:
            for code in range(first, last + 1):
                self.assertEqual(clean(f"x{chr(code)}y"), "xy", hex(code))

    def test_text_without_any_comes_back_as_the_same_object(self):
        for text in (
            "",
            "Attention Is All You Need",
            "Schrödinger ° équation",
            "😀 \U0001d53c \u1ffe 한",
        ):
            with self.subTest(text=text):
                self.assertIs(clean(text), text)

    def test_what_it_leaves_is_well_formed_xml_text(self):
        text = "".join(chr(code) for code in range(0x10000) if code not in (0x3C, 0x26))
        ET.fromstring(f"<a>{clean(text)}</a>".encode("utf-8", "surrogatepass"))  # noqa: S314 - our own string


class CleanLineTests(TestCase):
    def test_it_makes_newlines_and_tabs_spaces(self):
        self.assertEqual(clean_line("Wei\tWang\nand\r\nLi\rNa"), "Wei Wang and Li Na")

    def test_it_cleans_as_clean_does(self):
        self.assertEqual(clean_line("Ada\x01 Love\x0blace\ud800"), "Ada Lovelace")

    def test_a_clean_line_comes_back_as_the_same_object(self):
        name = "Ada Lovelace"
        self.assertIs(clean_line(name), name)


class UnfitClassTests(TestCase):
    def test_as_a_bracket_expression_it_matches_what_clean_removes(self):
        anywhere = re.compile(f"[{unfit_class()}]")
        for code in (
            0x00,
            0x01,
            0x09,
            0x0A,
            0x0B,
            0x7F,
            0x85,
            0xA0,
            0xD800,
            0xFDD0,
            0xFFFD,
            0xFFFE,
            0x10FFFF,
        ):
            with self.subTest(code=hex(code)):
                self.assertEqual(bool(anywhere.search(chr(code))), unfit(code))

    def test_the_coarse_class_holds_the_exact_one(self):
        exact = re.compile(f"[{unfit_class()}]")
        coarse = re.compile(f"[{unfit_class(coarse=True)}]")
        for code in [*range(0x10000), *range(0x1FFFC, 0x20002), 0x10FFFF]:
            if exact.match(chr(code)):
                self.assertTrue(coarse.match(chr(code)), hex(code))
        self.assertFalse(coarse.match("\U0001d53c"))  # math letters stay out

    def test_the_storable_class_holds_neither_nul_nor_surrogates(self):
        storable = unfit_class(storable=True)
        self.assertNotIn("\x00", storable)
        self.assertFalse(re.search("[\ud800-\udfff]", storable))
        storable.encode("utf-8")  # a query parameter every driver can send
        self.assertTrue(re.fullmatch(f"[{storable}]", "\x01"))
