"""New tables referencing existing ones: a M2M through table and orders (two FKs)."""

# mypy: disallow-subclassing-any=False
from __future__ import annotations

from django.db import migrations, models  # type: ignore[import-untyped]


class Migration(migrations.Migration):
    dependencies = [("bdb_shop", "0002_product_sku_name_index")]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=50, unique=True)),
            ],
        ),
        migrations.AddField(
            model_name="product",
            name="tags",
            field=models.ManyToManyField(related_name="products", to="bdb_shop.tag"),
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("quantity", models.PositiveIntegerField(default=1)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=models.CASCADE,
                        related_name="orders",
                        to="bdb_shop.customer",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(on_delete=models.PROTECT, to="bdb_shop.product"),
                ),
            ],
        ),
    ]
