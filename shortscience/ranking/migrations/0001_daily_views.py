"""DailyViews, which lived in the `front` app until that app was split (web, home, ranking,
demo). A database made before the split keeps its rows: the old table is renamed; a new
database gets the table created."""

import django.db.models.deletion
from django.db import migrations, models

OLD_TABLE = "front_dailyviews"


def adopt_or_create(apps, schema_editor):
    model = apps.get_model("ranking", "DailyViews")
    tables = schema_editor.connection.introspection.table_names()
    if model._meta.db_table in tables:
        return
    if OLD_TABLE in tables:
        schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
    else:
        schema_editor.create_model(model)


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("ranking", "DailyViews"))


class Migration(migrations.Migration):
    initial = True

    dependencies = [("papers", "0008_summary_stats")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DailyViews",
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
                        ("day", models.DateField()),
                        ("count", models.PositiveIntegerField(default=0)),
                        (
                            "paper",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="daily_views",
                                to="papers.paper",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [models.Index(fields=["day"], name="daily_views_day")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("paper", "day"), name="daily_views_one_per_paper_day"
                            )
                        ],
                    },
                ),
            ]
        ),
        migrations.RunPython(adopt_or_create, drop),
    ]
