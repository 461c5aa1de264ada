"""SQLite: a second, small FTS5 table of the short fields (title, authors, venue, categories,
year), so that the search's title tier walks doclists of titles, not of whole abstracts:
about 15 times shorter (see shortscience/search/sqlite.py). Filled from the big table."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE VIRTUAL TABLE papers_paper_title_fts USING fts5(title, authors, venue, "
        "categories, year, tokenize='unicode61 remove_diacritics 2')"
    )
    schema_editor.execute(
        "INSERT INTO papers_paper_title_fts (rowid, title, authors, venue, categories, year) "
        "SELECT rowid, title, authors, venue, categories, year FROM papers_paper_fts"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS papers_paper_title_fts")


class Migration(migrations.Migration):
    dependencies = [("papers", "0006_search_index_fields")]

    operations = [migrations.RunPython(forward, backward)]
