"""Refunds of cancelled shipments: by Stripe (localstripe) for cards, by staff for transfers.

localstripe (tests/stripe_fake.py) runs in a child process here: one process can serve
localstripe's aiohttp application on one event loop only, and test_stripe.py's session
fixture may already be serving it in this one.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus, Role
from shop.orders import refunds
from shop.orders.models import SubOrder
from shop.payments import services as payments
from tests import stripe_fake
from tests.factories import make_product, make_user
from tests.integration.test_buyer_orders import place_for, post, sign_in, walk

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_12345"
SERVE = """
import sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from tests import stripe_fake
with stripe_fake.running(Path(sys.argv[1])) as fake:
    print(fake.url, flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def signed_in(app, db):
    return lambda user: sign_in(app, db, user)


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory) -> Iterator[stripe_fake.FakeStripe]:
    """localstripe in a child process on 127.0.0.1; stopped by closing its stdin."""
    folder = tmp_path_factory.mktemp("localstripe-refunds")
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(folder)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = child.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), "localstripe did not start"
        yield stripe_fake.FakeStripe(url=url, loop=None)
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=stripe_fake.START_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()


@pytest.fixture
def stripe_app(app, localstripe):
    """The app paying by card against localstripe, which is emptied after the test."""
    app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY="pk_test_1",
        STRIPE_API_BASE=localstripe.url,
    )
    yield app
    request = urllib.request.Request(localstripe.url + "/_config/data", method="DELETE")
    with urllib.request.urlopen(request, timeout=stripe_fake.CALL_TIMEOUT) as answer:
        assert answer.status == 200


@pytest.fixture
def world(db, frozen_today):
    coffee = make_product(name="Cà phê hạt", variants=[{"price": 150_000, "stock": 10}])
    honey = make_product(name="Mật ong bạc hà", variants=[{"price": 600_000, "stock": 10}])
    buyer = make_user(full_name="Trần Thị Mai")
    db.session.commit()
    return {"coffee": coffee, "honey": honey, "buyer": buyer}


@pytest.fixture
def card_order(db, world, stripe_app, localstripe):
    """Two shipments paid by card: coffee 2 × 150k + 30k shipping, honey 600k shipped free."""
    order = place_for(
        db, world["buyer"], (world["coffee"], 2), (world["honey"], 1), method=PaymentMethod.CARD
    )
    intent_id = payments.start_payment(order)
    with localstripe.client() as client:
        client.v1.payment_intents.update(intent_id, {"payment_method": "pm_card_visa"})
        assert client.v1.payment_intents.confirm(intent_id).status == "succeeded"
    assert payments.mark_paid(order, PaymentMethod.CARD, intent_id)  # as its webhook does
    db.session.commit()
    return order


def stripe_refunds(localstripe, intent_id: str) -> list:
    with localstripe.client() as client:
        return client.v1.refunds.list({"payment_intent": intent_id}).data


def intent_of(order) -> str:
    return payments.latest_attempt(order, PaymentMethod.CARD).provider_ref


def fresh(db, sub: SubOrder) -> SubOrder:
    db.session.expire_all()
    return db.session.get(SubOrder, sub.id)


def test_cancelling_one_card_paid_shipment_refunds_exactly_its_total_once(
    db,
    world,
    card_order,
    localstripe,
    signed_in,
):
    coffee_shipment, honey_shipment = card_order.sub_orders
    assert (coffee_shipment.total, honey_shipment.total) == (330_000, 600_000)
    assert card_order.total == 930_000
    client = signed_in(world["buyer"])

    html = post(client, f"/orders/{card_order.number}/shipments/{coffee_shipment.id}/cancel")

    assert "will be refunded to your card." in html.get_data(as_text=True)
    (refund,) = stripe_refunds(localstripe, intent_of(card_order))
    assert (refund.amount, refund.currency, refund.status) == (330_000, "vnd", "succeeded")
    assert refund.metadata.to_dict() == {
        "order_number": card_order.number,
        "sub_order_id": str(coffee_shipment.id),
    }
    coffee_shipment = fresh(db, coffee_shipment)
    assert (coffee_shipment.refund_status, coffee_shipment.refund_ref) == ("refunded", refund.id)
    honey_shipment = fresh(db, honey_shipment)
    assert (honey_shipment.status, honey_shipment.refund_status) == (OrderStatus.PLACED, None)
    assert honey_shipment.order.payment_status == PaymentStatus.PAID  # the honey is still paid

    assert refunds.process_card_refunds() == (0, 0)  # called again: nothing left to do
    assert len(stripe_refunds(localstripe, intent_of(card_order))) == 1


UNREACHABLE = "http://127.0.0.1:9"  # nothing listens there


def cancel_while_stripe_is_down(db, stripe_app, localstripe, sub) -> None:
    """Cancel a card-paid shipment while Stripe cannot be reached: the refund hung on the
    commit fails (logged) and the shipment stays "card_pending" for a retry."""
    stripe_app.config["STRIPE_API_BASE"] = UNREACHABLE
    walk(sub, OrderStatus.CANCELLED)
    db.session.commit()
    stripe_app.config["STRIPE_API_BASE"] = localstripe.url
    assert fresh(db, sub).refund_status == "card_pending"


def test_a_refund_stripe_made_but_never_recorded_is_found_not_made_twice(
    db, card_order, localstripe, stripe_app
):
    sub = card_order.sub_orders[0]
    cancel_while_stripe_is_down(db, stripe_app, localstripe, sub)
    with localstripe.client() as client:  # made by an earlier run whose commit was lost
        lost = client.v1.refunds.create(
            {
                "payment_intent": intent_of(card_order),
                "amount": sub.total,
                "metadata": {"sub_order_id": str(sub.id)},
            }
        )

    assert refunds.process_card_refunds() == (1, 0)

    assert [r.id for r in stripe_refunds(localstripe, intent_of(card_order))] == [lost.id]
    assert fresh(db, sub).refund_ref == lost.id


def test_when_stripe_fails_the_refund_stays_pending_and_the_command_retries_it(
    db, card_order, localstripe, stripe_app, caplog
):
    sub = card_order.sub_orders[1]
    cancel_while_stripe_is_down(db, stripe_app, localstripe, sub)
    stripe_app.config["STRIPE_API_BASE"] = UNREACHABLE
    with caplog.at_level(logging.WARNING, logger="shop.orders.refunds"):
        assert refunds.process_card_refunds() == (0, 1)
    assert f"Refund of shipment {sub.id} (600000 VND) failed" in caplog.text
    assert fresh(db, sub).refund_status == "card_pending"

    stripe_app.config["STRIPE_API_BASE"] = localstripe.url
    result = stripe_app.test_cli_runner().invoke(args=["orders", "refunds"])

    assert result.exit_code == 0 and "1 refunded, 0 failed." in result.output
    assert [r.amount for r in stripe_refunds(localstripe, intent_of(card_order))] == [600_000]
    assert fresh(db, sub).refund_status == "refunded"


def test_an_order_whose_every_shipment_is_cancelled_and_refunded_is_refunded(
    db, card_order, localstripe
):
    for sub in card_order.sub_orders:
        walk(sub, OrderStatus.CANCELLED, role="staff")
    db.session.commit()  # each cancellation's refund is made once this commits
    amounts = sorted(r.amount for r in stripe_refunds(localstripe, intent_of(card_order)))
    assert amounts == [330_000, 600_000]
    db.session.expire_all()
    assert card_order.payment_status == PaymentStatus.REFUNDED
    assert refunds.process_card_refunds() == (0, 0)  # nothing left for the command


@pytest.fixture
def transfer_order(db, world):
    """Two shipments paid by bank transfer, the coffee one cancelled by the buyer."""
    order = place_for(
        db,
        world["buyer"],
        (world["coffee"], 1),
        (world["honey"], 1),
        method=PaymentMethod.BANK_TRANSFER,
    )
    assert payments.mark_paid(order, PaymentMethod.BANK_TRANSFER)
    walk(order.sub_orders[0], OrderStatus.CANCELLED, role="buyer")
    db.session.commit()
    return order


def test_a_transfer_paid_cancelled_shipment_waits_on_the_staff_list_until_refunded_by_hand(
    db,
    transfer_order,
    signed_in,
):
    sub = transfer_order.sub_orders[0]
    assert sub.refund_status == "manual"
    staff_user = make_user(Role.STAFF)
    staff = signed_in(staff_user)

    page = staff.get("/staff/refunds").get_data(as_text=True)
    assert page.count('data-testid="manual-refund"') == 1 and transfer_order.number in page

    done = post(staff, "/staff/refunds", sub_order_id=sub.id, reference="VCB 0042")
    html = done.get_data(as_text=True)

    assert f"{transfer_order.number} · {sub.producer_name}: marked as refunded." in html
    assert "Nothing to refund by hand." in html
    sub = fresh(db, sub)
    assert (sub.refund_status, sub.refund_ref) == ("refunded", "VCB 0042")
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "sub_order.refunded_by_hand")
    ).one()
    assert (entry.actor_id, entry.subject_id) == (staff_user.id, sub.id)
    assert entry.before_data == {"refund_status": "manual"}
    assert entry.after_data == {"refund_status": "refunded", "refund_ref": "VCB 0042"}

    again = post(staff, "/staff/refunds", sub_order_id=sub.id).get_data(as_text=True)
    assert "This shipment has no refund waiting to be made by hand." in again


def test_a_customer_cannot_reach_the_refunds_list_or_mark_a_refund(
    db,
    transfer_order,
    signed_in,
):
    customer = signed_in(make_user())
    assert customer.get("/staff/refunds").status_code == 403
    sub = transfer_order.sub_orders[0]
    assert post(customer, "/staff/refunds", sub_order_id=sub.id).status_code == 403
    assert fresh(db, sub).refund_status == "manual"


def test_an_unpaid_card_order_asks_stripe_only_for_what_still_comes_after_a_cancellation(
    db, world, stripe_app, localstripe, signed_in
):
    """Cancelled before paying: the PaymentIntent shrinks to the other shipment, the card form
    says so, and cancelling the last shipment cancels the intent; nothing is refunded."""
    order = place_for(
        db, world["buyer"], (world["coffee"], 2), (world["honey"], 1), method=PaymentMethod.CARD
    )
    intent_id = payments.start_payment(order)
    coffee_shipment, honey_shipment = order.sub_orders
    client = signed_in(world["buyer"])

    html = post(client, f"/orders/{order.number}/shipments/{coffee_shipment.id}/cancel")

    with localstripe.client() as stripe_client:
        intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    assert int(intent.amount) == 600_000  # 930k less the coffee's 330k
    page = html.get_data(as_text=True)
    assert "Pay ₫600,000" in page and "Pay ₫930,000" not in page
    assert fresh(db, coffee_shipment).refund_status is None  # nothing was paid

    post(client, f"/orders/{order.number}/shipments/{honey_shipment.id}/cancel")

    with localstripe.client() as stripe_client:
        assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert fresh(db, honey_shipment).refund_status is None  # no charge: no refund to make


def test_when_an_unpaid_card_orders_hold_runs_out_its_payment_intent_is_cancelled(
    db, world, stripe_app, localstripe, frozen_today
):
    import datetime as dt

    from shop import clock
    from shop.checkout.services import release_expired_holds

    order = place_for(db, world["buyer"], (world["coffee"], 1), method=PaymentMethod.CARD)
    intent_id = payments.start_payment(order)
    expires = order.hold_expires_at.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ)
    frozen_today(expires + dt.timedelta(minutes=1))

    assert release_expired_holds() == 1

    with localstripe.client() as stripe_client:
        assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert fresh(db, order.sub_orders[0]).order.payment_status == PaymentStatus.CANCELLED


def test_a_stale_intent_is_brought_to_the_amount_still_due_by_a_post_never_by_the_page(
    db, world, stripe_app, localstripe, signed_in
):
    """A cancellation whose intent update did not reach Stripe: the order page (a GET) only
    reads the intent and offers to pay what is due; that button's POST corrects the intent."""
    order = place_for(
        db, world["buyer"], (world["coffee"], 2), (world["honey"], 1), method=PaymentMethod.CARD
    )
    intent_id = payments.start_payment(order)
    stripe_app.config["STRIPE_API_BASE"] = UNREACHABLE  # at the commit
    walk(order.sub_orders[1], OrderStatus.CANCELLED)  # the honey, without telling Stripe
    db.session.commit()
    stripe_app.config["STRIPE_API_BASE"] = localstripe.url
    client = signed_in(world["buyer"])

    page = client.get(f"/orders/{order.number}").get_data(as_text=True)

    assert 'data-testid="start-card"' in page and "Pay ₫330,000" in page
    assert "data-client-secret" not in page  # no form for the old amount
    with localstripe.client() as stripe_client:
        assert int(stripe_client.v1.payment_intents.retrieve(intent_id).amount) == 930_000

    page = post(client, f"/orders/{order.number}/payment/start").get_data(as_text=True)

    with localstripe.client() as stripe_client:
        intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    assert int(intent.amount) == 330_000
    assert f'data-client-secret="{intent.client_secret}"' in page and "Pay ₫330,000" in page
    assert 'data-testid="start-card"' not in page


def test_a_producer_cancelling_a_card_paid_shipment_refunds_it_at_once(
    db, world, card_order, localstripe, signed_in
):
    """The producer's cancel button settles with Stripe like the buyer's: no wait for the
    `flask orders refunds` command."""
    honey_shipment = card_order.sub_orders[1]
    client = signed_in(world["honey"].producer.owner)

    post(client, f"/producer/orders/{honey_shipment.id}/move", target="cancelled")

    (refund,) = stripe_refunds(localstripe, intent_of(card_order))
    assert (refund.amount, refund.status) == (600_000, "succeeded")
    assert fresh(db, honey_shipment).refund_status == "refunded"
