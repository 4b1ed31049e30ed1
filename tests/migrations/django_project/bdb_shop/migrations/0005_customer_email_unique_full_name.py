"""A unique constraint on a column with rows, and a column rename."""

# mypy: disallow-subclassing-any=False
from __future__ import annotations

from django.db import migrations, models  # type: ignore[import-untyped]


class Migration(migrations.Migration):
    dependencies = [("bdb_shop", "0004_fill_sku_tags_orders")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=models.EmailField(max_length=254, unique=True),
        ),
        migrations.RenameField(model_name="customer", old_name="name", new_name="full_name"),
    ]
