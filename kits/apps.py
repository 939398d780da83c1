from django.apps import AppConfig


class KitsConfig(AppConfig):
    name = "kits"
    verbose_name = "Kits and routines"

    def ready(self) -> None:
        # The quiz (kits.quiz) prices through shop.quoting and adds to carts, so it sits above
        # them (.importlinter) and kits/models.py, which quoting imports, cannot import it.
        # Its models belong to this app all the same: they register here, and its admin too.
        # Kits and routines register with the catalog's import and export, which sits below;
        # bulk_effects answers the catalog's bulk price preview with each kit's figures.
        from kits import bulk_effects, transfer  # noqa: F401
        from kits.quiz import admin, models  # noqa: F401
