"""Catalog API through the whole Django stack, against a trivial DRF endpoint (the floor)."""

from __future__ import annotations

from typing import Any

from django.test import Client, override_settings

from bench.timing import count_queries, measure, record


def run() -> list[dict[str, Any]]:
    rows = []
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        client = Client()
        floor = record("api.floor GET", measure(lambda: client.get("/bench/floor/")))
        rows.append(floor)
        for name, url in [
            ("api.steps", "/api/steps/"),
            ("api.products page", "/api/products/"),
            ("api.products filtered", "/api/products/?step=tone&q=firming"),
            ("api.product detail", "/api/products/face-firming-toner/"),
        ]:
            queries = count_queries(lambda url=url: client.get(url))
            rows.append(
                record(name, measure(lambda url=url: client.get(url)), floor=floor, queries=queries)
            )
    return rows
