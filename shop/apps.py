from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self) -> None:
        # Registers checkout's system checks (`manage.py check --deploy`).
        from shop.checkout import checks  # noqa: F401
