"""Money events racing each other write one set of entries, on SQLite and PostgreSQL.

Real threads, each with its own app context and database session, held until all of them
have read the state and then let go together (tests/concurrency.py). Two deliveries of the
same cash-on-delivery shipment, two cancellations of the same paid shipment, two refunds of
it, and four writers of the same event key with no lock at all: the ledger ends with exactly
the entries of one event.
"""

from __future__ import annotations

import sqlalchemy as sa

from shop.enums import OrderStatus, PaymentMethod
from shop.errors import Refused
from shop.ledger import services as ledger
from shop.ledger.models import EntryKind, LedgerEntry
from shop.orders import states
from shop.orders.models import Order, SubOrder
from shop.orders.producer_services import move_shipment
from shop.orders.refunds import mark_refunded_by_hand
from shop.payments.services import confirm_transfer
from shop.producers.models import Producer
from tests.concurrency import Race
from tests.integration import test_ledger
from tests.integration.test_buyer_orders import place_for, walk

S = OrderStatus
shop_world = test_ledger.shop_world  # the fixture, shared


def entries_of(db, sub_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [
        (e.kind.value, e.amount)
        for e in db.session.scalars(
            sa.select(LedgerEntry)
            .where(LedgerEntry.sub_order_id == sub_id)
            .order_by(LedgerEntry.id)
        )
    ]


def in_own_context(app, outcomes: list[str], fn, *args):
    """A racer: `fn(*args)` in its own app context and session; records what it was told."""

    def run():
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                fn(*args)
                outcomes.append("done")
            except Refused:
                outcomes.append("refused")
            finally:
                scoped.session.remove()

    return run


def test_two_deliveries_of_one_cash_shipment_at_once_write_one_sale(app, db, shop_world):
    order = place_for(db, None, (shop_world["honey"], 1))
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED, S.SHIPPED)
    db.session.commit()
    owner = shop_world["household"].owner_id
    outcomes: list[str] = []

    def deliver():
        from shop.extensions import db as scoped

        move_shipment(scoped.session.get(SubOrder, sub.id), S.DELIVERED, owner)

    with Race(db, rows=[(Order, order.id), (SubOrder, sub.id)]) as race:
        for _ in range(2):
            race.start(in_own_context(app, outcomes, deliver))

    assert sorted(outcomes) == ["done", "refused"]
    assert entries_of(db, sub.id) == [
        ("sale", 123_450),
        ("shipping", 30_000),
        ("commission", -6_173),
        ("tax_vat", -1_235),
        ("tax_pit", -617),
    ]


def test_two_cancellations_and_two_refunds_of_one_paid_shipment_reverse_it_once(
    app, db, shop_world
):
    order = place_for(
        db,
        None,
        (shop_world["honey"], 1),
        (shop_world["coffee"], 1),
        method=PaymentMethod.BANK_TRANSFER,
    )
    confirm_transfer(order, shop_world["staff"])
    _, honey = test_ledger.subs(order, shop_world)
    staff_id = shop_world["staff"].id
    outcomes: list[str] = []

    def cancel():
        from shop.extensions import db as scoped

        try:
            states.transition(
                scoped.session.get(SubOrder, honey.id),
                S.CANCELLED,
                role=states.STAFF,
                actor_id=staff_id,
            )
        except Refused:
            scoped.session.rollback()
            raise
        scoped.session.commit()

    with Race(db, rows=[(Order, order.id), (SubOrder, honey.id)]) as race:
        for _ in range(2):
            race.start(in_own_context(app, outcomes, cancel))
    assert sorted(outcomes) == ["done", "refused"]
    once = [
        ("sale", 123_450),
        ("shipping", 30_000),
        ("commission", -6_173),
        ("tax_vat", -1_235),
        ("tax_pit", -617),
        ("sale", -123_450),
        ("shipping", -30_000),
        ("commission", 6_173),
        ("tax_vat", 1_235),
        ("tax_pit", 617),
    ]
    assert entries_of(db, honey.id) == once

    refunds: list[str] = []

    def refund():
        from shop.accounts.models import User
        from shop.extensions import db as scoped

        mark_refunded_by_hand(
            scoped.session.get(SubOrder, honey.id), scoped.session.get(User, staff_id), "UNC-7"
        )

    with Race(db, rows=[(Order, order.id), (SubOrder, honey.id)]) as race:
        for _ in range(2):
            race.start(in_own_context(app, refunds, refund))
    assert sorted(refunds) == ["done", "refused"]
    assert entries_of(db, honey.id) == once
    assert ledger.balances(shop_world["household"].id).total == 0


def test_four_writers_of_one_event_key_without_any_lock_write_one_entry(app, db, shop_world):
    producer_id = shop_world["coop"].id
    written: list[bool] = []

    def write():
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                written.append(
                    ledger.record(producer_id, EntryKind.ADJUSTMENT, 10_000, "adjust:race")
                )
                scoped.session.commit()
            finally:
                scoped.session.remove()

    with Race(db, rows=[(Producer, producer_id)]) as race:
        for _ in range(4):
            race.start(write)

    assert sorted(written) == [False, False, False, True]
    count = sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.event_key == "adjust:race")
    assert db.session.scalar(count) == 1
