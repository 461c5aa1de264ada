from django.db import migrations

WHERE_PUBLIC = "s.visibility = 'public'"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_summary_fts USING fts5("
            "body, tokenize='unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            "INSERT INTO search_summary_fts (rowid, body) SELECT s.id, s.body "
            f"FROM summaries_summary s WHERE {WHERE_PUBLIC}"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE TABLE search_summary_search ("
            # No foreign key: Django's flush TRUNCATEs summaries_summary without CASCADE;
            # searches join summaries_summary, so a deleted summary's row never surfaces.
            " summary_id bigint PRIMARY KEY,"
            " document tsvector NOT NULL)"
        )
        schema_editor.execute(
            "INSERT INTO search_summary_search (summary_id, document) SELECT s.id, "
            "to_tsvector('simple', shortscience_fold_long(s.body)) FROM summaries_summary s "
            f"WHERE {WHERE_PUBLIC}"
        )
        schema_editor.execute(
            "CREATE INDEX search_summary_search_document ON search_summary_search "
            "USING gin (document)"
        )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_summary_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_summary_search")


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0006_search_index_fields"),
        ("summaries", "0002_summary_comment_count_summary_downvotes_and_more"),
    ]

    operations = [migrations.RunPython(forward, backward)]
