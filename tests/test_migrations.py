"""The migration history stays valid while the models move between packages.

- `test_models_match_migrations`: `makemigrations --check` has nothing to write, so the models
  and the migrations describe the same schema.
- `test_database_of_old_main_migrates_forward`: a database built by the code of OLD_MAIN (the
  last commit before the move), with that code's `migrate`, `load_demo` and one paid order
  through its API, is migrated by today's code. Today's `migrate` succeeds and leaves nothing
  unapplied, and no migration the database has applied is unknown to today's code; no table or
  column of shop, kits or promotions is lost and every table keeps its row count; today's ORM
  reads every row of every model of the three apps, and every table belongs to a model; today's
  API shows the old order with the same figures; and `makemigrations --check` is clean against
  that database. It runs on a SQLite file, and on a
  PostgreSQL database of its own (created with a unique name, dropped afterwards) when
  DATABASE_URL points at PostgreSQL.

The old code comes from `git archive`; without git or the commit (a shallow clone) the test is
skipped, or fails under REQUIRE_SERVICES=1 as service tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command

OLD_MAIN = "6ce1457"
ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "tests" / "migration_probe.py"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
TIMEOUT = 240  # seconds for one manage.py run; pytest-timeout stops the whole test at 300


@pytest.mark.django_db
def test_models_match_migrations() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"The models and the migrations disagree:\n{out.getvalue()}", pytrace=False)


# -- The old code and a database of the test's own ----------------------------------------------


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def old_main(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The code of OLD_MAIN, extracted into a temporary folder."""
    if shutil.which("git") is None:
        _unavailable(f"git is needed to extract {OLD_MAIN}")
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{OLD_MAIN}^{{commit}}"],
        capture_output=True,
    )
    if found.returncode != 0:
        _unavailable(f"commit {OLD_MAIN} is not in this clone (shallow?): git fetch --unshallow")
    tree = tmp_path_factory.mktemp("old-main")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", OLD_MAIN], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def _postgres_database(server_url: str) -> Iterator[str]:
    """A new database on the server of `server_url`; dropped afterwards, whatever happened."""
    import psycopg

    name = f"migration_check_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.slow),
        pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.postgres]),
    ]
)
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """DATABASE_URL of an empty database that only this test uses."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old-main.sqlite3'}"
    else:
        yield from _postgres_database(os.environ["DATABASE_URL"])


# -- Running manage.py and the probe of one checkout ----------------------------------------


class Checkout:
    """One tree of the code, run with the venv's python against one database."""

    def __init__(self, root: Path, database_url: str, var_dir: Path) -> None:
        self.root = root
        self.env = {
            key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ
        } | {
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "SECRET_KEY": "migration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "SHOP_CATALOG_LISTEN": "0",  # the old code (6ce1457) starts a LISTEN thread otherwise
            "VAR_DIR": str(var_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if result.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} in {self.root} exited {result.returncode}\n"
                f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}",
                pytrace=False,
            )
        return result.stdout

    def manage(self, *args: str) -> str:
        return self.run("manage.py", *args)

    def probe(self, *command: str) -> Any:
        stdout = self.run("-P", str(PROBE), *command)
        line = next(line for line in stdout.splitlines() if line.startswith("PROBE "))
        return json.loads(line.removeprefix("PROBE "))


class Clock:
    """Seconds per step, printed at the end (pytest -s shows them)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []
        self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.append((step, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{step} {seconds:.1f}s" for step, seconds in self.steps)


# -- The proof --------------------------------------------------------------------------------


def test_database_of_old_main_migrates_forward(
    old_main: Path, scratch_url: str, tmp_path: Path
) -> None:
    old = Checkout(old_main, scratch_url, tmp_path / "var-old")
    new = Checkout(ROOT, scratch_url, tmp_path / "var-new")
    clock = Clock()

    old.manage("migrate", "--no-input", "-v", "0")
    clock.lap("old migrate")
    old.manage("load_demo")
    placed = old.probe("order")
    assert placed["status"] == "paid", placed
    before = old.probe("snapshot")
    clock.lap("old load_demo + order")

    new.manage("migrate", "--no-input", "-v", "0")
    new.manage("migrate", "--check", "--no-input")  # exits 1 if anything is left unapplied
    clock.lap("new migrate")

    after = new.probe("snapshot")
    seen = new.probe("read")
    shown = new.probe("show_order", placed["number"], placed["token"])
    new.manage("makemigrations", "--check", "--dry-run")
    clock.lap("new read + makemigrations")

    lost_tables = sorted(set(before["tables"]) - set(after["tables"]))
    assert not lost_tables, f"tables gone after today's migrate: {lost_tables}"
    lost_columns = {
        table: sorted(set(old_table["columns"]) - set(after["tables"][table]["columns"]))
        for table, old_table in before["tables"].items()
    }
    assert not any(lost_columns.values()), f"columns gone: {lost_columns}"
    rows_before = {table: t["rows"] for table, t in before["tables"].items()}
    rows_after = {table: after["tables"][table]["rows"] for table in rows_before}
    assert rows_after == rows_before

    applied_now = sorted(set(after["migrations"]) - set(before["migrations"]))
    assert set(before["migrations"]) <= set(after["migrations"])
    assert not seen["orphan_migrations"], (
        f"applied by the old code but unknown to today's: {seen['orphan_migrations']}"
    )
    read_rows = {model["table"]: model["rows"] for model in seen["models"].values()}
    assert sorted(read_rows) == sorted(after["tables"]), "a table without a model, or vice versa"
    assert read_rows == {table: t["rows"] for table, t in after["tables"].items()}
    assert shown == placed, "today's API shows the old order otherwise"

    print(
        f"\n{scratch_url.split(':')[0]}: order {placed['number']} ({placed['status']}); "
        f"{len(rows_before)} tables, {sum(rows_before.values())} rows kept; "
        f"{len(seen['models'])} models read; {clock}\n"
        f"applied by today's migrate: {applied_now or 'nothing'}\n"
        f"rows: {json.dumps(rows_before, sort_keys=True)}"
    )
