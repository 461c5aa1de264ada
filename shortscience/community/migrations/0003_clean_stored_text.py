# Rows saved before validate_comment_body() cleaned what comments store (lib/text.py).

from django.db import migrations

from shortscience.web import changes
from shortscience.web.stored_text import clean_rows


def clean_stored_text(apps, schema_editor):
    Comment = apps.get_model("community", "Comment")
    CommentRevision = apps.get_model("community", "CommentRevision")
    comments = clean_rows(Comment, text=["body", "body_html"])
    revisions = clean_rows(CommentRevision, text=["body"])
    if comments or revisions:
        # Who is named where under an anonymous summary is the services' knowledge; a
        # migration runs once: every page.
        changes.everything()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_comment_recent_index"),
        ("web", "0003_content_changes"),  # where changes.everything() writes
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
