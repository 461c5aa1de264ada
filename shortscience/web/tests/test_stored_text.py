"""clean_rows(), which the data migrations clean stored text with: the database finds the
rows (GLOB on SQLite, ~ on PostgreSQL), Python cleans only those."""

from __future__ import annotations

from django.db import connection
from django.test import TestCase

from shortscience.web.models import Task
from shortscience.web.stored_text import MayHoldUnfit, clean_rows

# One of each kind clean() removes (lib/text.py), and what is left of it.
DIRTY = "Zebra\x01fish swim\x0b in \x7fschools\x85 of $x^2$\ufffe.\U0001ffff\ufdd0\x00"
CLEAN = "Zebrafish swim in schools of $x^2$."


def storable(text: str) -> str:
    """What a database can hold of `text`: PostgreSQL text can never hold NUL (nor any
    database a lone surrogate, which UTF-8 cannot encode)."""
    return text if connection.vendor == "sqlite" else text.replace("\x00", "")


class CleanRowsTests(TestCase):
    def task(self, name: str = "t", last_error: str = "") -> Task:
        return Task.objects.create(name=name, last_error=last_error)

    def test_the_database_finds_each_character_clean_removes_and_nothing_else(self):
        found = {
            char: self.task(last_error=f"a{char}b").pk
            for char in (
                *("\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f"),
                *("\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"),
            )
        }
        if connection.vendor == "sqlite":
            found["\x00"] = self.task(last_error="a\x00b").pk
        kept = [
            self.task(last_error=f"a{char}b").pk
            for char in ("\t", "\n", "\r", " ", "é", "\xa0", "\ufdcf", "\ufdf0", "\U0001fffd", "😀")
        ]
        matched = set(Task.objects.filter(MayHoldUnfit("last_error")).values_list("pk", flat=True))
        self.assertEqual(matched, set(found.values()))
        self.assertFalse(matched & set(kept))

    def test_it_cleans_the_rows_found_and_returns_their_ids(self):
        dirty = [self.task(name=f"Wei\x01\tWang {n}", last_error=storable(DIRTY)) for n in range(5)]
        clean = self.task(name="Wei Wang", last_error="Line one\nline two\ttab ° 😀")
        changed = clean_rows(Task, text=["last_error"], lines=["name"], batch=2)
        self.assertEqual(changed, [t.pk for t in dirty])
        for n, task in enumerate(dirty):
            task.refresh_from_db()
            self.assertEqual((task.name, task.last_error), (f"Wei Wang {n}", CLEAN))
        clean.refresh_from_db()
        self.assertEqual(
            (clean.name, clean.last_error), ("Wei Wang", "Line one\nline two\ttab ° 😀")
        )

    def test_a_row_found_that_turns_out_clean_is_not_written(self):
        # SQLite reads U+FFFE as U+FFFD, and looks for anything past U+1FFFD: it finds these.
        for text in ("Replaced \ufffd character", "CJK extension B \U00020000"):
            task = self.task(last_error=text)
            self.assertEqual(clean_rows(Task, text=["last_error"]), [])
            task.refresh_from_db()
            self.assertEqual(task.last_error, text)

    def test_a_second_run_finds_nothing(self):
        self.task(last_error=storable(DIRTY))
        self.assertEqual(len(clean_rows(Task, text=["last_error"])), 1)
        self.assertEqual(clean_rows(Task, text=["last_error"]), [])
