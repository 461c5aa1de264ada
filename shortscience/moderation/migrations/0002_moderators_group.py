from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="moderators")


def remove_group(apps, schema_editor):
    # The group's members would silently stop being moderators; that is what undoing means.
    apps.get_model("auth", "Group").objects.filter(name="moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("moderation", "0001_reports_and_actions"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
