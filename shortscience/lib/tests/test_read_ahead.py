"""read_ahead(): a file's records read by a thread of their own while the import writes."""

from __future__ import annotations

import threading
import time
from unittest import TestCase

from shortscience.lib.files import read_ahead


class ReadAheadTests(TestCase):
    def test_every_item_arrives_in_order_across_chunks(self):
        self.assertEqual(list(read_ahead(iter(range(1234)), chunk=100)), list(range(1234)))
        self.assertEqual(list(read_ahead(iter([]))), [])

    def test_the_readers_error_is_raised_in_the_callers_thread_after_what_came_before(self):
        def broken():
            yield from range(5)
            raise OSError("the disk went away")

        got = []
        with self.assertRaisesRegex(OSError, "the disk went away"):
            for item in read_ahead(broken(), chunk=2):
                got.append(item)
        self.assertEqual(got, [0, 1, 2, 3])  # the chunk of 4 that was whole; 4 died with it

    def test_a_caller_that_stops_early_stops_the_reader(self):
        drawn = []
        finished = threading.Event()

        def endless():
            try:
                n = 0
                while True:
                    drawn.append(n)
                    yield n
                    n += 1
            finally:
                finished.set()

        for item in read_ahead(endless(), chunk=10, chunks=2):
            if item == 25:
                break
        # The reader stopped at most a few chunks ahead, and let go of the file.
        self.assertTrue(finished.wait(5))
        time.sleep(0.2)
        count = len(drawn)
        time.sleep(0.2)
        self.assertEqual(len(drawn), count)
        self.assertLess(count, 100)
