"""The promotions app: promo codes, giveaways, reminders and the email outbox, one Django app."""

from django.apps import AppConfig

from promotions.giveaways import signals


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = "Promotions, giveaways and reminders"

    def ready(self) -> None:
        # Giveaways tell reminders about entries through signals, so giveaways never imports
        # reminders. The receivers' module loads models, so it is loaded once the app
        # registry is ready, here, rather than when this module is imported.
        from promotions.codes.offer_selectors import offer_rules_load
        from promotions.reminders import receivers
        from shop.catalog.offers import offer_loader_set

        # Every price is computed with the automatic offers; the pricing callers sit below
        # this app, so it hands them its loader (see shop.catalog.offers).
        offer_loader_set(offer_rules_load)

        signals.entry_created.connect(
            receivers.on_entry_created, dispatch_uid="reminders.entry_created"
        )
        signals.entry_confirmed.connect(
            receivers.on_entry_confirmed, dispatch_uid="reminders.entry_confirmed"
        )
