# Rows saved before the moderation services cleaned reports' notes and actions' reasons
# (lib/text.py).

from django.db import migrations

from shortscience.web import changes
from shortscience.web.stored_text import clean_rows


def clean_stored_text(apps, schema_editor):
    Report = apps.get_model("moderation", "Report")
    ModerationAction = apps.get_model("moderation", "ModerationAction")
    # A report is read by moderators alone, on pages never cached: nothing to say.
    clean_rows(Report, text=["note"])
    if clean_rows(ModerationAction, text=["reason", "target_label"]):
        changes.changed(lists=[changes.MODERATION])  # the public log


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_moderators_group"),
        ("web", "0003_content_changes"),  # where changes.changed() writes
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
