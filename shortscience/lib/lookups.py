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
