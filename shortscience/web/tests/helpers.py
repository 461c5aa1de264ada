from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import override_settings

from shortscience.test import BaseTestCase
from shortscience.web.changes import versions
from shortscience.web.pages import local_pages


class PageCacheTestCase(BaseTestCase):
    """The cache on, this process's knowledge of the changes starting empty, writes applied
    as they commit (as in a request), and a clock for the once-a-second read of the changes
    that moves only when a test moves it."""

    def setUp(self):
        super().setUp()
        self.clock = 1000.0
        patcher = mock.patch("shortscience.web.changes.time.monotonic", lambda: self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        patcher = override_settings(
            PAGE_CACHE_SECONDS=600, PAGE_CACHE_VERSION_SECONDS=1.0, PAGE_CACHE_LOCAL_BYTES=1 << 20
        )
        patcher.enable()
        self.addCleanup(patcher.disable)
        for clear in (cache.clear, local_pages.clear, versions.reset):
            clear()
            self.addCleanup(clear)

    def write(self, function, *args, **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return function(*args, **kwargs)
