"""The catalog's settings (shop/quoting/snapshot.py, shop/catalog/transfer/), star-imported by
config/settings.py: how big a catalog is kept in memory for quotes, and how long a checked
import file waits for its confirmation."""

import os

# A catalog with more products is not kept in memory for quotes (shop.quoting.snapshot).
SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS = int(
    os.environ.get("SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS", "20000")
)
# A checked import file nobody confirms within this many hours is refused and dropped by beat's
# hourly sweep, which also queues again a step whose process went away (shop/catalog/transfer/
# jobs.py: `import_jobs_expire`, `import_jobs_stalled`).
IMPORT_JOB_KEEP_HOURS = int(os.environ.get("IMPORT_JOB_KEEP_HOURS", "168"))
CATALOG_BEAT_SCHEDULE = {
    "catalog-import-sweep": {
        "task": "shop.catalog.transfer.tasks.import_jobs_sweep",
        "schedule": 3600.0,
    }
}
