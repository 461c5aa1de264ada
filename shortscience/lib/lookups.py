"""Membership in a long list of values, one way per database.

On PostgreSQL, `column IN (%s, %s, ... 500 times)` costs more in the client than in the
server: psycopg turns a statement's placeholders into PostgreSQL's in Python, and caches
only statements shorter than 4 KB, so each look-up of 500 ids parsed ~500 placeholders
again (~7 ms a statement in the API's batch look-up, three statements a call;
bench/api_batch.py). `column = ANY(%s::type[])` is one placeholder and one array
parameter: a short statement, parsed once and cached. SQLite has no arrays, and its driver
binds placeholders in C: an IN list is what it reads best.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup
from django.utils.deconstruct import deconstructible


def in_list(vendor: str, column: str, values: list, sql_type: str) -> tuple[str, list]:
    """(SQL, params) for `column` being one of `values` (of PostgreSQL type `sql_type`)."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s::{sql_type}[])", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


@models.Field.register_lookup
class AnyOf(Lookup):
    """`filter(pk__any_of=ids)`: `pk__in` as in_list() writes it for the database."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_db_prep_value(v, connection) for v in self.rhs]
        if not values:
            return "FALSE" if connection.vendor == "postgresql" else "0 = 1", []
        sql_type = self.lhs.output_field.cast_db_type(connection)
        sql, params = in_list(connection.vendor, lhs, values, sql_type)
        return sql, [*lhs_params, *params]


@deconstructible(path="shortscience.lib.lookups.HasChar")
class HasChar(models.Func):
    """`Q(HasChar("title", "$"))`: the text contains the character, which is written into
    the SQL rather than passed as a parameter. A partial index with this condition serves a
    query with the same one on SQLite too: its planner matches a condition's terms as
    written, and `title LIKE %s` with the pattern bound never matches the index's literal
    (papers' TITLE_UNTYPESET)."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, expression, char: str):
        if len(char) != 1 or char in "'\\%_":
            raise ValueError(f"HasChar takes one plain character, not {char!r}")
        self.char = char
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        find = "strpos" if connection.vendor == "postgresql" else "instr"
        return f"{find}({sql}, '{self.char}') > 0", params
