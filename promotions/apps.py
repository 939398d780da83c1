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
        from promotions.reminders import receivers

        signals.entry_created.connect(
            receivers.on_entry_created, dispatch_uid="reminders.entry_created"
        )
        signals.entry_confirmed.connect(
            receivers.on_entry_confirmed, dispatch_uid="reminders.entry_confirmed"
        )
