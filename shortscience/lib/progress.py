"""A one-line progress report for long commands: count, rate and ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, total: int | None, label: str = "", out: TextIO | None = None, every: float = 0.5
    ):
        self.total = total
        self.label = label
        self.out = out or sys.stderr
        self.every = every
        self.count = 0
        self.started = time.monotonic()
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.out.write("\r" + self.line(now))
            self.out.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.count / elapsed
        if self.total:
            left = (self.total - self.count) / rate if rate else 0
            return (
                f"{self.label}{self.count:,}/{self.total:,} ({100 * self.count / self.total:.0f}%) "
                f"{rate:,.1f}/s ETA {_clock(left)}"
            )
        return f"{self.label}{self.count:,} {rate:,.1f}/s elapsed {_clock(elapsed)}"

    def finish(self) -> None:
        self.out.write("\r" + self.line() + "\n")
        self.out.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
