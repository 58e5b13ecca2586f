"""The home page, moved from ``core``: the model is declared in this app's state on the
table ``core`` created (``core_homepage``), and the content type row follows it, so the
existing home page (and its revisions and permissions) now belong to ``portal``."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="core", new="portal"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    before = types.filter(app_label=old, model="homepage").first()
    if before is None:
        return
    after = types.filter(app_label=new, model="homepage").first()
    if after is None:
        before.app_label = new
        before.save(update_fields=["app_label"])
        return
    # Both exist (code that already knew the new app ran before this migration): point
    # every reference at the new row, then drop the old one.
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.many_to_one
                and field.concrete
                and field.related_model._meta.label_lower == "contenttypes.contenttype"
            ):
                rows = model._default_manager.using(db).filter(**{field.name: before})
                if model._meta.label_lower == "auth.permission":
                    # A permission the new row already has is a duplicate, not a move.
                    taken = model._default_manager.using(db).filter(**{field.name: after})
                    rows.filter(codename__in=taken.values("codename")).delete()
                rows.update(**{field.name: after})
    before.delete()


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="portal", new="core")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
        ("core", "0002_editors_publish"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HomePage",
                    fields=[
                        (
                            "page_ptr",
                            models.OneToOneField(
                                auto_created=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                parent_link=True,
                                primary_key=True,
                                serialize=False,
                                to=settings.WAGTAIL_PAGE_MODEL,
                            ),
                        ),
                        (
                            "hero_title",
                            models.CharField(
                                default="How can we help?", max_length=120, verbose_name="headline"
                            ),
                        ),
                        (
                            "hero_text",
                            models.CharField(
                                blank=True, max_length=250, verbose_name="text under the headline"
                            ),
                        ),
                    ],
                    options={"verbose_name": "home page", "db_table": "core_homepage"},
                    bases=("wagtailcore.page",),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
