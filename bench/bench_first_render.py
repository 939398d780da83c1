"""Time to first render of each storefront page: Debian's chromium (through Playwright) loads
home, products, a product, the builder, the cart, checkout, a giveaway and a help page from a
live server on the demo data, and reads first-contentful-paint from the Performance API.

One browser context for the run (so the cart has the seven-piece collection for the cart and
checkout pages), at 390 px: one warm-up load per page, then `ROUNDS` loads, each in a new
tab; static files come from the browser's cache after the warm-up, as on a shopper's second
page. Each row gives the median and p95 of FCP and, as `ttfb_us`, the median time to the
response's first byte, which says how much of the render is the server's.
"""

from __future__ import annotations

import os
import shutil
import statistics
from typing import Any

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread

from promotions.giveaways.models import Giveaway

ROUNDS = 9
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic"]
PAINT = """() => new Promise(resolve => {
  const found = () => performance.getEntriesByName('first-contentful-paint')[0];
  const done = () => resolve({fcp: found().startTime,
    ttfb: performance.getEntriesByType('navigation')[0].responseStart});
  if (found()) { done(); return; }
  new PerformanceObserver(() => { if (found()) done(); }).observe({type: 'paint', buffered: true});
})"""


def _pages() -> list[tuple[str, str]]:
    giveaway = Giveaway.objects.order_by("pk").first()
    pages = [
        ("home", "/"),
        ("products", "/shop/"),
        ("product", "/products/citrus-facial-wash/"),
        ("builder", "/kits/routines/three-steps-to-refined-pores/"),
        ("cart", "/cart/"),
        ("checkout", "/checkout/"),
        ("help", "/help/shipping/"),
    ]
    if giveaway is not None:
        pages.insert(6, ("giveaway", f"/giveaways/{giveaway.slug}/"))
    return pages


def _server() -> LiveServerThread:
    """The app on a free port in this process, sharing an in-memory SQLite test database."""
    shared = {}
    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
            connection.inc_thread_sharing()
            shared[connection.alias] = connection
    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


def _measure(context: Any, url: str) -> dict[str, float]:
    page = context.new_page()
    page.goto(url, wait_until="load")
    timing: dict[str, float] = page.evaluate(PAINT)
    page.close()
    return timing


def run() -> list[dict[str, Any]]:
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if chromium is None:
        print("   skipped: chromium is not installed (apt-get install chromium)")
        return []
    from playwright.sync_api import sync_playwright  # dev dependency, only for this bench

    pages = _pages()  # before Playwright's event loop, in which Django refuses queries
    server = _server()
    base = f"http://127.0.0.1:{server.port}"
    rows: list[dict[str, Any]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(base + "/kits/seven-piece-collection/")
            page.get_by_role("button", name="Add to cart").click()
            page.wait_for_url("**/cart/")
            page.close()
            for name, path in pages:
                _measure(context, base + path)  # warm-up: static files into the cache
                samples = [_measure(context, base + path) for _ in range(ROUNDS)]
                fcp = sorted(s["fcp"] * 1000 for s in samples)
                ttfb = [s["ttfb"] * 1000 for s in samples]
                rows.append(
                    {
                        "name": f"first render: {name} ({path})",
                        "median_us": round(statistics.median(fcp), 1),
                        "p95_us": round(fcp[min(len(fcp) - 1, round(0.95 * (len(fcp) - 1)))], 1),
                        "ttfb_us": round(statistics.median(ttfb), 1),
                        "n": ROUNDS,
                    }
                )
            browser.close()
    finally:
        server.terminate()
    return rows
