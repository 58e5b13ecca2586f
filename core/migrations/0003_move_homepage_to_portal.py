"""The home page moved to the ``portal`` app: forget it here, without touching the table
(``portal``'s first migration takes it over, same table, same rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_editors_publish"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="HomePage")],
            database_operations=[],
        ),
    ]
