"""Every state change of a shipment or an order happens once, however many requests race for it.

Each test sends real requests from real threads (one test client, so one app context and one
database session, per thread) and lets them write at the same moment (tests/concurrency.py),
on SQLite and on PostgreSQL. What a won change sets off — stock back, the timeline event,
e-mail, an audit entry — must follow exactly once.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop import clock
from shop.audit import AuditEntry
from shop.catalog.models import Variant
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus, Role
from shop.mail import OutboxMessage
from shop.orders import states
from shop.orders.models import Order, SubOrder, SubOrderEvent
from tests.concurrency import Race
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import make_producer, make_product, make_user
from tests.integration.test_buyer_orders import place_for, sign_in, walk

S = OrderStatus


@pytest.fixture
def world(db, frozen_today):
    """Coffee (100k) and honey (200k) from two producers, 5 of each."""
    coffee = make_product(
        make_producer(name="HTX Cà phê Cư M'gar"),
        name="Cà phê hạt",
        variants=[{"price": 100_000, "stock": 5, "label": "Túi 500g"}],
    )
    honey = make_product(
        make_producer(name="HTX Mật ong Mèo Vạc"),
        name="Mật ong bạc hà",
        variants=[{"price": 200_000, "stock": 5, "label": "Chai 500ml"}],
    )
    db.session.commit()
    return {"coffee": coffee, "honey": honey}


def guest_browser(app, order: Order) -> IsolatedClient:
    """The English-speaking browser that placed the guest order `order`."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    with client.session_transaction() as session:
        session["my_orders"] = [order.number]
    return client


def token_of(client, path: str = "/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def stock(db, product) -> int:
    db.session.expire_all()
    return db.session.get(Variant, product.variants[0].id).stock


def events_to(db, sub: SubOrder, status: OrderStatus) -> list[SubOrderEvent]:
    return db.session.scalars(
        sa.select(SubOrderEvent).where(
            SubOrderEvent.sub_order_id == sub.id, SubOrderEvent.to_status == status
        )
    ).all()


def mails_since(db, first_id: int) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id > first_id).order_by(OutboxMessage.id)
    ).all()


def last_mail_id(db) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))


def flashed(client, path: str) -> str:
    """The page at `path`, with the messages flashed by the client's last request."""
    return client.get(path).get_data(as_text=True)


def test_four_simultaneous_cancels_of_one_shipment_restore_its_stock_once_with_one_event_and_mail(
    app, db, world
):
    order = place_for(db, None, (world["coffee"], 2), (world["honey"], 1))
    coffee_shipment = order.sub_orders[0]
    assert stock(db, world["coffee"]) == 3
    before = last_mail_id(db)
    browsers = [guest_browser(app, order) for _ in range(4)]
    tokens = [token_of(browser) for browser in browsers]
    url = f"/orders/{order.number}/shipments/{coffee_shipment.id}/cancel"
    answers: list[int] = []

    def cancel(browser, token):
        answers.append(browser.post(url, data={"csrf_token": token}).status_code)

    with Race(db, rows=[(Order, order.id), (SubOrder, coffee_shipment.id)]) as race:
        for browser, token in zip(browsers, tokens, strict=True):
            race.start(cancel, browser, token)

    assert answers == [302] * 4
    assert stock(db, world["coffee"]) == 5  # 3 + the 2 of the shipment, once
    assert stock(db, world["honey"]) == 4  # the other shipment untouched
    assert len(events_to(db, coffee_shipment, S.CANCELLED)) == 1
    owner = world["coffee"].producer.owner.email
    assert [m.recipient for m in mails_since(db, before)] == [owner]
    pages = [flashed(browser, f"/orders/{order.number}") for browser in browsers]
    done = "The shipment from HTX Cà phê Cư M&#39;gar is cancelled."
    assert sum(done in page for page in pages) == 1
    assert sum("This shipment is already cancelled." in page for page in pages) == 3


def test_the_buyer_and_the_producer_cancelling_at_once_restore_the_stock_once_and_tell_the_other_once(
    app, db, world
):
    order = place_for(db, None, (world["coffee"], 2))
    sub = order.sub_orders[0]
    before = last_mail_id(db)
    buyer = guest_browser(app, order)
    buyer_token = token_of(buyer)
    producer = sign_in(app, db, world["coffee"].producer.owner)
    producer_token = token_of(producer, f"/producer/orders/{sub.id}")
    answers: list[int] = []

    def buyer_cancels():
        url = f"/orders/{order.number}/shipments/{sub.id}/cancel"
        answers.append(buyer.post(url, data={"csrf_token": buyer_token}).status_code)

    def producer_cancels():
        form = {"target": "cancelled", "csrf_token": producer_token, "note": "Hết hàng"}
        answers.append(producer.post(f"/producer/orders/{sub.id}/move", data=form).status_code)

    with Race(db, rows=[(Order, order.id), (SubOrder, sub.id)]) as race:
        race.start(buyer_cancels)
        race.start(producer_cancels)

    assert answers == [302, 302]
    assert stock(db, world["coffee"]) == 5
    (event,) = events_to(db, sub, S.CANCELLED)
    # whoever won, the other side hears of it, once
    told = {"buyer": world["coffee"].producer.owner.email, "producer": "mai@example.vn"}
    assert [m.recipient for m in mails_since(db, before)] == [told[event.actor_role]]


def test_two_confirmations_of_one_shipment_at_once_record_one_move(app, db, world):
    order = place_for(db, None, (world["honey"], 1))
    sub = order.sub_orders[0]
    tabs = [sign_in(app, db, world["honey"].producer.owner) for _ in range(2)]
    tokens = [token_of(tab, f"/producer/orders/{sub.id}") for tab in tabs]

    def confirm(tab, token):
        tab.post(
            f"/producer/orders/{sub.id}/move", data={"target": "confirmed", "csrf_token": token}
        )

    with Race(db, rows=[(Order, order.id), (SubOrder, sub.id)]) as race:
        for tab, token in zip(tabs, tokens, strict=True):
            race.start(confirm, tab, token)

    db.session.expire_all()
    assert db.session.get(SubOrder, sub.id).status == S.CONFIRMED
    assert len(events_to(db, sub, S.CONFIRMED)) == 1
    pages = [flashed(tab, f"/producer/orders/{sub.id}") for tab in tabs]
    assert sum("This shipment is already confirmed." in page for page in pages) == 1


def test_two_producers_cancelling_the_two_shipments_of_an_order_at_once_cancel_the_order(
    app, db, world
):
    order = place_for(db, None, (world["coffee"], 1), (world["honey"], 1))
    subs = {sub.producer_id: sub for sub in order.sub_orders}
    tabs = []
    for product in (world["coffee"], world["honey"]):
        tab = sign_in(app, db, product.producer.owner)
        sub = subs[product.producer_id]
        tabs.append((tab, sub, token_of(tab, f"/producer/orders/{sub.id}")))

    def cancel(tab, sub, token):
        tab.post(
            f"/producer/orders/{sub.id}/move", data={"target": "cancelled", "csrf_token": token}
        )

    with Race(db, rows=[(Order, order.id)] + [(SubOrder, s.id) for s in subs.values()]) as race:
        for tab, sub, token in tabs:
            race.start(cancel, tab, sub, token)

    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert [sub.status for sub in order.sub_orders] == [S.CANCELLED, S.CANCELLED]
    assert order.status == S.CANCELLED and order.cancelled_at is not None
    assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (5, 5)


@pytest.fixture
def transfer_order(db, world):
    """A guest's unpaid bank-transfer order: 2 coffee (one shipment) and 1 honey (another)."""
    return place_for(
        db, None, (world["coffee"], 2), (world["honey"], 1), method=PaymentMethod.BANK_TRANSFER
    )


def after_the_hold(frozen_today, order: Order) -> None:
    """Move the shop's clock past the order's payment hold."""
    expires = order.hold_expires_at.replace(tzinfo=dt.UTC)
    frozen_today(expires.astimezone(clock.SHOP_TZ) + dt.timedelta(minutes=1))


def test_the_hold_running_out_while_the_buyer_cancels_puts_each_item_back_once(
    app, db, world, transfer_order, frozen_today
):
    from shop.checkout.services import release_expired_holds

    order = transfer_order
    coffee_shipment = order.sub_orders[0]
    buyer = guest_browser(app, order)
    token = token_of(buyer)
    after_the_hold(frozen_today, order)

    def buyer_cancels():
        buyer.post(
            f"/orders/{order.number}/shipments/{coffee_shipment.id}/cancel",
            data={"csrf_token": token},
        )

    def hold_runs_out():
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                release_expired_holds()
            finally:
                scoped.session.remove()

    rows = [(Order, order.id)] + [(SubOrder, sub.id) for sub in order.sub_orders]
    with Race(db, rows=rows) as race:
        race.start(buyer_cancels)
        race.start(hold_runs_out)

    assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (5, 5)
    order = db.session.get(Order, order.id)
    assert [sub.status for sub in order.sub_orders] == [S.CANCELLED, S.CANCELLED]
    for sub in order.sub_orders:
        assert len(events_to(db, sub, S.CANCELLED)) == 1
    assert order.status == S.CANCELLED and order.payment_status == PaymentStatus.CANCELLED


@pytest.fixture
def staff(db):
    user = make_user(Role.STAFF)
    db.session.commit()
    return user


def test_confirming_a_transfer_while_its_hold_runs_out_leaves_it_paid_or_cancelled_never_both(
    app, db, world, transfer_order, frozen_today, staff
):
    from shop.checkout.services import release_expired_holds

    order = transfer_order
    desk = sign_in(app, db, staff)
    token = token_of(desk, f"/staff/orders/{order.number}")
    after_the_hold(frozen_today, order)

    def staff_confirms():
        desk.post(f"/staff/orders/{order.number}/confirm-transfer", data={"csrf_token": token})

    def hold_runs_out():
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                release_expired_holds()
            finally:
                scoped.session.remove()

    rows = [(Order, order.id)] + [(SubOrder, sub.id) for sub in order.sub_orders]
    with Race(db, rows=rows) as race:
        race.start(staff_confirms)
        race.start(hold_runs_out)

    db.session.expire_all()
    order = db.session.get(Order, order.id)
    confirmed = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "order.transfer_confirmed")
    ).all()
    if order.payment_status == PaymentStatus.PAID:  # staff first: the order lives on
        assert order.cancelled_at is None and len(confirmed) == 1
        assert {sub.status for sub in order.sub_orders} == {S.PLACED}
        assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (3, 4)
    else:  # the hold first: cancelled, nothing confirmed, everything back on sale
        assert order.payment_status == PaymentStatus.CANCELLED and confirmed == []
        assert order.cancelled_at is not None
        assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (5, 5)
        page = flashed(desk, f"/staff/orders/{order.number}")
        assert "This order was cancelled: refund the transfer instead." in page


def test_staff_confirming_one_transfer_twice_at_once_record_it_once(
    app, db, world, transfer_order, staff
):
    order = transfer_order
    desks = [sign_in(app, db, staff) for _ in range(2)]
    tokens = [token_of(desk, f"/staff/orders/{order.number}") for desk in desks]

    def confirm(desk, token):
        desk.post(f"/staff/orders/{order.number}/confirm-transfer", data={"csrf_token": token})

    with Race(db, rows=[(Order, order.id)]) as race:
        for desk, token in zip(desks, tokens, strict=True):
            race.start(confirm, desk, token)

    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == PaymentStatus.PAID
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "order.transfer_confirmed")
    ).all()
    assert len(entries) == 1


def test_staff_recording_one_refund_by_hand_twice_at_once_record_it_once(
    app, db, world, transfer_order, staff
):
    from shop.payments import services as payments

    order = transfer_order
    assert payments.mark_paid(order, PaymentMethod.BANK_TRANSFER)
    walk(order.sub_orders[0], S.CANCELLED)
    db.session.commit()
    sub = order.sub_orders[0]
    assert sub.refund_status == "manual"
    desks = [sign_in(app, db, staff) for _ in range(2)]
    tokens = [token_of(desk, "/staff/refunds") for desk in desks]

    def refunded(desk, token, reference):
        form = {"sub_order_id": sub.id, "reference": reference, "csrf_token": token}
        desk.post("/staff/refunds", data=form)

    with Race(db, rows=[(Order, order.id), (SubOrder, sub.id)]) as race:
        race.start(refunded, desks[0], tokens[0], "FT-001")
        race.start(refunded, desks[1], tokens[1], "FT-002")

    db.session.expire_all()
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "sub_order.refunded_by_hand")
    ).all()
    assert len(entries) == 1
    sub = db.session.get(SubOrder, sub.id)
    assert sub.refund_status == "refunded"
    assert sub.refund_ref == entries[0].after_data["refund_ref"]


def test_a_shipment_the_buyer_cancelled_is_not_restocked_again_when_the_hold_runs_out(
    app, db, world, transfer_order, frozen_today
):
    from shop.checkout.services import release_expired_holds

    order = transfer_order
    walk(order.sub_orders[0], S.CANCELLED, role=states.BUYER)
    db.session.commit()
    assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (5, 4)
    after_the_hold(frozen_today, order)

    assert release_expired_holds() == 1

    assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (5, 5)
    order = db.session.get(Order, order.id)
    coffee_shipment, honey_shipment = order.sub_orders
    assert len(events_to(db, coffee_shipment, S.CANCELLED)) == 1  # the buyer's, only
    assert [e.actor_role for e in events_to(db, honey_shipment, S.CANCELLED)] == ["system"]
