"""The low-stock list's proxy of Product (no table): its own admin list and permissions."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0011_product_gallery"),
    ]

    operations = [
        migrations.CreateModel(
            name="LowStockProduct",
            fields=[],
            options={
                "verbose_name": "low-stock product",
                "verbose_name_plural": "low stock",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("shop.product",),
        ),
    ]
