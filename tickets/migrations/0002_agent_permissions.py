"""Support agents (Wagtail's Moderators group) work the ticket queue in the admin."""

from django.db import migrations

from core.migration_helpers import group_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [group_permissions("tickets", {"Moderators": {"ticket": ("view", "change")}})]
