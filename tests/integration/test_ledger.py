"""The ledger follows the money: what each event writes, once, in the event's transaction.

Figures are written out: coffee 100 000 đ a bag from a cooperative, honey 123 450 đ a bottle
from a household business; commission 5 %, VAT 1 % and PIT 0.5 % (household only), shipping
30 000 đ below 500 000 đ of goods; money available 7 days after delivery.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop.enums import LegalForm, OrderStatus, PaymentMethod, Role
from shop.ledger import services as ledger
from shop.ledger.models import EntryKind, LedgerEntry
from shop.orders import states
from shop.orders.refunds import mark_refunded_by_hand
from shop.payments.services import confirm_transfer
from tests.factories import make_producer, make_product, make_user
from tests.integration.test_buyer_orders import place_for, walk

S = OrderStatus
K = EntryKind


@pytest.fixture
def shop_world(db, frozen_today):
    coop = make_producer(name="HTX Cà phê Cư M'gar", legal_form=LegalForm.COOPERATIVE)
    household = make_producer(name="Hộ Mật ong Mèo Vạc", legal_form=LegalForm.HOUSEHOLD_BUSINESS)
    coffee = make_product(
        coop, name="Cà phê hạt", variants=[{"price": 100_000, "stock": 50, "label": "Túi"}]
    )
    honey = make_product(
        household,
        name="Mật ong bạc hà",
        product_set_code=4,
        variants=[{"price": 123_450, "stock": 50, "label": "Chai"}],
    )
    staff = make_user(Role.STAFF)
    db.session.commit()
    return {"coffee": coffee, "honey": honey, "coop": coop, "household": household, "staff": staff}


def subs(order, world):
    """The coffee and the honey shipments of `order`."""
    by_producer = {sub.producer_id: sub for sub in order.sub_orders}
    return by_producer.get(world["coop"].id), by_producer.get(world["household"].id)


def entries(db, sub) -> list[tuple[str, int, dt.date | None, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.sub_order_id == sub.id).order_by(LedgerEntry.id)
    )
    return [(e.kind.value, e.amount, e.available_on, e.reverses_id is not None) for e in rows]


def test_a_confirmed_transfer_writes_each_shipment_sale_shipping_commission_and_household_tax(
    db, shop_world
):
    order = place_for(
        db,
        None,
        (shop_world["coffee"], 2),
        (shop_world["honey"], 3),
        method=PaymentMethod.BANK_TRANSFER,
    )
    coffee_sub, honey_sub = subs(order, shop_world)
    assert entries(db, coffee_sub) == []  # nothing before the money is in

    confirm_transfer(order, shop_world["staff"])

    # cooperative: 200 000 goods, 30 000 shipping, 5 % = 10 000 commission, no tax withheld
    assert entries(db, coffee_sub) == [
        ("sale", 200_000, None, False),
        ("shipping", 30_000, None, False),
        ("commission", -10_000, None, False),
    ]
    # household: 370 350 goods; 5 % = 18 517.5 -> 18 518; 1 % = 3 703.5 -> 3 704;
    # 0.5 % = 1 851.75 -> 1 852 (round half up, once per shipment)
    assert entries(db, honey_sub) == [
        ("sale", 370_350, None, False),
        ("shipping", 30_000, None, False),
        ("commission", -18_518, None, False),
        ("tax_vat", -3_704, None, False),
        ("tax_pit", -1_852, None, False),
    ]
    household = ledger.balances(shop_world["household"].id)
    assert household == ledger.Balances(pending=376_276, available=0, paid=0)


def test_delivery_makes_a_paid_shipment_available_seven_days_later(db, shop_world, frozen_today):
    order = place_for(db, None, (shop_world["coffee"], 1), method=PaymentMethod.BANK_TRANSFER)
    confirm_transfer(order, shop_world["staff"])
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED, S.SHIPPED)
    frozen_today(dt.date(2026, 12, 2))
    walk(sub, S.DELIVERED)
    db.session.commit()
    due = dt.date(2026, 12, 9)
    assert {row[2] for row in entries(db, sub)} == {due}
    coop = shop_world["coop"].id
    # 100 000 + 30 000 - 5 000
    assert ledger.balances(coop, dt.date(2026, 12, 8)) == ledger.Balances(125_000, 0, 0)
    assert ledger.balances(coop, due) == ledger.Balances(0, 125_000, 0)
    assert ledger.available_by_producer(due, 100_000) == [(coop, 125_000)]
    assert ledger.available_by_producer(due, 125_001) == []


def test_cash_on_delivery_is_paid_and_dated_when_the_delivery_is_recorded(db, shop_world):
    order = place_for(db, None, (shop_world["honey"], 1), (shop_world["coffee"], 1))
    coffee_sub, honey_sub = subs(order, shop_world)
    walk(honey_sub, S.CONFIRMED, S.PACKED, S.SHIPPED)
    db.session.commit()
    assert entries(db, honey_sub) == []  # shipped, but the cash is not collected yet
    walk(honey_sub, S.DELIVERED)
    db.session.commit()
    due = dt.date(2026, 12, 7)  # delivered on the frozen 30 November, + 7 days
    # 123 450: 5 % = 6 172.5 -> 6 173; 1 % = 1 234.5 -> 1 235; 0.5 % = 617.25 -> 617
    assert entries(db, honey_sub) == [
        ("sale", 123_450, due, False),
        ("shipping", 30_000, due, False),
        ("commission", -6_173, due, False),
        ("tax_vat", -1_235, due, False),
        ("tax_pit", -617, due, False),
    ]
    assert entries(db, coffee_sub) == []  # the other parcel is still on its way


def test_cancelling_a_paid_shipment_reverses_exactly_its_entries_and_the_refund_writes_nothing(
    db, shop_world
):
    order = place_for(
        db,
        None,
        (shop_world["honey"], 1),
        (shop_world["coffee"], 1),
        method=PaymentMethod.BANK_TRANSFER,
    )
    confirm_transfer(order, shop_world["staff"])
    coffee_sub, honey_sub = subs(order, shop_world)
    states.transition(honey_sub, S.CANCELLED, role=states.STAFF, actor_id=None)
    db.session.commit()
    assert entries(db, honey_sub) == [
        ("sale", 123_450, None, False),
        ("shipping", 30_000, None, False),
        ("commission", -6_173, None, False),
        ("tax_vat", -1_235, None, False),
        ("tax_pit", -617, None, False),
        ("sale", -123_450, None, True),
        ("shipping", -30_000, None, True),
        ("commission", 6_173, None, True),
        ("tax_vat", 1_235, None, True),
        ("tax_pit", 617, None, True),
    ]
    assert ledger.balances(shop_world["household"].id).total == 0
    mark_refunded_by_hand(honey_sub, shop_world["staff"], "UNC-1")
    assert len(entries(db, honey_sub)) == 10
    assert len(entries(db, coffee_sub)) == 3  # the other shipment untouched


def test_cancelling_before_payment_writes_nothing(db, shop_world):
    order = place_for(db, None, (shop_world["coffee"], 1), method=PaymentMethod.BANK_TRANSFER)
    sub = order.sub_orders[0]
    states.transition(sub, S.CANCELLED, role=states.STAFF, actor_id=None)
    db.session.commit()
    assert entries(db, sub) == []


def test_record_writes_an_event_once_and_rejects_fractions(db, shop_world):
    coop = shop_world["coop"].id
    assert ledger.record(coop, K.ADJUSTMENT, 5_000, "adj:1", available_on=dt.date(2026, 11, 30))
    assert not ledger.record(coop, K.ADJUSTMENT, 7_000, "adj:1")
    db.session.commit()
    assert ledger.balances(coop) == ledger.Balances(0, 5_000, 0)
    with pytest.raises(TypeError):
        ledger.record(coop, K.ADJUSTMENT, 1.5, "adj:2")


def test_payouts_count_as_paid_and_leave_the_available_balance(db, shop_world):
    coop = shop_world["coop"].id
    today = dt.date(2026, 11, 30)
    ledger.record(coop, K.ADJUSTMENT, 300_000, "adj:a", available_on=today)
    ledger.record(coop, K.PAYOUT, -300_000, "payout:1", available_on=today, payout_line_id=1)
    ledger.record(coop, K.PAYOUT, -100_000, "payout:2", available_on=today, payout_line_id=2)
    ledger.record(coop, K.PAYOUT_RETURNED, 100_000, "payout:2:failed", available_on=today)
    db.session.commit()
    assert ledger.balances(coop) == ledger.Balances(pending=0, available=0, paid=300_000)


def test_rounding_is_half_up_in_whole_dong():
    from decimal import Decimal

    assert ledger.round_half_up(Decimal("12345.5")) == 12_346
    assert ledger.round_half_up(Decimal("12345.49")) == 12_345
    assert ledger.round_half_up(Decimal("0.5")) == 1


def test_commission_per_ocop_group_is_summed_over_lines_then_rounded_once(app, db, shop_world):
    app.config["LEDGER_COMMISSION_BY_GROUP"] = {"II": "8"}  # drinks; other groups keep 5 %
    coop = shop_world["coop"]
    rice = make_product(coop, product_set_code=3, variants=[{"price": 10_010, "stock": 9}])
    tea = make_product(coop, product_set_code=14, variants=[{"price": 10_010, "stock": 9}])
    db.session.commit()
    order = place_for(db, None, (rice, 1), (tea, 1))
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    # 5 % of 10 010 = 500.5 and 8 % of 10 010 = 800.8: 1 301.3 -> 1 301 (per line: 1 302)
    assert [(kind, amount) for kind, amount, *_ in entries(db, sub)] == [
        ("sale", 20_020),
        ("shipping", 30_000),
        ("commission", -1_301),
    ]
