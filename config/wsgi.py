"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import importlib
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, every view the URLconf imports) lives as long as
# the process: moved out of the garbage collector's sight, a full collection no longer walks
# its ~150,000 objects. Without this, a worker stopped for ~125 ms about every 200 checkouts,
# sometimes holding the rows other checkouts wait for (issue 20, docs/BENCHMARKS.md).
importlib.import_module(settings.ROOT_URLCONF)  # the views, now rather than on a first request
gc.collect()
gc.freeze()
