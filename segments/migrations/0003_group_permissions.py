"""Editors manage segments; support agents (Wagtail's Moderators group) grant them."""

from django.db import migrations

from core.migration_helpers import group_permissions

GROUP_PERMISSIONS = {
    "Editors": {"segment": ("view", "add", "change", "delete")},
    "Moderators": {
        "segment": ("view",),
        "segmentmembership": ("view", "add", "change", "delete"),
    },
}


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [group_permissions("segments", GROUP_PERMISSIONS)]
