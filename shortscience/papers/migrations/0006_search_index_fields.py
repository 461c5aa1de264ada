"""The search feature's paper index: more columns on SQLite, the tsvector side table on
PostgreSQL (with the unaccent extension when the server has it).

Both fill themselves from the papers already here, in one statement: a migration of a
large database takes the time of one `rebuild_search_index --all` (about 75 s per million
papers on SQLite).
"""

from django.db import migrations, transaction

SQLITE_SELECT = """
    SELECT p.id, p.title,
           COALESCE((SELECT group_concat(name, ', ') FROM (
               SELECT a.name AS name FROM papers_paperauthor pa
               JOIN papers_author a ON a.id = pa.author_id
               WHERE pa.paper_id = p.id ORDER BY pa.position)), ''),
           p.abstract,
           COALESCE((SELECT v.name || ' ' || v.key FROM papers_venue v WHERE v.id = p.venue_id), ''),
           COALESCE((SELECT group_concat(i.value, ' ') FROM papers_paperidentifier i
                     WHERE i.paper_id = p.id), ''),
           COALESCE((SELECT group_concat(k.name, ' ') FROM papers_paper_keywords pk
                     JOIN papers_keyword k ON k.id = pk.keyword_id WHERE pk.paper_id = p.id), ''),
           COALESCE(p.year, '')
    FROM papers_paper p
    WHERE p.merged_into_id IS NULL
"""

PG_SELECT = """
    SELECT p.id, s.short || setweight(to_tsvector('simple', shortscience_fold_long(p.abstract)), 'D'),
        s.short,
        setweight(to_tsvector('simple', shortscience_fold(
               (SELECT string_agg(k.name, ' ') FROM papers_paper_keywords pk
                JOIN papers_keyword k ON k.id = pk.keyword_id WHERE pk.paper_id = p.id))), 'A')
        || setweight(to_tsvector('simple', COALESCE(p.year::text, '')), 'B')
    FROM papers_paper p, LATERAL (SELECT
        setweight(to_tsvector('simple', shortscience_fold(p.title)), 'A')
        || setweight(to_tsvector('simple', shortscience_fold(
               (SELECT string_agg(a.name, ' ' ORDER BY pa.position) FROM papers_paperauthor pa
                JOIN papers_author a ON a.id = pa.author_id WHERE pa.paper_id = p.id))), 'B')
        || setweight(to_tsvector('simple', shortscience_fold(
               COALESCE((SELECT v.name || ' ' || v.key FROM papers_venue v WHERE v.id = p.venue_id), '')
               || ' ' || COALESCE((SELECT string_agg(i.value, ' ') FROM papers_paperidentifier i
                                   WHERE i.paper_id = p.id), ''))), 'C') AS short) s
    WHERE p.merged_into_id IS NULL
"""


def _fold_functions(schema_editor) -> list[str]:
    """shortscience_fold(text): accents off (unaccent, when the server has the extension),
    lower case, punctuation and spaces to one space, as SQLite's unicode61 cuts words.
    shortscience_fold_long(text), for abstracts and summaries: the same without the regular
    expression, which costs as much as to_tsvector itself over long text; PostgreSQL's parser
    still splits on punctuation, and keeps a few compounds ("cs.lg") whole besides.
    IMMUTABLE with the dictionary named, so the planner may inline them."""
    unaccent_schema = None
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except Exception:  # noqa: S110 - not on this server, or no right: fold without it
        pass
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
        row = cursor.fetchone()
        unaccent_schema = row[0] if row else None
    inner = (
        f"{unaccent_schema}.unaccent('{unaccent_schema}.unaccent'::regdictionary, COALESCE($1, ''))"
        if unaccent_schema
        else "COALESCE($1, '')"
    )
    return [
        "CREATE OR REPLACE FUNCTION shortscience_fold(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT regexp_replace(lower({inner}), '[[:punct:][:space:]]+', ' ', 'g') $$",
        "CREATE OR REPLACE FUNCTION shortscience_fold_long(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower({inner}) $$",
    ]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS papers_paper_fts")
        schema_editor.execute(
            "CREATE VIRTUAL TABLE papers_paper_fts USING fts5(title, authors, abstract, venue, "
            "identifiers, categories, year, tokenize='unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            "INSERT INTO papers_paper_fts (rowid, title, authors, abstract, venue, identifiers, "
            "categories, year) " + SQLITE_SELECT
        )
    elif vendor == "postgresql":
        for sql in _fold_functions(schema_editor):
            schema_editor.execute(sql)
        schema_editor.execute(
            "CREATE TABLE papers_paper_search ("
            # No foreign key: Django's flush TRUNCATEs papers_paper without CASCADE, and a
            # row left by a deleted paper is skipped when results are loaded.
            " paper_id bigint PRIMARY KEY,"
            " document tsvector NOT NULL,"
            " short_document tsvector NOT NULL,"
            " facets tsvector NOT NULL)"
        )
        schema_editor.execute(
            "INSERT INTO papers_paper_search (paper_id, document, short_document, facets) "
            + PG_SELECT
        )
        schema_editor.execute(
            "CREATE INDEX papers_paper_search_document ON papers_paper_search USING gin (document)"
        )
        schema_editor.execute(
            "CREATE INDEX papers_paper_search_facets ON papers_paper_search USING gin (facets)"
        )
        schema_editor.execute(
            "CREATE INDEX papers_paper_search_short ON papers_paper_search "
            "USING gin (short_document)"
        )
    else:
        return
    top = apps.get_model("papers", "Paper").objects.order_by("-id").values_list("id", flat=True)
    apps.get_model("papers", "ImportCheckpoint").objects.update_or_create(
        key="search-index", defaults={"position": top.first() or 0}
    )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS papers_paper_fts")
        schema_editor.execute(
            "CREATE VIRTUAL TABLE papers_paper_fts USING fts5("
            "title, authors, abstract, tokenize='unicode61 remove_diacritics 2')"
        )
        apps.get_model("papers", "ImportCheckpoint").objects.filter(key="search-index").delete()
    elif vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS papers_paper_search")
        schema_editor.execute("DROP FUNCTION IF EXISTS shortscience_fold(text)")
        schema_editor.execute("DROP FUNCTION IF EXISTS shortscience_fold_long(text)")


class Migration(migrations.Migration):
    dependencies = [("papers", "0005_search_index")]

    operations = [migrations.RunPython(forward, backward)]
