"""Content editors publish: the Editors group may publish pages (Wagtail's defaults give
it only add and edit, so every change would wait for a moderator)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    editors = Group.objects.filter(name="Editors").first()
    root = Page.objects.filter(depth=1).first()
    publish = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename="publish_page"
    ).first()
    if editors and root and publish:
        GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=publish)


def revoke(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(
        group__name="Editors", page__depth=1, permission__codename="publish_page"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
