"""The shop's models at the last migration (0006): FKs, uniques, an index and a M2M."""

# mypy: disallow-subclassing-any=False
from __future__ import annotations

from django.db import models  # type: ignore[import-untyped]


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Customer(models.Model):
    full_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, unique=True)


class Label(models.Model):
    label = models.CharField(max_length=50, unique=True)


class Product(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=32, default="")
    tags = models.ManyToManyField(Label, related_name="products")

    class Meta:
        indexes = [models.Index(fields=["name"], name="product_name_idx")]


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(default=1)
