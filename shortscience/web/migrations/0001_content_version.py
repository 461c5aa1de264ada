"""ContentVersion, which lived in the `front` app until that app was split (web, home,
ranking, demo). A database made before the split keeps its row: the old table is renamed."""

import django.utils.timezone
from django.db import migrations, models

OLD_TABLE = "front_contentversion"


def adopt_or_create(apps, schema_editor):
    model = apps.get_model("web", "ContentVersion")
    tables = schema_editor.connection.introspection.table_names()
    if model._meta.db_table in tables:
        return
    if OLD_TABLE in tables:
        schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
    else:
        schema_editor.create_model(model)


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("web", "ContentVersion"))


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContentVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("number", models.BigIntegerField(default=0)),
                        ("changed", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                ),
            ]
        ),
        migrations.RunPython(adopt_or_create, drop),
    ]
