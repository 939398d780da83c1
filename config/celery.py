"""The Celery app: `celery -A config worker` and `celery -A config beat` start from here."""

import os
import socket

from celery import Celery
from celery.signals import heartbeat_sent, worker_ready

from config.health import BEAT_KEY, WORKER_KEY, heartbeat_write

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
    "shop.catalog.transfer",
]

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(TASK_PACKAGES, related_name="tasks")


@heartbeat_sent.connect  # type: ignore[untyped-decorator]
def _worker_heartbeat(sender: object = None, **kwargs: object) -> None:
    """Each event heartbeat of a worker (every 2 s, only while it holds a broker connection)
    is written where `/healthz` reads it (config/health.py); a failure is logged by Celery."""
    eventer = getattr(sender, "eventer", None)
    heartbeat_write(WORKER_KEY, hostname=getattr(eventer, "hostname", None) or socket.gethostname())


@worker_ready.connect  # type: ignore[untyped-decorator]
def _worker_ready(sender: object = None, **kwargs: object) -> None:
    heartbeat_write(WORKER_KEY, hostname=getattr(sender, "hostname", None) or socket.gethostname())


@app.task(name="config.health.beat_heartbeat", ignore_result=True)  # type: ignore[untyped-decorator]
def beat_heartbeat() -> None:
    """Queued by beat every HEALTH_BEAT_INTERVAL seconds: proves beat, the queue and a worker."""
    heartbeat_write(BEAT_KEY)
