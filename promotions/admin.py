"""The promotions app's admin registry: Django's autodiscovery imports `promotions.admin`, so
this imports each package's admin module, which registers its models."""

from promotions.codes import admin as codes_admin
from promotions.giveaways import admin as giveaways_admin
from promotions.messaging import admin as messaging_admin
from promotions.reminders import admin as reminders_admin

__all__ = ["codes_admin", "giveaways_admin", "messaging_admin", "reminders_admin"]
