"""Editors manage search synonyms and read the search reports in the admin."""

from django.db import migrations

from core.migration_helpers import group_permissions

PERMISSIONS = {
    "synonym": ("view", "add", "change", "delete"),
    "searchlog": ("view",),
}


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_analytics_and_synonyms"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [group_permissions("search", {"Editors": PERMISSIONS})]
