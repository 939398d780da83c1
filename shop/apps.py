from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self) -> None:
        # Registers checkout's system checks (`manage.py check --deploy`).
        from promotions.messaging.composers import composer_register
        from shop.checkout import checks  # noqa: F401
        from shop.checkout.emails import ORDER_CONFIRMATION, order_confirmation_compose

        # The order confirmation is enqueued uncomposed inside checkout; the outbox sits
        # below the shop, so the shop hands it the composer the sending worker calls.
        composer_register(ORDER_CONFIRMATION, order_confirmation_compose)
