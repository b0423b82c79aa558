"""Nothing is paid twice, with real threads on SQLite and PostgreSQL (tests/concurrency.py):
two payout batches made at the same moment, and a payout batch made while a refund lands.

A batch's line takes the producer's available entries with one conditional UPDATE
(`payout_line_id IS NULL`); the second batch finds them taken. A shipment cancelled (its money
refunded) while the batch is made reverses its own entries only: the batch pays what was
available, the refunded shipment nets to nothing, and the books still add up.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.enums import LegalForm, OrderStatus, PaymentMethod, Role
from shop.errors import Refused
from shop.ledger.models import EntryKind, LedgerEntry
from shop.ledger.services import Balances, balances
from shop.orders import states
from shop.orders.models import Order, SubOrder
from shop.payments.services import confirm_transfer
from shop.payouts import batches
from shop.payouts.models import PayoutAccount, PayoutBatch, PayoutLine
from tests.concurrency import Race
from tests.factories import make_producer, make_product, make_user
from tests.integration.test_buyer_orders import place_for, walk

S = OrderStatus
PAID_DAY = dt.date(2026, 11, 30)
PAYOUT_DAY = dt.date(2026, 12, 8)  # delivered 30 November + 7 days


@pytest.fixture
def world(db, frozen_today):
    """A household business with one delivered, paid shipment available on PAYOUT_DAY, and a
    second shipment paid by transfer but not sent yet (the one refunded in the race)."""
    frozen_today(PAID_DAY)
    household = make_producer(
        name="Hộ kinh doanh Mật ong Bà Hoa", legal_form=LegalForm.HOUSEHOLD_BUSINESS
    )
    honey = make_product(household, variants=[{"price": 200_000, "stock": 50, "label": "Hũ"}])
    db.session.add(
        PayoutAccount(
            producer_id=household.id,
            bank_bin="970405",
            account_number="1500205012345",
            holder_name="NGUYEN THI HOA",
            changed_at=dt.datetime(2026, 11, 1),
            held_until=dt.datetime(2026, 11, 3),
        )
    )
    staff = [make_user(Role.STAFF), make_user(Role.STAFF)]
    db.session.commit()
    delivered = place_for(db, None, (honey, 2))  # cash on delivery
    walk(delivered.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    refunded = place_for(db, None, (honey, 1), method=PaymentMethod.BANK_TRANSFER)
    confirm_transfer(refunded, staff[0])
    db.session.commit()
    frozen_today(PAYOUT_DAY)
    return {
        "producer": household.id,
        "staff": [user.id for user in staff],
        "refunded_order": refunded.id,
        "refunded_sub": refunded.sub_orders[0].id,
    }


# The delivered shipment: 400 000 goods + 30 000 shipping - 20 000 commission (5 %)
# - 4 000 VAT (1 %) - 2 000 PIT (0.5 %) = 404 000 available on PAYOUT_DAY.
AVAILABLE = 404_000


def _make_batch(app, outcomes, staff_id):
    with app.app_context():
        from shop.extensions import db as scoped

        try:
            batches.create_batch(scoped.session.get(User, staff_id))
            outcomes.append("batch")
        except Refused:
            outcomes.append("refused")
        finally:
            scoped.session.remove()


def _cancel(app, outcomes, sub_id):
    with app.app_context():
        from shop.extensions import db as scoped

        try:
            sub = scoped.session.get(SubOrder, sub_id)
            states.transition(sub, S.CANCELLED, role=states.STAFF, actor_id=None)
            scoped.session.commit()
            outcomes.append("cancelled")
        finally:
            scoped.session.remove()


def _available_entry(db, producer_id) -> int:
    return db.session.scalar(
        sa.select(sa.func.min(LedgerEntry.id)).where(
            LedgerEntry.producer_id == producer_id, LedgerEntry.available_on.is_not(None)
        )
    )


def test_two_batches_made_at_once_pay_the_producer_once(app, db, world):
    outcomes: list[str] = []
    rows = [(LedgerEntry, _available_entry(db, world["producer"]))]
    with Race(db, rows=rows) as race:
        for staff_id in world["staff"]:
            race.start(_make_batch, app, outcomes, staff_id)
    db.session.expire_all()
    assert sorted(outcomes) == ["batch", "refused"]
    assert db.session.scalar(sa.select(sa.func.count(PayoutBatch.id))) == 1
    lines = db.session.scalars(sa.select(PayoutLine)).all()
    assert [(line.producer_id, line.amount) for line in lines] == [(world["producer"], AVAILABLE)]
    payouts = db.session.scalars(
        sa.select(LedgerEntry.amount).where(LedgerEntry.kind == EntryKind.PAYOUT)
    ).all()
    assert payouts == [-AVAILABLE]
    # every entry that was available is the paid line's, the PAYOUT included, and no other's
    available = db.session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.payout_line_id).where(
            LedgerEntry.producer_id == world["producer"], LedgerEntry.available_on.is_not(None)
        )
    ).all()
    assert len(available) == 6  # sale, shipping, commission, VAT, PIT, payout
    assert {line_id for _kind, line_id in available} == {lines[0].id}
    # the refunded-to-be shipment is paid for but pending (not delivered): 200 000 + 30 000
    # - 10 000 - 2 000 - 1 000
    assert balances(world["producer"]) == Balances(pending=217_000, available=0, paid=AVAILABLE)


def test_a_batch_made_while_a_refund_lands_pays_what_was_available_and_nothing_else(app, db, world):
    outcomes: list[str] = []
    rows = [
        (LedgerEntry, _available_entry(db, world["producer"])),
        (Order, world["refunded_order"]),
    ]
    with Race(db, rows=rows) as race:
        race.start(_make_batch, app, outcomes, world["staff"][0])
        race.start(_cancel, app, outcomes, world["refunded_sub"])
    db.session.expire_all()
    assert sorted(outcomes) == ["batch", "cancelled"]
    line = db.session.scalars(sa.select(PayoutLine)).one()
    assert line.amount == AVAILABLE
    taken = db.session.scalar(
        sa.select(sa.func.sum(LedgerEntry.amount)).where(
            LedgerEntry.payout_line_id == line.id, LedgerEntry.kind != EntryKind.PAYOUT
        )
    )
    assert taken == AVAILABLE
    refunded = db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.sub_order_id == world["refunded_sub"])
    ).all()
    assert sum(entry.amount for entry in refunded) == 0
    assert all(entry.payout_line_id is None for entry in refunded)
    assert balances(world["producer"]) == Balances(pending=0, available=0, paid=AVAILABLE)
