"""Orders: the `pending` status of a checkout's reservation while its payment is authorized."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0009_stock_adjustment"),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending payment"),
                    ("placed", "placed"),
                    ("paid", "paid"),
                    ("cancelled", "cancelled"),
                    ("refunded", "refunded"),
                ],
                default="placed",
                max_length=10,
            ),
        ),
    ]
