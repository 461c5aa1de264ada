"""PostgreSQL: the search GIN indexes write each entry in place (fastupdate off).

With fastupdate on (PostgreSQL's default), rows added one at a time -- a summary saved, a
paper imported -- go to a pending list that every search then scans from end to end until a
VACUUM merges it. On the benchmark corpus the summaries' list had grown to 447 pages (3.5 MB),
a few milliseconds added to every search, even for a word in a handful of summaries. Writing
in place costs each save a few milliseconds instead, once. The lists already pending are
merged here.
"""

from django.db import migrations

INDEXES = (
    "search_summary_search_document",
    "papers_paper_search_document",
    "papers_paper_search_facets",
    "papers_paper_search_short",
)


def _on_each_index(schema_editor, statement: str) -> None:
    """Run `statement` ({name}: the index) on each search GIN index that exists. An index a
    rebuild has dropped (papers/search_index.py) is recreated with the option by
    ensure_pg_indexes()."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(
            f"DO $$ BEGIN IF to_regclass('{name}') IS NOT NULL THEN "
            f"{statement.format(name=name)} END IF; END $$"
        )


def forward(apps, schema_editor):
    _on_each_index(
        schema_editor,
        "ALTER INDEX {name} SET (fastupdate = off); "
        "PERFORM gin_clean_pending_list('{name}'::regclass);",
    )


def backward(apps, schema_editor):
    _on_each_index(schema_editor, "ALTER INDEX {name} RESET (fastupdate);")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_summary_index"),
        ("papers", "0007_search_title_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
