"""Each membership's calendar link key: added empty, filled one key per row (a callable
default is evaluated once for all existing rows), then made unique."""

import secrets

from django.db import migrations, models

import shortscience.groups.models


def fill(apps, schema_editor):
    Membership = apps.get_model("groups", "Membership")
    for pk in Membership.objects.filter(calendar_key__isnull=True).values_list("pk", flat=True):
        Membership.objects.filter(pk=pk).update(calendar_key=secrets.token_urlsafe(12))


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="calendar_key",
            field=models.CharField(max_length=32, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="calendar_key",
            field=models.CharField(
                default=shortscience.groups.models.new_key, max_length=32, unique=True
            ),
        ),
    ]
