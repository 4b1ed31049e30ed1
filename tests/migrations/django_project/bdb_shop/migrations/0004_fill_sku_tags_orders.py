"""Data migration (RunPython): SKUs for existing products, a tag per category, some orders."""

# mypy: disallow-subclassing-any=False
from __future__ import annotations

from typing import Any

from django.db import migrations  # type: ignore[import-untyped]
from django.db.models import CharField, Value  # type: ignore[import-untyped]
from django.db.models.functions import Cast, Concat, LPad  # type: ignore[import-untyped]


def forwards(apps: Any, schema_editor: Any) -> None:
    product = apps.get_model("bdb_shop", "Product")
    category = apps.get_model("bdb_shop", "Category")
    tag = apps.get_model("bdb_shop", "Tag")
    customer = apps.get_model("bdb_shop", "Customer")
    order = apps.get_model("bdb_shop", "Order")
    product.objects.update(sku=Concat(Value("SKU-"), LPad(Cast("id", CharField()), 5, Value("0"))))
    tags = {c.pk: tag(label=f"tag-{c.name}") for c in category.objects.order_by("pk")}
    tag.objects.bulk_create(tags.values())
    by_label = {t.label: t for t in tag.objects.all()}
    through = product.tags.through
    links = [
        through(product_id=p.pk, tag_id=by_label[tags[p.category_id].label].pk)
        for p in product.objects.order_by("pk")
    ]
    through.objects.bulk_create(links)
    first_products = list(product.objects.order_by("pk")[:5])
    orders = [
        order(customer=c, product=first_products[c.pk % 5], quantity=1 + c.pk % 3)
        for c in customer.objects.order_by("pk")
        if c.pk % 4 == 0
    ]
    order.objects.bulk_create(orders)
    customer.objects.filter(pk__in=[4, 8]).delete()  # cascades to their orders


def backwards(apps: Any, schema_editor: Any) -> None:
    apps.get_model("bdb_shop", "Order").objects.all().delete()
    apps.get_model("bdb_shop", "Tag").objects.all().delete()
    apps.get_model("bdb_shop", "Product").objects.update(sku="")


class Migration(migrations.Migration):
    dependencies = [("bdb_shop", "0003_tags_orders")]

    operations = [migrations.RunPython(forwards, backwards)]
