"""The Celery app: `celery -A config worker` and `celery -A config beat` start from here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tasks live in the package whose service they call, each in its `tasks` module. Task names are
# given explicitly (`promotions.tasks.<name>` for those that were once in promotions/tasks.py),
# so a module can move without stranding tasks already queued or scheduled by beat.
TASK_PACKAGES = [
    "promotions.messaging",
    "promotions.codes",
    "promotions.giveaways",
    "promotions.reminders",
    "shop.checkout",
]

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(TASK_PACKAGES, related_name="tasks")
