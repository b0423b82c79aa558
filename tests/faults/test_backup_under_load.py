"""`flask backup create`, the real command, while gunicorn sells; `flask backup restore` into
a new PostgreSQL database; the restored shop has exactly the snapshot's rows, whole.

The in-process version of this test (tests/integration/test_backup.py) runs on both engines;
this one drives the production set-up: gunicorn (2 workers, production settings) serving
shoppers who buy, and the commands as an operator runs them, in their own processes with the
shop's environment.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from shop.extensions import db as _db
from tests.backups import Instances, table_counts
from tests.load.server import ROOT, ShopServer
from tests.load.shoppers import Run, run_shoppers
from tests.load.world import build_catalogue, consistency_problems

pytestmark = pytest.mark.postgres

SHOPPERS = 30
SECONDS = 20


def flask_command(*args: str, database_url: str, instance: Path) -> subprocess.CompletedProcess:
    """Run `flask …` as an operator would: production settings, the shop's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MAIL_"))}
    env.update(
        FLASK_APP="shop",
        FLASK_CONFIG="production",
        SECRET_KEY="load-test-secret-" + "x" * 32,
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(instance),
        SEARCH_BACKEND="postgres",
    )
    flask = [sys.executable, "-m", "flask", *args]
    return subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def orders_now(db) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.text("SELECT count(*) FROM orders"))


def backup_while_buying(db, url: str, instance: Path, folder: Path, record: dict):
    async def during(run: Run) -> None:
        while len(run.tally.orders) < 10:  # buying is in full swing
            if run.expired():
                return
            await asyncio.sleep(0.05)
        record["orders_before"] = orders_now(db)
        record["command"] = await asyncio.to_thread(
            flask_command, "backup", "create", str(folder), database_url=url, instance=instance
        )
        record["orders_after"] = orders_now(db)
        record["confirmed_after"] = len(run.tally.orders)

    return during


def test_the_backup_command_while_gunicorn_sells_restores_exactly_its_snapshot(app, db, tmp_path):
    catalogue, initial_stock = build_catalogue(app, db)
    flask_migrate.stamp()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    server = ShopServer(url, tmp_path / "instance")
    folder = tmp_path / "backups"
    folder.mkdir()
    instances = Instances(tmp_path / "instances")
    record: dict = {}
    try:
        with server:
            run = Run(server.base_url, catalogue, SECONDS, buy_share=0.9, think=(0.01, 0.1))
            during = backup_while_buying(db, url, server.instance_path, folder, record)
            tally = asyncio.run(run_shoppers(run, SHOPPERS, during=during))
        created = record["command"]
        assert created.returncode == 0, created.stdout + created.stderr
        (archive,) = folder.iterdir()
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        target = instances.new("restored")
        with target.app_context():
            target_url = target.config["SQLALCHEMY_DATABASE_URI"]
            started = time.monotonic()
            restored = flask_command(
                "backup",
                "restore",
                str(archive),
                database_url=target_url,
                instance=Path(target.instance_path),
            )
            assert restored.returncode == 0, restored.stdout + restored.stderr
            counts = table_counts(_db.engine)
            tables = manifest["database"]["tables"]

            assert {table: counts[table] for table in tables} == tables
            assert consistency_problems(_db, initial_stock) == []
            orders = {k: v for k, v in record.items() if k.startswith("orders")}
            print(f"\nbackup under load: {tally.summary()}; orders {orders}, in the archive")
            print(f"{tables['orders']}; restored in {time.monotonic() - started:.1f} s")
            print(created.stdout + restored.stdout)
    finally:
        instances.close()
        server.stop()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))

    assert tally.server_errors == [] and tally.failures == [], tally.failures[:10]
    assert record["orders_before"] <= tables["orders"] <= record["orders_after"]
    assert record["orders_after"] > record["orders_before"]  # it kept selling during the backup
