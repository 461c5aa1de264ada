# Rows saved before update_profile() and create_api_token() cleaned what they store
# (lib/text.py): a control character in a display name made every feed naming the member
# answer 500.

from django.db import migrations

from shortscience.web import changes
from shortscience.web.stored_text import clean_rows


def clean_stored_text(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ApiToken = apps.get_model("accounts", "ApiToken")
    members = clean_rows(User, text=["bio", "ban_reason"], lines=["display_name"])
    # A token's name is shown to its member alone, on a page never cached: nothing to say.
    clean_rows(ApiToken, lines=["name"])
    # As update_profile() says it: the name is on every page showing their signed work.
    changes.changed(members=members, lists=[changes.MEMBERS] if members else [])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_token"),
        ("web", "0003_content_changes"),  # where changes.changed() writes
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
