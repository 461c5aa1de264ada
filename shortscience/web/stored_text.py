"""Stored text cleaned where it lies (lib/text.py): for the data migrations that clean the
rows written before the services cleaned what they write.

A library holds a million papers, so rows are never all read into Python: the database
finds the few that may hold a character to remove (SQLite: GLOB with a bracket class of the
characters, plus instr() for NUL, which ends a GLOB pattern; PostgreSQL: `~` with a class
of them, where no NUL can be stored; no database stores a surrogate), and only those are
cleaned in Python and written back.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.db import NotSupportedError
from django.db.models import BooleanField, Func, Model

from shortscience.lib.text import clean, clean_line, unfit_class

# A full scan either way. Measured here (2 busy cores): SQLite's GLOB ~100 us a KB of text
# with the coarse class, four times less than with the exact one; PostgreSQL's ~ 8 us.
_GLOB = f"*[{unfit_class(storable=True, coarse=True)}]*"
_REGEX = f"[{unfit_class(storable=True)}]"


class MayHoldUnfit(Func):
    """True for a text column that may hold a character clean() removes. On SQLite also for
    U+FFFD (SQLite reads U+FFFE and U+FFFF as U+FFFD, in the pattern and in the text alike)
    and for any character of planes 2 to 16 (the coarse class): a row found may turn out
    clean, and clean_rows() then leaves it."""

    output_field = BooleanField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} GLOB %s OR instr({sql}, char(0)) > 0)", [*params, _GLOB, *params]

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} ~ %s)", [*params, _REGEX]

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"No look for unfit characters on {connection.vendor}")


def clean_rows(
    model: type[Model], *, text: Sequence[str] = (), lines: Sequence[str] = (), batch: int = 500
) -> list[int]:
    """Clean the columns `text` (clean()) and `lines` (clean_line(): one-line fields) of the
    rows of `model` that hold a character to remove, `batch` rows a statement; the ids of
    the rows changed. Only for columns with no unique constraint: two rows may clean to one
    value."""
    fields = [*text, *lines]
    rows = model._default_manager.filter(reduce(or_, (MayHoldUnfit(f) for f in fields)))
    rows = rows.only("pk", *fields).order_by("pk")
    changed: list[int] = []
    last = None
    while True:
        # By id ranges rather than one open cursor: SQLite gives no isolation between a
        # cursor and the updates made beside it on one connection.
        chunk = list((rows if last is None else rows.filter(pk__gt=last))[:batch])
        if not chunk:
            return changed
        last = chunk[-1].pk
        dirty = [row for row in chunk if _clean_row(row, text, lines)]
        model._default_manager.bulk_update(dirty, fields, batch_size=batch)
        changed += [row.pk for row in dirty]


def _clean_row(row: Model, text: Sequence[str], lines: Sequence[str]) -> bool:
    changed = False
    for names, cleaner in ((text, clean), (lines, clean_line)):
        for name in names:
            value = getattr(row, name)
            cleaned = cleaner(value) if value else value
            if cleaned is not value:
                setattr(row, name, cleaned)
                changed = True
    return changed
