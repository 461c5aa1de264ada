"""A budget of CPU time for one render, checked as the work goes.

markdown-it's cost is linear in the text but not in the same way for every text: brackets
cost ~40 us a character (each "[" or "![" makes the link rule scan ahead through up to
maxNesting nested labels), against ~1 us for prose, so 100 KB of "![" took 3.4 s of a
worker. The length cap cannot tell those apart; a clock can. The parser and the renderer
call `tick()` as they go (parser.py), and every CHECK_EVERY ticks the deadline is compared
with this thread's CPU time: thread_time, since gunicorn's gthread workers and runserver
serve requests in threads and other threads' work is not this text's cost.

The math is not counted (`paused`): KaTeX works in its own process, and what it sends
back costs in proportion to the number of formulas, which parser.MAX_FORMULAS bounds.
A 100 KB summary that is all formulas (~1,200 of them) spends ~0.3 s reading KaTeX's
answer, more than a budget that stops hostile Markdown in time; it must still render.

The garbage collector's passes are counted: a text that makes hundreds of thousands of
objects ("*a" x 50,000) sets off full passes, and they are its cost (three, 54-72 ms each,
measured in a process with the site loaded). For a pass to cost only what was made since
start-up, the served site freezes its start-up heap (wsgi.py). The test suite's process,
which carries every test's objects (a full pass there took up to 0.43 s), runs with a larger
default budget (conftest.py); the budget's own tests set theirs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from time import thread_time
from typing import TypeVar

T = TypeVar("T")

# A tick is a function call and an addition (~0.3 us; a 100 KB summary makes ~4,600 of them,
# 2% of its render); reading the thread's CPU clock is a system call, so only one tick in
# CHECK_EVERY reads it. On 100 KB hostile texts the longest time between two reads measured
# ~1 ms for brackets and up to ~50 ms where one step cannot stop part way (a paragraph's
# emphasis pairing, the sanitizer): a refusal comes at most that long after the budget.
CHECK_EVERY = 32


class TooCostly(Exception):
    """The text would take more than its budget to render: refused, not rendered."""

    def __init__(self, budget: float):
        self.budget = budget
        super().__init__(
            f"This text would take too long to typeset (more than {budget:g} s of server "
            "time). Please split it or simplify it: long runs of brackets, emphasis marks "
            "or formulas are the usual cause."
        )


class Deadline:
    """`seconds` of this thread's CPU time from now; None: no limit."""

    def __init__(self, seconds: float | None = None):
        self.seconds = seconds
        self.end = math.inf if seconds is None else thread_time() + seconds
        self._ticks = 0

    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % CHECK_EVERY == 0:
            self.check()

    def check(self) -> None:
        if thread_time() > self.end:
            raise TooCostly(self.seconds or 0.0)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The CPU time spent inside does not count."""
        start = thread_time()
        try:
            yield
        finally:
            self.end += thread_time() - start

    def metered(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            self.tick()
            yield item
