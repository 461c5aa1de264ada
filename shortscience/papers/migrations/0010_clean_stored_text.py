# Rows imported before PaperRecord cleaned every importer's text (lib/text.py): a control
# character in a paper's title made every feed listing a summary of it answer 500.

from django.db import migrations

from shortscience.lib.text import clean_line
from shortscience.papers import search_index
from shortscience.papers.models import normalize_name
from shortscience.web import changes
from shortscience.web.stored_text import MayHoldUnfit, clean_rows


def clean_stored_text(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    Author = apps.get_model("papers", "Author")
    Venue = apps.get_model("papers", "Venue")
    MergeLog = apps.get_model("papers", "MergeLog")
    PaperAuthor = apps.get_model("papers", "PaperAuthor")
    # The slug is left as it is: the paper's URLs stay what they were.
    papers = clean_rows(Paper, text=["abstract", "abstract_html", "title_html"], lines=["title"])
    authors = clean_rows(Author, lines=["name", "match_name"])
    rows = Author.objects.filter(pk__in=authors).only("pk", "name")
    for author in rows:
        author.normalized_name = normalize_name(author.name)
    Author.objects.bulk_update(rows, ["normalized_name"], batch_size=500)
    venues = clean_rows(Venue, lines=["name"])
    clean_rows(MergeLog, text=["reason"])
    keyword_papers = _clean_keywords(apps)
    # The search index holds a copy of titles, authors' and venues' names and keywords.
    reindex = {*papers, *keyword_papers}
    reindex.update(PaperAuthor.objects.filter(author__in=authors).values_list("paper", flat=True))
    reindex.update(Paper.objects.filter(venue__in=venues).values_list("pk", flat=True))
    reindex = sorted(reindex)
    for start in range(0, len(reindex), 500):
        search_index.index_papers(reindex[start : start + 500])
    if reindex or authors or venues:
        # A paper's title, authors and venue are on its pages, every list and feed showing
        # it and its summaries, and an author page; a migration runs once: every page.
        changes.everything()


def _clean_keywords(apps) -> list[int]:
    """Keyword names are unique: one that cleans to another's name is merged into it (its
    papers move there), one that cleans to nothing goes. The ids of the papers touched."""
    Keyword = apps.get_model("papers", "Keyword")
    Tagged = apps.get_model("papers", "Paper").keywords.through
    touched: list[int] = []
    for keyword in Keyword.objects.filter(MayHoldUnfit("name")).order_by("pk"):
        name = clean_line(keyword.name).strip()
        if name == keyword.name:
            continue
        tagged = Tagged.objects.filter(keyword_id=keyword.pk)
        touched += tagged.values_list("paper_id", flat=True)
        other = Keyword.objects.filter(name=name).first() if name else None
        if other is None and name:
            keyword.name = name
            keyword.save(update_fields=["name"])
            continue
        if other is not None:
            has_other = Tagged.objects.filter(keyword_id=other.pk).values("paper_id")
            tagged.exclude(paper_id__in=has_other).update(keyword_id=other.pk)
        keyword.delete()
    return touched


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0009_title_html"),
        ("web", "0003_content_changes"),  # where changes.everything() writes
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
