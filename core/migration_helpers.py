"""Shared pieces of data migrations. Migrations import these, so change them only in ways
that keep every existing migration's meaning."""

from django.db import migrations


def group_permissions(app_label: str, grants: dict[str, dict[str, tuple[str, ...]]]):
    """A ``RunPython`` that gives groups model permissions of ``app_label``, e.g.
    ``{"Editors": {"synonym": ("view", "add")}}``; reversing it takes them back."""

    def codenames(permissions):
        return [f"{action}_{model}" for model, actions in permissions.items() for action in actions]

    def found(apps, permissions):
        Permission = apps.get_model("auth", "Permission")
        return list(
            Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames(permissions)
            )
        )

    def grant(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        # Permissions are created after all migrations; this one needs them now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        Group = apps.get_model("auth", "Group")
        for name, permissions in grants.items():
            for group in Group.objects.filter(name=name):
                group.permissions.add(*found(apps, permissions))

    def revoke(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        for name, permissions in grants.items():
            for group in Group.objects.filter(name=name):
                group.permissions.remove(*found(apps, permissions))

    return migrations.RunPython(grant, revoke)
