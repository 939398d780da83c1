"""A merchant imports the demo catalog's export in the admin: one deliberate error shown on its
row, fixed, imported, and the changed product is on the storefront."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.admin_login import staff_sign_in
from tests.e2e.axe import Auditor

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_import_an_export_with_an_error_fix_it_and_see_the_product_change(
    demo: None, page: Any, staff_user: Any, tmp_path: Path
) -> None:
    auditor = Auditor(page)
    staff_sign_in(page)
    page.goto(page.base + "/admin/shop/product/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    citrus = next(row for row in rows if row["sku"] == "CLN-CITRUS")
    citrus["name"] = "Citrus Facial Wash, new formula"
    citrus["price"] = "23.50"
    toner = next(row for row in rows if row["sku"] == "TON-FIRM")
    toner["price"] = "24,50"  # the deliberate error
    path = tmp_path / "catalog.csv"

    def write() -> None:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), "utf-8")

    def upload() -> None:
        page.goto(page.base + "/admin/shop/product/")
        page.get_by_role("link", name="Import CSV or XLSX").click()
        auditor.check("import form")
        page.get_by_label("CSV or XLSX file").set_input_files(str(path))
        page.get_by_role("button", name="Check the file").click()
        page.wait_for_url("**/import/*/")

    write()
    upload()
    line = rows.index(toner) + 2
    error_row = page.locator(f"#row-{line}")
    assert "error" in error_row.inner_text()
    assert "'24,50' has a comma: use a dot for decimals (24.50)" in error_row.inner_text()
    assert page.get_by_role("button", name="Confirm the import").count() == 0
    auditor.check("import preview with an error")

    toner["price"] = "24.50"
    write()
    upload()
    citrus_row = page.locator(f"#row-{rows.index(citrus) + 2}")
    assert "will be changed" in citrus_row.inner_text()
    assert "name, price" in citrus_row.inner_text()
    auditor.check("import preview")
    page.get_by_role("button", name="Confirm the import").click()
    page.get_by_text("Imported catalog.csv: 0 created, 2 changed").wait_for()

    page.goto(page.base + f"/products/{citrus['slug']}/")
    assert page.get_by_role("heading", name="Citrus Facial Wash, new formula").count() == 1
    assert "$23.50" in page.locator("main").inner_text()
    auditor.assert_clean()
