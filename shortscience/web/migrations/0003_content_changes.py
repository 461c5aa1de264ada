"""Pages keyed by what they show (web/changes.py, web/pages.py): the log of changes and
its clock replace the one content version."""

import secrets

import django.utils.timezone
from django.db import migrations, models

import shortscience.web.models


def start_the_clock(apps, schema_editor):
    clock = apps.get_model("web", "ContentClock")
    clock.objects.create(pk=1, seq=0, pruned=0, epoch=secrets.token_hex(8))


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0002_tasks"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField()),
                ("tag", models.CharField(max_length=64)),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="ContentClock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("pruned", models.BigIntegerField(default=0)),
                (
                    "epoch",
                    models.CharField(default=shortscience.web.models.new_epoch, max_length=16),
                ),
            ],
        ),
        migrations.DeleteModel(
            name="ContentVersion",
        ),
        migrations.AddIndex(
            model_name="contentchange",
            index=models.Index(fields=["seq"], name="content_change_seq"),
        ),
        migrations.AddIndex(
            model_name="contentchange",
            index=models.Index(fields=["created"], name="content_change_created"),
        ),
        migrations.RunPython(start_the_clock, migrations.RunPython.noop),
    ]
