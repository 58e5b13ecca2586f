"""Editors manage segments; support agents (Wagtail's Moderators group) grant them."""

from django.db import migrations

GROUP_PERMISSIONS = {
    "Editors": {"segment": ("view", "add", "change", "delete")},
    "Moderators": {
        "segment": ("view",),
        "segmentmembership": ("view", "add", "change", "delete"),
    },
}


def _codenames(permissions):
    return [f"{action}_{model}" for model, actions in permissions.items() for action in actions]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("segments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GROUP_PERMISSIONS.items():
        found = list(
            Permission.objects.filter(
                content_type__app_label="segments", codename__in=_codenames(permissions)
            )
        )
        for group in Group.objects.filter(name=name):
            group.permissions.add(*found)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GROUP_PERMISSIONS.items():
        found = Permission.objects.filter(
            content_type__app_label="segments", codename__in=_codenames(permissions)
        )
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*found)


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
