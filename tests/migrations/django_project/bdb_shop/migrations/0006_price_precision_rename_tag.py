# mypy: disallow-subclassing-any=False
"""A column type change on a table with rows, and a model rename (its table, the M2M column)."""

from __future__ import annotations

from django.db import migrations, models  # type: ignore[import-untyped]


class Migration(migrations.Migration):
    dependencies = [("bdb_shop", "0005_customer_email_unique_full_name")]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=12),
        ),
        migrations.RenameModel(old_name="Tag", new_name="Label"),
    ]
