from django.db import migrations


def create_fts(apps, schema_editor):
    # SQLite only: PostgreSQL's full-text index comes with the search feature.
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE VIRTUAL TABLE papers_paper_fts USING fts5("
        "title, authors, abstract, tokenize='unicode61 remove_diacritics 2')"
    )


def drop_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS papers_paper_fts")


class Migration(migrations.Migration):
    dependencies = [("papers", "0004_author_name_index")]

    operations = [migrations.RunPython(create_fts, drop_fts)]
