"""Load: several hundred shoppers against gunicorn on PostgreSQL for a bounded time.

LOAD_SHOPPERS (300) and LOAD_SECONDS (35) make a longer run by hand, for example
`LOAD_SECONDS=300 LOAD_SHOPPERS=500 TEST_DATABASE_URL=… pytest tests/load -s`; the figures are
printed (run with -s) and written to LOAD_REPORT when that names a file.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
import sqlalchemy as sa

from shop.catalog.models import Variant
from tests.load.server import ShopServer
from tests.load.shoppers import Run, run_shoppers
from tests.load.world import build_catalogue, consistency_problems, order_numbers

pytestmark = pytest.mark.postgres

SHOPPERS = int(os.environ.get("LOAD_SHOPPERS", "300"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "35"))


def report(tally, shoppers: int, orders_in_db: int) -> dict:
    figures = {
        "shoppers": shoppers,
        "seconds": round(tally.seconds, 1),
        "requests": tally.requests,
        "requests_per_second": round(tally.requests / max(tally.seconds, 1), 1),
        "p50_seconds": round(tally.percentile(0.5), 3),
        "p95_seconds": round(tally.percentile(0.95), 3),
        "max_seconds": round(tally.percentile(1.0), 3),
        "journeys": dict(tally.journeys),
        "orders_submitted": tally.checkouts,
        "orders_placed": orders_in_db,
        "checkouts_refused": dict(tally.refusals),
        "adds_refused": tally.add_refused,
        "double_submits": tally.double_submits,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
    }
    print("\nload:", json.dumps(figures, ensure_ascii=False))
    if os.environ.get("LOAD_REPORT"):
        with open(os.environ["LOAD_REPORT"], "w") as out:
            json.dump(figures, out, indent=2, ensure_ascii=False)
    return figures


def test_several_hundred_shoppers_browse_search_and_buy_without_a_5xx_or_a_lost_order(
    app, db, tmp_path
):
    catalogue, initial_stock = build_catalogue(app, db)
    with ShopServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance") as server:
        tally = asyncio.run(run_shoppers(Run(server.base_url, catalogue, SECONDS), SHOPPERS))
        log = server.log_text()
    orders = order_numbers(db)
    report(tally, SHOPPERS, len(orders))

    assert tally.server_errors == [], tally.server_errors[:10]
    assert tally.failures == [], tally.failures[:10]  # every answer was the one expected
    assert "Traceback" not in log and "[ERROR]" not in log, log[-3000:]
    assert tally.in_flight == set()  # every order submitted got an answer
    # no lost and no duplicated order: the database holds exactly what the buyers were shown
    assert orders == tally.orders
    assert len(set(orders.values())) == len(orders)
    assert tally.double_submits > 0  # and the forms sent twice made one order each (checked)
    assert consistency_problems(db, initial_stock) == []
    # the scarce variants sold out, and the shoppers who came too late were told so
    scarce = {item.variant_id for item in catalogue.scarce}
    left = db.session.scalars(sa.select(Variant.stock).where(Variant.id.in_(scarce))).all()
    assert left == [0] * len(scarce)
    assert sum(tally.refusals.values()) + tally.add_refused > 0
    assert tally.checkouts >= 20 and tally.journeys["browse"] >= 20  # it really ran
