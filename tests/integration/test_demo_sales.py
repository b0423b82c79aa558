"""The demo's month of sales (shop/demo/sales.py, run by `flask demo load` after the
catalogue): a cooperative and a household business sold to the demo buyer every few days, so
their statements differ by the tax withheld and their balances are pending, available and paid."""

from __future__ import annotations

import sqlalchemy as sa

from shop.catalog.models import Variant
from shop.enums import PayoutLineStatus
from shop.ledger.models import EntryKind, LedgerEntry
from shop.ledger.services import balances
from shop.orders.models import Order, OrderLine
from shop.payouts import statements
from shop.payouts.models import PayoutLine
from shop.producers.models import Producer
from tests.conftest import FROZEN_TODAY


def _producer(db, slug):
    return db.session.scalar(sa.select(Producer).where(Producer.slug == slug))


def test_a_month_of_sales_shows_the_household_tax_withheld_and_all_three_balances(demo_loaded):
    db = demo_loaded
    from shop.demo.sales import load_sales_month

    assert load_sales_month() == 9
    household = _producer(db, "banh-trang-phoi-suong-ut-nga")
    coop = _producer(db, "htx-ca-phe-ea-tul")
    assert household.legal_form.value == "household_business"
    assert coop.legal_form.value == "cooperative"
    taxed = {
        producer.id: db.session.scalar(
            sa.select(sa.func.count(LedgerEntry.id)).where(
                LedgerEntry.producer_id == producer.id,
                LedgerEntry.kind.in_((EntryKind.TAX_VAT, EntryKind.TAX_PIT)),
            )
        )
        for producer in (household, coop)
    }
    assert taxed == {household.id: 18, coop.id: 0}  # 9 shipments, VAT and PIT each
    for producer in (household, coop):
        money = balances(producer.id)
        assert money.pending > 0 and money.available > 0 and money.paid > 0
    lines = db.session.scalars(sa.select(PayoutLine)).all()
    assert {line.producer_id for line in lines} == {household.id, coop.id}
    assert {line.status for line in lines} == {PayoutLineStatus.PAID}
    this_month = FROZEN_TODAY.replace(day=1)
    rows = statements.statement(household.id, this_month).shipments
    assert rows and all(row.tax < 0 for row in rows)
    assert all(row.tax == 0 for row in statements.statement(coop.id, this_month).shipments)
    sold = db.session.scalars(
        sa.select(Variant.stock).where(Variant.id.in_(sa.select(OrderLine.variant_id)))
    ).all()
    assert len(sold) == 2 and min(sold) > 0  # one pack each, neither sold out by the demo
    assert load_sales_month() == 0  # once
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 9
