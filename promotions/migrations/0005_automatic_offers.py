"""Automatic offers (issue 18): the offer fields of a promotion, offer uses as redemptions
without a code, and the catalog version triggers on promotions, so that every price computed
from the cached catalog sees an offer saved a moment ago (see promotions.codes.offer_selectors).
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

from shop.catalog.version import unwatch, watch

# Frozen here: a later change to what is watched gets a migration of its own. `uses` is left
# out (checkout counts uses without throwing the cache away; an offer running out touches the
# token itself), and so is `updated_at`, which only Django's save() writes along with the rest.
PROMOTION_COLUMNS = (
    "name", "kind", "value", "gift_product_id", "applies_to_bundles", "starts_at", "ends_at",
    "usage_limit", "per_customer_limit", "min_subtotal_amount", "combinable", "active",
    "automatic", "min_items", "buy_quantity", "get_quantity", "priority",
)
TABLES = [
    ("promotions_promotion", PROMOTION_COLUMNS),
    ("promotions_promotion_products", ()),
    ("promotions_promotion_kits", ()),
    ("promotions_promotion_routines", ()),
    ("promotions_promotion_steps", ()),
]


def install(apps, schema_editor):
    watch(schema_editor.connection, TABLES)


def uninstall(apps, schema_editor):
    unwatch(schema_editor.connection, TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ('promotions', '0004_reminders'),
        ('shop', '0003_catalog_version'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='promotion',
            name='promotion_kind_valid',
        ),
        migrations.AddField(
            model_name='promotion',
            name='automatic',
            field=models.BooleanField(default=False, help_text='Applies by itself to every cart that meets its conditions: no code to type. An automatic offer has no codes.', verbose_name='automatic offer'),
        ),
        migrations.AddField(
            model_name='promotion',
            name='buy_quantity',
            field=models.PositiveIntegerField(blank=True, help_text='Buy X get Y: units bought in every group (the X).', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)], verbose_name='buy'),
        ),
        migrations.AddField(
            model_name='promotion',
            name='get_quantity',
            field=models.PositiveIntegerField(blank=True, help_text='Buy X get Y: the cheapest units of every group that are free (the Y).', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)], verbose_name='get'),
        ),
        migrations.AddField(
            model_name='promotion',
            name='min_items',
            field=models.PositiveIntegerField(blank=True, help_text="Automatic offers: units needed across the offer's eligible lines (e.g. 3 for “any 3 products”). Empty: no minimum.", null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)]),
        ),
        migrations.AddField(
            model_name='promotion',
            name='priority',
            field=models.IntegerField(default=0, help_text='Automatic offers are judged highest priority first (ties: oldest first).', validators=[django.core.validators.MinValueValidator(-1000), django.core.validators.MaxValueValidator(1000)]),
        ),
        migrations.AlterField(
            model_name='promotion',
            name='kind',
            field=models.CharField(choices=[('percent', 'percent off'), ('amount', 'amount off'), ('free_shipping', 'free shipping'), ('gift', 'free gift'), ('buy_x_get_y', 'buy X get Y')], default='percent', max_length=16),
        ),
        migrations.AlterField(
            model_name='redemption',
            name='code',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='redemptions', to='promotions.promocode'),
        ),
        migrations.AddConstraint(
            model_name='promotion',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['percent', 'amount', 'free_shipping', 'gift', 'buy_x_get_y'])), name='promotion_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='promotion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'buy_x_get_y'), _negated=True), models.Q(('automatic', True), ('buy_quantity__gte', 1), ('buy_quantity__isnull', False), ('get_quantity__gte', 1), ('get_quantity__isnull', False)), _connector='OR'), name='promotion_buy_x_get_y_quantities'),
        ),
        migrations.AddConstraint(
            model_name='promotion',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'buy_x_get_y'), models.Q(('buy_quantity__isnull', True), ('get_quantity__isnull', True)), _connector='OR'), name='promotion_buy_get_only_for_buy_x_get_y'),
        ),
        migrations.AddConstraint(
            model_name='promotion',
            constraint=models.CheckConstraint(condition=models.Q(('min_items__isnull', True), models.Q(('automatic', True), ('min_items__gte', 1)), _connector='OR'), name='promotion_min_items_automatic'),
        ),
        migrations.AddConstraint(
            model_name='redemption',
            constraint=models.UniqueConstraint(condition=models.Q(('code__isnull', True), ('released_at__isnull', True)), fields=('order', 'promotion'), name='redemption_offer_once_per_order'),
        ),
        migrations.RunPython(install, uninstall),
    ]
