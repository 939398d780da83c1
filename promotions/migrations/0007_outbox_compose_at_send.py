"""Outbox rows composed when sent (issue 20): `compose_at_send` says a row's subject and bodies
are not written yet and the sending worker composes them (promotions.messaging.composers).
Every existing row was rendered when enqueued: False."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0006_promo_code_catalog_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="compose_at_send",
            field=models.BooleanField(
                default=False,
                help_text="Subject and bodies not written yet: the sending worker composes "
                "them from the object and stores them here before sending.",
            ),
        ),
    ]
