"""A column with a default on a table with rows, and an index."""

# mypy: disallow-subclassing-any=False
from __future__ import annotations

from django.db import migrations, models  # type: ignore[import-untyped]


class Migration(migrations.Migration):
    dependencies = [("bdb_shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="sku",
            field=models.CharField(default="", max_length=32),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["name"], name="product_name_idx"),
        ),
    ]
