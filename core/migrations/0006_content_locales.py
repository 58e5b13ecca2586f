"""Content in English, Persian and Romanian: a Wagtail locale for each (pages that exist
stay in the default locale, English), and editors may translate pages (simple
translation's ``submit_translation``)."""

from django.db import migrations

from core.migration_helpers import group_permissions

LANGUAGES = ("en", "fa", "ro")


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code in LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


def remove_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    # Only a locale no page uses: reversing never deletes content.
    for code in LANGUAGES[1:]:
        locale = Locale.objects.filter(language_code=code).first()
        if locale and not Page.objects.filter(locale=locale).exists():
            locale.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_outbox"),
        ("wagtailcore", "0098_apitoken"),
        ("simple_translation", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_locales, remove_locales),
        group_permissions(
            "simple_translation", {"Editors": {"translation": ("submit",)}}  # submit_translation
        ),
    ]
