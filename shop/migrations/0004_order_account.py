"""Orders gain their account (set at checkout when signed in) and their email normalised, which
existing orders get here, so an account finds the guest orders placed with its verified address."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from promotions.messaging.identity import normalize_email


def customer_emails_fill(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    batch = []
    for order in Order.objects.only("pk", "email").iterator(chunk_size=1000):
        order.customer_email = normalize_email(order.email)
        batch.append(order)
        if len(batch) == 1000:
            Order.objects.bulk_update(batch, ["customer_email"])
            batch = []
    Order.objects.bulk_update(batch, ["customer_email"])


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0003_catalog_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='customer_email',
            field=models.CharField(blank=True, editable=False, help_text='The email normalised (one mailbox is one person): how an account whose verified address this is finds the guest order.', max_length=254),
        ),
        migrations.AddField(
            model_name='order',
            name='user',
            field=models.ForeignKey(blank=True, help_text='The account signed in at checkout; empty for a guest order.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='orders', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['customer_email', 'created_at'], name='shop_order_custome_ba50fa_idx'),
        ),
        migrations.RunPython(customer_emails_fill, migrations.RunPython.noop, elidable=True),
    ]
