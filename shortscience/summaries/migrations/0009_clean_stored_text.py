# Rows saved before save_summary() cleaned what it stores (lib/text.py): a control character
# in a summary made every feed showing it answer 500 until it left the latest 30.

from django.db import migrations

from shortscience.summaries import search_index
from shortscience.web import changes
from shortscience.web.stored_text import clean_rows


def clean_stored_text(apps, schema_editor):
    Summary = apps.get_model("summaries", "Summary")
    Revision = apps.get_model("summaries", "Revision")
    SummaryChange = apps.get_model("summaries", "SummaryChange")
    fields = ["body", "body_html", "excerpt", "excerpt_html", "body_text"]
    summaries = clean_rows(Summary, text=fields)
    revisions = clean_rows(Revision, text=["body"])
    for start in range(0, len(summaries), 500):
        search_index.index_summaries(summaries[start : start + 500])
    # The mirrors' feed lists a public summary whose text changed (SummaryChange.note).
    public = Summary.objects.filter(pk__in=summaries, visibility="public", is_hidden=False)
    SummaryChange.objects.bulk_create(
        SummaryChange(summary_id=pk) for pk in public.values_list("pk", flat=True).order_by("pk")
    )
    if summaries or revisions:
        # Which pages show a summary's text (its paper's, lists, feeds, a profile unless it
        # is anonymous) is the services' knowledge; a migration runs once: every page.
        changes.everything()


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0008_excerpt_html_and_text"),
        ("search", "0002_gin_without_pending_list"),  # the index rewritten for cleaned rows
        ("web", "0003_content_changes"),  # where changes.everything() writes
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
