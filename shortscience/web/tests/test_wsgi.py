"""The served site's process (wsgi.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import TestCase


class WsgiTests(TestCase):
    def test_a_worker_freezes_its_start_up_heap_for_the_markup_budget(self):
        # In a process of its own: freezing this one would keep the suite's garbage.
        out = subprocess.run(
            [sys.executable, "-c", "import gc, shortscience.wsgi; print(gc.get_freeze_count())"],
            env={**os.environ, "DEBUG": "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertGreater(int(out.stdout.strip()), 10_000)
