"""Editors and Moderators (Wagtail's groups) moderate the community in the admin."""

from django.db import migrations

from core.migration_helpers import group_permissions

PERMISSIONS = {
    "question": ("view", "change"),
    "answer": ("view", "change"),
    "flag": ("view",),
    "postrevision": ("view",),
    "forumprofile": ("view", "add", "change"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [group_permissions("forum", {"Editors": PERMISSIONS, "Moderators": PERMISSIONS})]
