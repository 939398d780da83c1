"""Catalog import in the admin: upload, preview row by row, confirm; jobs, workers and races."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from shop.catalog import demo as catalog_demo
from shop.catalog.models import Product
from shop.catalog.price_history import PriceChange
from shop.catalog.transfer import engine, jobs, tasks
from shop.catalog.transfer.models import ImportJob
from tests.shop.catalog.transfer_helpers import csv_bytes, exported
from tests.shop.checkout_helpers import make_catalog, new_cart, stock
from tests.shop.race import buy, outcomes, race
from tests.workers import Worker, wait_for

IMPORT = reverse("admin:shop_product_import")
EXPORT = reverse("admin:shop_product_export")


@pytest.fixture
def staff(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


def upload(client: Client, rows: list[dict[str, str]], name: str = "catalog.csv") -> Any:
    file = SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")
    return client.post(IMPORT, {"file": file}, follow=True)


@pytest.mark.django_db
def test_the_changelist_links_import_and_both_exports(demo: None, staff: Client) -> None:
    page = staff.get(reverse("admin:shop_product_changelist")).content.decode()

    assert f'href="{IMPORT}"' in page
    assert f'href="{EXPORT}"' in page and f'href="{EXPORT}?format=xlsx"' in page


@pytest.mark.django_db
def test_export_downloads_csv_and_xlsx(demo: None, staff: Client) -> None:
    csv_response = staff.get(EXPORT)
    xlsx_response = staff.get(EXPORT, {"format": "xlsx"})

    assert csv_response["Content-Disposition"] == 'attachment; filename="products.csv"'
    assert csv_response.content.decode("utf-8-sig").startswith("sku,slug,name,step,price")
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet.max_row == Product.objects.count() + 1


@pytest.mark.django_db
def test_an_error_is_shown_on_its_row_then_the_fixed_file_imports_on_confirm(
    demo: None, staff: Client, staff_user: Any
) -> None:
    rows = exported()
    rows[0]["price"] = "19.50"
    rows[3]["price"] = "24,50"
    history = PriceChange.objects.count()

    page = upload(staff, rows).content.decode()

    assert "cannot be imported as it is" in page
    assert '<tr class="import-error" id="row-5">' in page
    assert "&#x27;24,50&#x27; has a comma: use a dot for decimals (24.50)" in page
    assert "Confirm the import" not in page
    assert Product.objects.get(sku=rows[0]["sku"]).price_amount != Decimal("19.50")

    rows[3]["price"] = "24.50"
    page = upload(staff, rows).content.decode()
    assert "0 created, 2 changed," in page and "Nothing is written yet" in page
    assert '<tr class="import-changed" id="row-2">' in page
    job = ImportJob.objects.latest("id")
    assert job.status == ImportJob.Status.CHECKED

    page = staff.post(reverse("admin:shop_product_import_job", args=[job.pk]), follow=True)

    assert "Imported catalog.csv: 0 created, 2 changed," in page.content.decode()
    assert Product.objects.get(sku=rows[0]["sku"]).price_amount == Decimal("19.50")
    assert PriceChange.objects.count() == history + 2
    assert set(PriceChange.objects.order_by("-id")[:2].values_list("source", "changed_by")) == {
        ("import", staff_user.pk)
    }


@pytest.mark.django_db
def test_a_file_that_is_not_a_spreadsheet_is_refused_next_to_the_field(staff: Client) -> None:
    file = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")

    page = staff.post(IMPORT, {"file": file}).content.decode()

    assert '<ul class="errorlist' in page
    assert "notes.txt is not a CSV or XLSX file" in page
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_missing_columns_are_refused_before_a_job_is_made(staff: Client) -> None:
    file = SimpleUploadedFile("c.csv", b"sku,name\nA,B\n", content_type="text/csv")

    page = staff.post(IMPORT, {"file": file}).content.decode()

    assert "c.csv: missing column(s) step, price." in page
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_job_that_is_not_checked_clean_cannot_be_confirmed(demo: None, staff: Client) -> None:
    rows = exported()
    rows[0]["step"] = "scrub"
    upload(staff, rows)
    job = ImportJob.objects.get()

    staff.post(reverse("admin:shop_product_import_job", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


@pytest.mark.django_db
def test_import_needs_staff_and_the_csrf_token(demo: None, staff_user: Any) -> None:
    shopper = get_user_model().objects.create_user("s", "s@example.com", "pw-123456789")
    client = Client()
    client.force_login(shopper)
    assert client.get(IMPORT).status_code == 302  # to the admin login
    assert client.get(EXPORT).status_code == 302

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(staff_user)
    file = SimpleUploadedFile("c.csv", b"sku,name,step,price\n", content_type="text/csv")
    assert checked.post(IMPORT, {"file": file}).status_code == 403


@pytest.mark.django_db
def test_a_running_job_shows_a_progress_bar_that_refreshes_without_script(
    demo: None, staff: Client
) -> None:
    job = ImportJob.objects.create(
        kind="products", file_name="big.csv", data=b"", rows=5000, status="checking"
    )
    jobs.cache.set(jobs.progress_key(job.pk), 1200)

    page = staff.get(reverse("admin:shop_product_import_job", args=[job.pk])).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="import-progress" max="5000" value="1200"' in page
    assert "1200 of 5000 rows" in page
    assert f'href="{reverse("admin:shop_product_import_job", args=[job.pk])}">Refresh now' in page
    assert "<script>" not in page


@pytest.mark.django_db
def test_a_large_file_is_checked_and_imported_by_the_task(
    demo: None, staff: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "ASYNC_ROWS", 5)
    queued: list[int] = []
    monkeypatch.setattr("shop.catalog.transfer.tasks.import_job_run.delay_on_commit", queued.append)
    rows = exported()
    rows[0]["price"] = "1.00"

    page = upload(staff, rows).content.decode()

    job = ImportJob.objects.get()
    assert queued == [job.pk] and 'http-equiv="refresh"' in page
    assert jobs.import_job_run(job_id=job.pk)  # the worker
    assert staff.post(reverse("admin:shop_product_import_job", args=[job.pk])).status_code == 302
    assert queued == [job.pk, job.pk]
    assert jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert Product.objects.get(sku=rows[0]["sku"]).price_amount == Decimal("1.00")


@pytest.mark.django_db
def test_running_a_step_twice_runs_it_once(demo: None, staff_user: Any) -> None:
    job = jobs.import_job_create(
        kind="products", name="c.csv", data=b"sku,name,step,price\nN-1,B,renew,1\n", user=None
    )

    assert jobs.import_job_run(job_id=job.pk) is True
    assert jobs.import_job_run(job_id=job.pk) is False
    job.refresh_from_db()
    assert jobs.import_job_confirm(job=job)
    assert jobs.import_job_run(job_id=job.pk) is True
    assert jobs.import_job_run(job_id=job.pk) is False
    assert Product.objects.filter(sku="N-1").count() == 1
    job.refresh_from_db()
    assert (job.status, bytes(job.data)) == ("imported", b"")  # the file is not kept


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_bad_last_row_leaves_every_row_unwritten() -> None:
    catalog_demo.load()
    rows = exported()
    for row in rows:
        row["price"] = "1.00"
    rows[-1]["days_of_use"] = "0"
    before = list(Product.objects.order_by("sku").values_list("sku", "price_amount"))

    report = engine.catalog_import(kind="products", name="c.csv", data=csv_bytes(rows), commit=True)

    assert [row.line for row in report.errors] == [len(rows) + 1]
    assert list(Product.objects.order_by("sku").values_list("sku", "price_amount")) == before
    assert not PriceChange.objects.filter(source="import").exists()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_workers_racing_for_one_job_import_it_once() -> None:
    catalog_demo.load()
    rows = exported()
    rows[0]["price"] = "3.00"
    job = jobs.import_job_create(kind="products", name="c.csv", data=csv_bytes(rows), user=None)
    jobs.import_job_run(job_id=job.pk)
    assert jobs.import_job_confirm(job=job)

    results = race(6, lambda _: jobs.import_job_run(job_id=job.pk))

    assert sorted(results) == [False] * 5 + [True]
    product = Product.objects.get(sku=rows[0]["sku"])
    assert PriceChange.objects.filter(product=product, source="import").count() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_imports_a_large_file_while_the_page_shows_progress(
    staff: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog_demo.load()
    monkeypatch.setattr(jobs, "ASYNC_ROWS", 5)  # this process queues; the worker only runs
    rows = exported()
    rows[0]["price"] = "2.00"
    worker = Worker(tmp_path / "mail").start()
    try:
        page = upload(staff, rows).content.decode()
        job = ImportJob.objects.get()
        assert 'http-equiv="refresh"' in page or job.status == ImportJob.Status.CHECKED
        wait_for(lambda: _status(job) == ImportJob.Status.CHECKED, timeout=60)
        staff.post(reverse("admin:shop_product_import_job", args=[job.pk]))
        wait_for(lambda: _status(job) == ImportJob.Status.IMPORTED, timeout=60)
    finally:
        worker.stop()
    page = staff.get(reverse("admin:shop_product_import_job", args=[job.pk])).content.decode()
    assert "Imported catalog.csv: 0 created, 1 changed," in page
    assert Product.objects.get(sku=rows[0]["sku"]).price_amount == Decimal("2.00")


def _status(job: ImportJob) -> str:
    job.refresh_from_db()
    return job.status


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_import_racing_checkouts_loses_no_sale() -> None:
    """Ten checkouts of the serum while an import changes every price: each sale stays sold."""
    catalog = make_catalog(stock=50)
    carts = [new_cart(APIClient(), {"product": "serum"}) for _ in range(10)]
    rows = exported()
    for row in rows:
        row["price"] = str(Decimal(row["price"]) + 1)
    data = csv_bytes(rows)

    def work(i: int) -> Any:
        if i == 0:
            return engine.catalog_import(kind="products", name="c.csv", data=data, commit=True)
        return buy(carts[i - 1], f"import-race-{i}")

    results = race(11, work)

    assert results[0].committed, results[0]
    sold = outcomes(results[1:])["201"]
    assert sold >= 1, results[1:]
    assert stock(catalog.serum) == [50 - sold]
    assert Product.objects.get(pk=catalog.serum.pk).price_amount == Decimal("31.00")


@pytest.mark.django_db
def test_a_checked_file_left_unconfirmed_is_refused_and_dropped(
    demo: None, staff: Client, settings: Any
) -> None:
    settings.IMPORT_JOB_KEEP_HOURS = 168
    rows = exported()
    rows[0]["price"] = "19.50"
    upload(staff, rows)
    waiting = ImportJob.objects.get()
    confirmed = jobs.import_job_create(
        kind="products", name="other.csv", data=csv_bytes(rows), user=None
    )
    jobs.import_job_run(job_id=confirmed.pk)
    assert jobs.import_job_confirm(job=confirmed)  # queued for import: not the sweep's to touch
    checked_at = ImportJob.objects.get(pk=waiting.pk).updated_at

    assert jobs.import_jobs_expire(now=checked_at + timedelta(hours=167)) == 0
    assert jobs.import_jobs_expire(now=checked_at + timedelta(hours=169)) == 1

    waiting.refresh_from_db()
    assert (waiting.status, bytes(waiting.data)) == ("refused", b"")
    message = "Not confirmed within 168 hours of its check: upload the file again."
    assert [row.errors for row in jobs.job_report(waiting).errors] == [[message]]
    assert not jobs.import_job_confirm(job=waiting)
    page = staff.get(reverse("admin:shop_product_import_job", args=[waiting.pk])).content.decode()
    assert message in page and "Confirm the import" not in page
    assert ImportJob.objects.get(pk=confirmed.pk).status == "import_queued"
    assert Product.objects.get(sku=rows[0]["sku"]).price_amount != Decimal("19.50")
    assert jobs.import_jobs_expire(now=checked_at + timedelta(hours=169)) == 0


@pytest.mark.django_db
def test_a_step_whose_process_went_away_is_queued_again_and_runs_once(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"sku,name,step,price\nN-1,B,renew,1\n"
    died = jobs.import_job_create(kind="products", name="died.csv", data=data, user=None)
    lost = jobs.import_job_create(kind="products", name="lost.csv", data=data, user=None)
    fresh = jobs.import_job_create(kind="products", name="fresh.csv", data=data, user=None)
    ImportJob.objects.filter(pk=died.pk).update(status="checking")  # claimed, then the worker died
    claimed = ImportJob.objects.get(pk=died.pk).updated_at
    assert jobs.import_job_run(job_id=died.pk) is False  # the redelivered task: claimed, stuck

    soon = claimed + timedelta(minutes=30)
    assert jobs.import_jobs_stalled(now=soon) == []  # may still be running, or be picked up
    later = claimed + timedelta(hours=7)
    assert jobs.import_jobs_stalled(now=later) == [died.pk, lost.pk, fresh.pk]
    assert ImportJob.objects.get(pk=died.pk).status == "check_queued"

    ImportJob.objects.filter(pk=fresh.pk).update(updated_at=later)  # queued a minute ago
    queued: list[int] = []
    monkeypatch.setattr("shop.catalog.transfer.tasks.import_job_run.delay", queued.append)
    with time_machine.travel(later, tick=False):  # beat's hourly run, seven hours on
        assert tasks.import_jobs_sweep() == {"expired": 0, "queued_again": 2}
    assert queued == [died.pk, lost.pk]
    for job_id in queued * 2:  # delivered twice: each step runs once
        jobs.import_job_run(job_id=job_id)
    assert ImportJob.objects.get(pk=died.pk).status == "checked"
    assert ImportJob.objects.get(pk=lost.pk).status == "checked"
    assert not Product.objects.filter(sku="N-1").exists()  # a check writes nothing
