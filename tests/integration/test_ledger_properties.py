"""The ledger's invariants, for any sequence of orders, payments, deliveries, cancellations,
refunds, adjustments and payouts (hypothesis draws the sequences; payouts are simulated with
`record(…, PAYOUT …)` as the payout batches write them).

After every sequence, checked against the orders and payments themselves:
- every producer's pending + available balance is the sum of their entries;
- the shop's books balance:
    money in (transfers confirmed + cash collected at delivery) + adjustments
      = owed to producers (their balances) + paid out + commission + tax withheld + refunded
  where "refunded" is the total of every paid shipment cancelled (to refund or refunded);
- each paid shipment nets to its total less commission and tax, a cancelled one to 0, an
  unpaid one has no entry, and nothing is available before delivery and payment;
- replaying any event (payment, delivery, cancellation) writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shop.enums import LegalForm, OrderStatus, PaymentMethod, PaymentStatus, Role
from shop.errors import Refused
from shop.ledger import services as ledger
from shop.ledger.models import EntryKind, LedgerEntry
from shop.orders import states
from shop.orders.models import Order, SubOrder
from shop.orders.refunds import mark_refunded_by_hand
from shop.payments.models import Payment
from shop.payments.services import confirm_transfer
from tests.factories import make_producer, make_product, make_user
from tests.integration.test_buyer_orders import place_for

S = OrderStatus
K = EntryKind
NEXT = {S.PLACED: S.CONFIRMED, S.CONFIRMED: S.PACKED, S.PACKED: S.SHIPPED, S.SHIPPED: S.DELIVERED}

place = st.tuples(
    st.just("place"),
    st.sampled_from([PaymentMethod.COD, PaymentMethod.BANK_TRANSFER]),
    st.sampled_from([(1, 0), (0, 1), (1, 1), (2, 3), (3, 0), (0, 2)]),  # coffee, honey
    st.booleans(),  # a transfer confirmed at once
)
shipment = st.tuples(st.integers(0, 9), st.integers(0, 1))
step = st.one_of(
    place,
    place,
    place,
    st.tuples(st.just("pay"), st.integers(0, 9)),
    shipment.map(lambda s: ("deliver", *s)),
    shipment.map(lambda s: ("deliver", *s)),
    shipment.map(lambda s: ("deliver", *s)),
    shipment.map(lambda s: ("advance", *s)),
    shipment.map(lambda s: ("cancel", *s)),
    shipment.map(lambda s: ("cancel", *s)),
    shipment.map(lambda s: ("cancel", *s)),
    shipment.map(lambda s: ("refund", *s)),
    shipment.map(lambda s: ("replay", *s)),
    st.tuples(st.just("days"), st.integers(1, 9)),
    st.tuples(st.just("days"), st.integers(5, 10)),
    st.tuples(st.just("payout"), st.integers(0, 1)),
    st.tuples(st.just("payout"), st.integers(0, 1)),
    st.tuples(st.just("payout_fails"), st.integers(0, 1)),
    st.tuples(st.just("adjust"), st.integers(0, 1), st.integers(-50_000, 50_000)),
)


@pytest.fixture
def market(db, frozen_today):
    coop = make_producer(name="HTX Cà phê", legal_form=LegalForm.COOPERATIVE)
    household = make_producer(name="Hộ Mật ong", legal_form=LegalForm.HOUSEHOLD_BUSINESS)
    coffee = make_product(coop, variants=[{"price": 99_999, "stock": 100_000, "label": "Túi"}])
    honey = make_product(
        household,
        product_set_code=14,
        variants=[{"price": 123_457, "stock": 100_000, "label": "Chai"}],
    )
    staff = make_user(Role.STAFF)
    db.session.commit()
    return {"producers": [coop, household], "products": [coffee, honey], "staff": staff}


class Run:
    """One drawn sequence, applied to the shop."""

    def __init__(self, db, market, move_clock):
        self.db, self.market, self.move_clock = db, market, move_clock
        self.orders: list[Order] = []
        self.payouts: dict[int, list[tuple[str, int]]] = defaultdict(list)
        self.counter = 0
        self.facts: set[str] = set()  # what this sequence exercised (hypothesis statistics)

    def sub(self, i: int, j: int) -> SubOrder | None:
        if not self.orders:
            return None
        order = self.orders[i % len(self.orders)]
        self.db.session.refresh(order)
        return order.sub_orders[j % len(order.sub_orders)]

    def attempt(self, fn, *args, **kwargs) -> None:
        try:
            fn(*args, **kwargs)
            self.db.session.commit()
        except Refused:
            self.db.session.rollback()

    def apply(self, action) -> None:  # noqa: C901 (one branch per kind of step)
        name, *args = action
        db, staff = self.db, self.market["staff"]
        self.counter += 1
        if name == "place":
            method, (coffee, honey), pay_now = args
            products = self.market["products"]
            lines = [(p, q) for p, q in zip(products, (coffee, honey), strict=True) if q]
            if lines:
                order = place_for(db, None, *lines, method=method)
                self.orders.append(order)
                if pay_now and method == PaymentMethod.BANK_TRANSFER:
                    self.attempt(confirm_transfer, order, staff)
        elif name == "pay" and self.orders:
            order = self.orders[args[0] % len(self.orders)]
            if order.payment_method == PaymentMethod.BANK_TRANSFER:
                self.attempt(confirm_transfer, order, staff)
        elif name == "advance" and (sub := self.sub(*args)) is not None:
            target = NEXT.get(sub.status)
            if target is not None:
                extra = {"carrier": "GHN", "tracking_number": f"T{sub.id}"}
                self.attempt(
                    states.transition,
                    sub,
                    target,
                    role=states.STAFF,
                    actor_id=None,
                    **(extra if target == S.SHIPPED else {}),
                )
        elif name == "deliver" and (sub := self.sub(*args)) is not None:
            while (target := NEXT.get(sub.status)) is not None:
                extra = {"carrier": "GHN", "tracking_number": f"T{sub.id}"}
                before = sub.status
                self.attempt(
                    states.transition,
                    sub,
                    target,
                    role=states.STAFF,
                    actor_id=None,
                    **(extra if target == S.SHIPPED else {}),
                )
                if sub.status == before:
                    break  # refused (an unpaid transfer does not ship)
            if sub.status == S.DELIVERED:
                self.facts.add("a shipment delivered")
        elif name == "cancel" and (sub := self.sub(*args)) is not None:
            self.attempt(states.transition, sub, S.CANCELLED, role=states.STAFF, actor_id=None)
            if sub.refund_status is not None:
                self.facts.add("a paid shipment cancelled")
        elif name == "refund" and (sub := self.sub(*args)) is not None:
            self.attempt(mark_refunded_by_hand, sub, staff, "UNC")
        elif name == "replay" and (sub := self.sub(*args)) is not None:
            before = count_entries(db)
            states.lock_order(sub.order_id)
            if sub.order.payment_status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
                ledger.order_paid(sub.order)
            if sub.status == S.DELIVERED and sub.order.payment_method == PaymentMethod.COD:
                ledger.shipment_paid(sub)
            if sub.status == S.CANCELLED:
                ledger.shipment_cancelled(sub)
            db.session.commit()
            assert count_entries(db) == before, "a replayed event wrote entries"
        elif name == "days":
            from shop import clock

            self.move_clock(clock.today() + dt.timedelta(days=args[0]))
        elif name == "payout":
            producer = self.market["producers"][args[0]]
            available = ledger.balances(producer.id).available
            if available > 0:
                key = f"payout:{producer.id}:{self.counter}:{id(self)}"
                from shop import clock

                ledger.record(producer.id, K.PAYOUT, -available, key, available_on=clock.today())
                db.session.commit()
                self.payouts[producer.id].append((key, available))
                self.facts.add("a payout")
        elif name == "payout_fails":
            producer = self.market["producers"][args[0]]
            if self.payouts[producer.id]:
                from shop import clock

                key, amount = self.payouts[producer.id].pop()
                ledger.record(
                    producer.id,
                    K.PAYOUT_RETURNED,
                    amount,
                    f"{key}:failed",
                    available_on=clock.today(),
                )
                db.session.commit()
        elif name == "adjust" and args[1]:
            from shop.ledger.staff_services import adjust

            producer = self.market["producers"][args[0]]
            adjust(producer.id, args[1], "Điều chỉnh thử", staff, f"{self.counter}-{id(self)}")


def count_entries(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))


def check_invariants(db, market) -> None:
    db.session.expire_all()
    entries = db.session.scalars(sa.select(LedgerEntry)).all()
    by_kind: dict[EntryKind, int] = defaultdict(int)
    by_producer: dict[int, int] = defaultdict(int)
    by_sub: dict[int, dict[EntryKind, int]] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        by_kind[e.kind] += e.amount
        by_producer[e.producer_id] += e.amount
        if e.sub_order_id is not None:
            by_sub[e.sub_order_id][e.kind] += e.amount

    owed = 0
    for producer in market["producers"]:
        b = ledger.balances(producer.id)
        assert b.pending + b.available == by_producer[producer.id]
        owed += b.pending + b.available

    # money in, from the orders and payments themselves (never from the ledger)
    transfers = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
            Payment.method == PaymentMethod.BANK_TRANSFER, Payment.status == PaymentStatus.PAID
        )
    )
    cash = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SubOrder.total), 0))
        .join(Order)
        .where(Order.payment_method == PaymentMethod.COD, SubOrder.status == S.DELIVERED)
    )
    refunded = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SubOrder.total), 0)).where(
            SubOrder.refund_status.is_not(None)
        )
    )
    commission = -by_kind[K.COMMISSION]
    tax = -(by_kind[K.TAX_VAT] + by_kind[K.TAX_PIT])
    paid_out = -(by_kind[K.PAYOUT] + by_kind[K.PAYOUT_RETURNED])
    adjustments = by_kind[K.ADJUSTMENT]
    assert transfers + cash + adjustments == owed + paid_out + commission + tax + refunded

    for sub in db.session.scalars(sa.select(SubOrder)):
        order = sub.order
        paid = (
            sub.status == S.DELIVERED
            if order.payment_method == PaymentMethod.COD
            else order.payment_status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
            and (sub.status != S.CANCELLED or sub.refund_status is not None)
        )
        kinds = by_sub.get(sub.id, {})
        if not paid:
            assert not kinds, (sub.id, sub.status, dict(kinds))
            continue
        net = sum(kinds.values())
        if sub.status == S.CANCELLED:
            assert net == 0 and all(v == 0 for v in kinds.values())
        else:
            assert kinds[K.SALE] == sub.subtotal
            assert kinds[K.SHIPPING] == sub.shipping_fee
            assert net == sub.total + kinds[K.COMMISSION] + kinds[K.TAX_VAT] + kinds[K.TAX_PIT]
    for e in entries:
        if e.sub_order_id is not None and e.available_on is not None:
            order = e.sub_order.order
            assert e.sub_order.status == S.DELIVERED  # never payable before delivery ...
            # ... nor before payment (cash on delivery: paid by that shipment's delivery)
            assert order.payment_method == PaymentMethod.COD or (
                order.payment_status == PaymentStatus.PAID
            )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    orders=st.lists(place, min_size=1, max_size=4), steps=st.lists(step, min_size=3, max_size=25)
)
def test_for_any_sequence_balances_are_sums_and_the_books_balance(
    db, market, frozen_today, orders, steps
):
    run = Run(db, market, frozen_today)
    for action in orders + steps:
        run.apply(action)
    check_invariants(db, market)
    for fact in sorted(run.facts):
        event(fact)
