"""The shop is SIGKILLed while buyers place orders; after a restart nothing is half done.

gunicorn (two workers, production settings) serves shoppers who mostly buy with cash on
delivery. Once orders are flowing and some are on their way, the whole process group gets
SIGKILL, then the shop is started again and the shoppers carry on. place_order() is one
transaction, so PostgreSQL rolls back whatever a killed worker had not committed: every
order in the database is whole, stock matches the orders, every order a buyer saw
confirmed is there, and the only orders no buyer saw are those whose answer the kill cut.
"""

from __future__ import annotations

import asyncio
import random
import time

import aiohttp
import pytest

from tests.load.server import ShopServer
from tests.load.shoppers import Run, Shopper, run_shoppers
from tests.load.world import build_catalogue, consistency_problems, order_numbers

pytestmark = pytest.mark.postgres

SHOPPERS = 60
SECONDS = 25


def killer(server: ShopServer, record: dict):
    """Wait for orders to flow and some to be on their way, then SIGKILL and restart."""

    async def kill_and_restart(run: Run) -> None:
        while len(run.tally.orders) < 15 or not run.tally.in_flight:
            if run.expired():
                return
            await asyncio.sleep(0.005)
        record["in_flight"] = set(run.tally.in_flight)
        record["confirmed_before"] = len(run.tally.orders)
        await asyncio.to_thread(server.kill)
        record["left_running"] = server.group_members()
        await asyncio.sleep(1)
        await asyncio.to_thread(server.start)
        record["confirmed_at_restart"] = len(run.tally.orders)

    return kill_and_restart


async def one_purchase(base_url: str, catalogue) -> str:
    """A new buyer, after everything: the restarted shop must take the order."""
    run = Run(base_url, catalogue, seconds=60, scarce_share=0, double_share=0)
    run.deadline = time.monotonic() + run.seconds
    run.connector = aiohttp.TCPConnector(limit=4, keepalive_timeout=10)
    shopper = Shopper(run, random.Random(7))
    try:
        outcome = await shopper.buy()
    finally:
        await shopper.close()
        await run.connector.close()
    assert run.tally.failures == [] and outcome == "order", run.tally.failures
    (number,) = run.tally.orders.values()
    return number


def test_a_sigkill_in_the_middle_of_orders_leaves_no_half_order_and_loses_none(app, db, tmp_path):
    catalogue, initial_stock = build_catalogue(app, db)
    server = ShopServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance")
    record: dict = {}
    try:
        server.start()
        run = Run(
            server.base_url,
            catalogue,
            SECONDS,
            tolerate_disconnects=True,
            buy_share=0.9,
            think=(0.01, 0.1),
        )
        tally = asyncio.run(run_shoppers(run, SHOPPERS, during=killer(server, record)))
        last = asyncio.run(one_purchase(server.base_url, catalogue))
    finally:
        server.stop()
    figures = {k: v for k, v in record.items() if k != "in_flight"}
    print("\nsigkill:", tally.summary(), figures, "in flight at the kill:", record.get("in_flight"))

    assert record.get("in_flight"), "the kill did not happen while orders were being placed"
    assert record["left_running"] == []  # master and workers died at once
    assert tally.disconnects > 0
    assert tally.server_errors == [], tally.server_errors[:10]
    assert tally.failures == [], tally.failures[:10]
    assert len(tally.orders) > record["confirmed_at_restart"]  # orders again after restart

    in_db = order_numbers(db)
    for key, number in tally.orders.items():  # every order a buyer saw confirmed is there
        assert in_db.get(key) == number, key
    unseen = set(in_db) - set(tally.orders) - {k for k, n in in_db.items() if n == last}
    assert unseen <= tally.in_flight  # only those whose answer the kill cut
    print(
        f"committed without an answer: {len(unseen)}; never committed: "
        f"{len(tally.in_flight - set(in_db))}"
    )
    assert consistency_problems(db, initial_stock) == []
