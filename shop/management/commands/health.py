"""`manage.py health`: the operators' detailed health check (config/health.py), as JSON.

Connects to the broker and pings the workers (up to a second), which `/healthz` never does.
Exits 0 when everything is ok, 1 when degraded (a worker or beat heartbeat is stale, or no
worker answers), 2 when down (database or cache); `--cheap` runs only what `/healthz` runs.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config.celery import app
from config.health import health_report

EXIT_CODES = {"ok": 0, "degraded": 1, "down": 2}


class Command(BaseCommand):
    help = "Check the database, cache, broker, workers and beat; print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cheap", action="store_true", help="only what /healthz checks (no broker call)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        body, _ = health_report(app=None if options["cheap"] else app)
        self.stdout.write(json.dumps(body, indent=2))
        if body["status"] != "ok":
            raise SystemExit(EXIT_CODES[body["status"]])
