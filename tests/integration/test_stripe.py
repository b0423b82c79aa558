"""Card payments with the real stripe library against localstripe on 127.0.0.1.

localstripe (tests/stripe_fake.py) runs once per session; each test gets it empty. Tests that
need Stripe's own webhook deliveries serve the test app itself on 127.0.0.1 (so it shares the
test's database, SQLite or PostgreSQL) and register it with localstripe, which posts signed
events about a second after a payment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
import stripe
from werkzeug.serving import make_server

from shop.checkout.services import Delivery, place_order
from shop.enums import PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.orders.models import Order
from shop.payments.models import Payment, WebhookEvent
from tests import stripe_fake
from tests.conftest import csrf_from
from tests.factories import make_product

# localstripe registers plain (non-async) aiohttp handlers when it is imported; aiohttp
# deprecates that. The warning is aiohttp's own, raised while localstripe.server loads.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Bare functions are deprecated:DeprecationWarning:aiohttp.web_urldispatcher"
)

SECRET_KEY = "sk_test_12345"
PUBLISHABLE_KEY = "pk_test_12345"
WEBHOOK_SECRET = "whsec_test"
WEBHOOK_PATH = "/payments/stripe/webhook"
DELIVERY_WAIT = 10  # seconds; localstripe waits 1 s before it posts an event
UNAVAILABLE = "Card payment is unavailable right now"
DAK_LAK = 66

DETAILS = {
    "privacy_consent": "y",
    "full_name": "Trần Thị Mai",
    "phone": "0987 654 321",
    "email": "mai@example.vn",
    "province_code": str(DAK_LAK),
    "street": "15 Lê Duẩn",
    "note": "",
    "payment_method": "card",
}


@pytest.fixture(scope="session")
def fake_stripe(tmp_path_factory) -> Iterator[stripe_fake.FakeStripe]:
    """localstripe on 127.0.0.1, a free port, pickling into a test folder."""
    with stripe_fake.running(tmp_path_factory.mktemp("localstripe")) as fake:
        yield fake


@pytest.fixture
def stripe_app(app, fake_stripe):
    """The test app with Stripe configured against localstripe (emptied afterwards)."""
    app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake_stripe.url,
    )
    yield app
    fake_stripe.reset()


@pytest.fixture
def live_url(stripe_app) -> Iterator[str]:
    """The test app itself served on 127.0.0.1 (a free port), sharing the test's database."""
    server = make_server("127.0.0.1", 0, stripe_app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def stripe_delivers(live_url, fake_stripe) -> Iterator[None]:
    """localstripe posts its signed events to the live app's webhook."""
    fake_stripe.register_webhook(live_url + WEBHOOK_PATH, WEBHOOK_SECRET)
    yield
    fake_stripe.reset()  # no delivery may reach the next test's app


@pytest.fixture
def coffee(db, frozen_today):
    product = make_product(name="Cà phê hạt", variants=[{"price": 150_000, "stock": 10}])
    db.session.commit()
    return product


def first_ward(province: int) -> int:
    from shop import geo

    return geo.wards(province)[0][0]


def buy(client, submit, product, method: str = "card") -> str:
    """Add two of `product` to the cart and place the order through the real pages."""
    to_review(client, submit, product, method)
    placed = client.post("/checkout/place", data=review_form(client))
    assert placed.status_code == 302 and "/orders/OCOP-" in placed.location, placed.location
    return placed.location.rsplit("/", 1)[1]


def to_review(client, submit, product, method: str) -> None:
    """Add two of `product` to the cart and give the delivery details, paying by `method`."""
    token = csrf_from(client.get(f"/p/{product.slug}").get_data(as_text=True))
    added = client.post(
        "/cart/add",
        data={"variant_id": product.variants[0].id, "quantity": 2, "csrf_token": token},
    )
    assert added.status_code == 302
    details = {**DETAILS, "ward_code": str(first_ward(DAK_LAK)), "payment_method": method}
    answer = submit("/checkout", details)
    assert answer.status_code == 302, answer.get_data(as_text=True)


def review_form(client) -> dict[str, str]:
    """The review page's "Place the order" form, as a browser tab holds it."""
    review = client.get("/checkout/review").get_data(as_text=True)
    fields = dict(
        re.findall(
            r'name="(idempotency_key|expected_total|cart_revision|details_key)" type="hidden" '
            r'value="([^"]+)"',
            review,
        )
    )
    return {**fields, "csrf_token": csrf_from(review)}


def fresh(db, number: str) -> Order:
    """The order as committed now (whoever changed it)."""
    db.session.rollback()
    return db.session.scalar(sa.select(Order).where(Order.number == number))


def payments(db, number: str) -> list[Payment]:
    order = fresh(db, number)
    return list(
        db.session.scalars(
            sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
        )
    )


def wait_until(check: Callable[[], bool], timeout: float = DELIVERY_WAIT) -> bool:
    """Poll `check` until it holds or `timeout` seconds passed; its last answer."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def signed(payload: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """A Stripe-Signature header for `payload`: v1 = HMAC-SHA256 of "t.payload"."""
    now = int(time.time())
    mac = hmac.new(secret.encode(), f"{now}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={now},v1={mac}"


def post_event(client, payload: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post(WEBHOOK_PATH, data=payload, headers=headers)


def ledger_of(db, number: str) -> list[tuple[str, int]]:
    """The ledger entries of the order's shipments, in the order written."""
    from shop.ledger.models import LedgerEntry
    from shop.orders.models import SubOrder

    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(LedgerEntry)
        .join(SubOrder, SubOrder.id == LedgerEntry.sub_order_id)
        .join(Order, Order.id == SubOrder.order_id)
        .where(Order.number == number)
        .order_by(LedgerEntry.id)
    )
    return [(e.kind.value, e.amount) for e in rows]


def intent_of(db, number: str) -> str:
    (card,) = [p for p in payments(db, number) if p.method == PaymentMethod.CARD]
    assert card.provider_ref and card.provider_ref.startswith("pi_")
    return card.provider_ref


def pay(fake_stripe, intent_id: str, test_card: str = "pm_card_visa"):
    """Confirm the intent with a test card, server-side (localstripe: set it, then confirm)."""
    with fake_stripe.client() as client:
        client.v1.payment_intents.update(intent_id, {"payment_method": test_card})
        return client.v1.payment_intents.confirm(intent_id)


def succeeded_event(fake_stripe) -> bytes:
    """localstripe's payment_intent.succeeded event, as the JSON Stripe would post."""
    with fake_stripe.client() as client:
        (event,) = client.v1.events.list({"type": "payment_intent.succeeded"}).data
    return json.dumps(event.to_dict()).encode()


def test_a_card_order_is_paid_when_stripe_reports_the_payment(
    db, english, submit, coffee, fake_stripe, stripe_delivers
):
    number = buy(english, submit, coffee)
    order = fresh(db, number)
    assert order.payment_method == PaymentMethod.CARD
    assert order.payment_status == PaymentStatus.UNPAID
    intent_id = intent_of(db, number)
    with fake_stripe.client() as client:
        intent = client.v1.payment_intents.retrieve(intent_id)
    assert intent.amount == order.total == 2 * 150_000 + 30_000  # whole đồng: VND has no cents
    assert intent.currency == "vnd"
    assert intent.metadata.to_dict() == {"order_number": number}

    page = english.get(f"/orders/{number}").get_data(as_text=True)
    assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in page
    assert f'data-client-secret="{intent.client_secret}"' in page
    assert 'id="card-pay"' in page and "js/card.js" in page

    assert pay(fake_stripe, intent_id).status == "succeeded"
    assert wait_until(lambda: fresh(db, number).payment_status == PaymentStatus.PAID)
    order = fresh(db, number)
    assert order.paid_at is not None and order.hold_expires_at is None
    (card,) = payments(db, number)
    assert (card.status, card.provider_ref) == (PaymentStatus.PAID, intent_id)
    assert db.session.scalars(sa.select(WebhookEvent.event_type)).all() == [
        "payment_intent.succeeded"
    ]
    page = english.get(f"/orders/{number}").get_data(as_text=True)
    assert 'data-testid="payment-status">paid<' in page and 'id="card-pay"' not in page
    # the webhook's transaction wrote the producer's entries: 300 000 + 30 000 - 5 % commission
    assert ledger_of(db, number) == [
        ("sale", 300_000),
        ("shipping", 30_000),
        ("commission", -15_000),
    ]


def test_two_tabs_placing_the_same_card_order_at_once_start_one_payment(
    app, db, english, submit, coffee, stripe_app, fake_stripe
):
    from shop.cart.models import Cart
    from tests.concurrency import Race
    from tests.integration.test_checkout_twice import tab_of

    to_review(english, submit, coffee, "card")
    tabs = [english, tab_of(app, english)]
    forms = [review_form(tab) for tab in tabs]
    answers: list[str] = []

    def place_from(tab, form):
        answers.append(tab.post("/checkout/place", data=form).location)

    with Race(db, rows=[(Cart, db.session.scalar(sa.select(Cart.id)))]) as race:
        for tab, form in zip(tabs, forms, strict=True):
            race.start(place_from, tab, form)

    assert answers[0] == answers[1]
    number = answers[0].rsplit("/", 1)[1]
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1
    (card,) = payments(db, number)
    with fake_stripe.client() as client:
        intents = client.v1.payment_intents.list().data
    assert [intent.id for intent in intents] == [card.provider_ref]


def test_a_declined_card_leaves_the_order_unpaid_and_another_way_to_pay_works(
    db, english, submit, coffee, fake_stripe, stripe_delivers
):
    number = buy(english, submit, coffee)
    intent_id = intent_of(db, number)
    with pytest.raises(stripe.CardError):
        pay(fake_stripe, intent_id, "pm_card_chargeCustomerFail")
    assert wait_until(lambda: payments(db, number)[0].status == PaymentStatus.FAILED)
    assert fresh(db, number).payment_status == PaymentStatus.UNPAID
    assert db.session.scalars(sa.select(WebhookEvent.event_type)).all() == [
        "payment_intent.payment_failed"
    ]

    page = english.get(f"/orders/{number}").get_data(as_text=True)
    assert 'value="bank_transfer"' in page and 'value="cod"' in page  # the other ways to pay
    assert 'id="card-pay"' in page  # and the card form, to try another card
    switched = english.post(
        f"/orders/{number}/payment-method",
        data={"method": "bank_transfer", "csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and 'data-testid="vietqr"' in html
    assert "Payment method changed." in html
    order = fresh(db, number)
    assert (order.payment_method, order.payment_status) == (
        PaymentMethod.BANK_TRANSFER,
        PaymentStatus.UNPAID,
    )
    assert [(p.method, p.status) for p in payments(db, number)] == [
        (PaymentMethod.CARD, PaymentStatus.FAILED),
        (PaymentMethod.BANK_TRANSFER, PaymentStatus.UNPAID),
    ]


def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(
    db, english, submit, coffee, fake_stripe, stripe_app
):
    number = buy(english, submit, coffee)
    pay(fake_stripe, intent_of(db, number))
    payload = succeeded_event(fake_stripe)
    tampered = payload.replace(b'"succeeded"', b'"succeeded" ', 1)
    for body, signature in [
        (payload, None),
        (payload, ""),
        (payload, "t=1,v1=00"),
        (payload, signed(payload, "whsec_someone_else")),
        (tampered, signed(payload)),
        (b"not json", signed(b"not json")),
    ]:
        assert post_event(english, body, signature).status_code == 400, signature
    assert fresh(db, number).payment_status == PaymentStatus.UNPAID
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 0
    assert payments(db, number)[0].status == PaymentStatus.UNPAID


def test_the_same_event_delivered_five_times_pays_the_order_once(
    db, english, submit, coffee, fake_stripe, live_url
):
    number = buy(english, submit, coffee)
    pay(fake_stripe, intent_of(db, number))
    payload = succeeded_event(fake_stripe)
    signature = signed(payload)

    def deliver(_n: int) -> int:
        request = urllib.request.Request(
            live_url + WEBHOOK_PATH,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        )
        with urllib.request.urlopen(request, timeout=DELIVERY_WAIT) as answer:
            return answer.status

    with ThreadPoolExecutor(5) as pool:  # all at once: the unique key, not luck, decides
        assert list(pool.map(deliver, range(5))) == [200] * 5
    assert post_event(english, payload, signature).status_code == 200  # and once more, later
    order = fresh(db, number)
    assert order.payment_status == PaymentStatus.PAID
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1
    assert [p.status for p in payments(db, number)] == [PaymentStatus.PAID]
    assert ledger_of(db, number) == [
        ("sale", 300_000),
        ("shipping", 30_000),
        ("commission", -15_000),
    ]


def test_a_payment_of_another_amount_or_an_unknown_event_changes_nothing(
    db, english, submit, coffee, fake_stripe, stripe_app
):
    number = buy(english, submit, coffee)
    pay(fake_stripe, intent_of(db, number))
    event = json.loads(succeeded_event(fake_stripe))
    event["id"] = "evt_wrong_amount"
    event["data"]["object"]["amount"] = 1_000
    wrong = json.dumps(event).encode()
    unknown = json.dumps({**event, "id": "evt_other", "type": "customer.created"}).encode()
    assert post_event(english, wrong, signed(wrong)).status_code == 200
    assert post_event(english, unknown, signed(unknown)).status_code == 200
    assert fresh(db, number).payment_status == PaymentStatus.UNPAID
    assert sorted(db.session.scalars(sa.select(WebhookEvent.event_id))) == [
        "evt_other",
        "evt_wrong_amount",
    ]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_when_stripe_is_unreachable_the_order_is_placed_and_other_ways_to_pay_are_offered(
    db, english, submit, coffee, stripe_app
):
    stripe_app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{closed_port()}"
    number = buy(english, submit, coffee)
    order = fresh(db, number)
    assert order.payment_status == PaymentStatus.UNPAID
    assert [p.provider_ref for p in payments(db, number)] == [None]

    answer = english.get(f"/orders/{number}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert UNAVAILABLE in page and "you can pay by bank transfer or cash on delivery" in page
    assert 'value="bank_transfer"' in page and 'value="cod"' in page
    assert 'id="card-pay"' not in page and "js.stripe.com" not in page
    assert "js.stripe.com" not in answer.headers["Content-Security-Policy"]
    assert "Try the card again" in page


def test_the_card_page_only_reads_and_trying_the_card_again_is_a_post(
    db, english, submit, coffee, stripe_app, fake_stripe
):
    """Stripe was down when the order was placed: showing the order page (a GET) never opens
    the PaymentIntent, even with Stripe back; the "try the card again" POST does."""
    stripe_app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{closed_port()}"
    number = buy(english, submit, coffee)
    stripe_app.config["STRIPE_API_BASE"] = fake_stripe.url

    for _ in range(2):
        page = english.get(f"/orders/{number}").get_data(as_text=True)
        assert UNAVAILABLE in page and 'data-testid="start-card"' in page
    assert [p.provider_ref for p in payments(db, number)] == [None]
    with fake_stripe.client() as client:
        assert client.v1.payment_intents.list().data == []

    token = csrf_from(page)
    answer = english.post(f"/orders/{number}/payment/start", data={"csrf_token": token})

    assert answer.status_code == 302 and answer.location.endswith(f"/orders/{number}")
    intent_id = intent_of(db, number)
    with fake_stripe.client() as client:
        intent = client.v1.payment_intents.retrieve(intent_id)
    assert intent.amount == 2 * 150_000 + 30_000
    page = english.get(f"/orders/{number}").get_data(as_text=True)
    assert f'data-client-secret="{intent.client_secret}"' in page and UNAVAILABLE not in page


def test_trying_the_card_again_needs_the_csrf_token_and_the_buyer(
    db, app, english, submit, coffee, stripe_app
):
    stripe_app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{closed_port()}"
    number = buy(english, submit, coffee)
    assert english.post(f"/orders/{number}/payment/start").status_code == 400
    stranger = app.test_client()
    token = csrf_from(stranger.get("/").get_data(as_text=True))
    refused = stranger.post(f"/orders/{number}/payment/start", data={"csrf_token": token})
    assert refused.status_code == 404


def test_without_stripe_keys_the_card_is_not_offered(db, english, submit, coffee, app):
    app.config.update(STRIPE_SECRET_KEY=None, STRIPE_PUBLISHABLE_KEY=None)
    token = csrf_from(english.get(f"/p/{coffee.slug}").get_data(as_text=True))
    english.post("/cart/add", data={"variant_id": coffee.variants[0].id, "csrf_token": token})
    page = english.get("/checkout").get_data(as_text=True)
    assert 'value="cod"' in page and 'value="bank_transfer"' in page
    assert 'value="card"' not in page
    refused = submit("/checkout", {**DETAILS, "ward_code": str(first_ward(DAK_LAK))})
    assert refused.status_code == 200 and "Choose a payment method from the list." in (
        refused.get_data(as_text=True)
    )


def test_place_order_refuses_a_card_without_stripe_keys(db, app, coffee):
    from shop.cart.models import Cart, CartLine

    app.config["STRIPE_SECRET_KEY"] = None
    cart = Cart(token="t" * 43, lines=[CartLine(variant_id=coffee.variants[0].id, quantity=1)])
    db.session.add(cart)
    db.session.commit()
    delivery = Delivery(
        "Trần Thị Mai", "+84987654321", "mai@example.vn", "15 Lê Duẩn", first_ward(DAK_LAK), DAK_LAK
    )
    with pytest.raises(Refused):
        place_order(cart, delivery, PaymentMethod.CARD, "k" * 32, 180_000)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


def test_only_the_card_payment_page_relaxes_the_content_security_policy(
    db, english, submit, coffee, stripe_app
):
    strict = english.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in strict and "stripe" not in strict
    number = buy(english, submit, coffee)
    card_page = english.get(f"/orders/{number}")
    assert 'id="card-element"' in card_page.get_data(as_text=True)
    relaxed = card_page.headers["Content-Security-Policy"]
    assert relaxed == (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self' https://js.stripe.com; "
        "frame-src https://js.stripe.com https://hooks.stripe.com; "
        "connect-src 'self' https://api.stripe.com; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    for directive in (
        "script-src 'self' https://js.stripe.com;",
        "frame-src https://js.stripe.com https://hooks.stripe.com;",
        "connect-src 'self' https://api.stripe.com;",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in relaxed
    cod_number = buy(english, submit, coffee, method="cod")
    for path in ("/", "/cart", f"/p/{coffee.slug}", f"/orders/{cod_number}", "/checkout"):
        assert english.get(path).headers["Content-Security-Policy"] == strict, path


def cancel(db, order: Order) -> None:
    import datetime as dt

    from shop.checkout.services import cancel_unpaid

    assert cancel_unpaid(order.id, order.hold_expires_at + dt.timedelta(minutes=1))


def paid_by_transfer(db, order: Order) -> None:
    from shop.payments import services

    services.switch_method(order, PaymentMethod.BANK_TRANSFER)
    assert services.mark_paid(order, PaymentMethod.BANK_TRANSFER)
    db.session.commit()


@pytest.mark.parametrize("before", [cancel, paid_by_transfer], ids=["cancelled", "paid"])
def test_a_card_payment_for_a_closed_order_changes_nothing_and_asks_for_a_refund(
    db, english, submit, coffee, fake_stripe, stripe_app, caplog, before
):
    number = buy(english, submit, coffee)
    intent_id = intent_of(db, number)
    # The buyer pays at Stripe; the order is closed before Stripe's event arrives (a hold
    # running out cancels the intent too, so the payment must come first to race it).
    pay(fake_stripe, intent_id)
    before(db, fresh(db, number))
    expected = fresh(db, number)
    status, method = expected.payment_status, expected.payment_method
    payload = succeeded_event(fake_stripe)
    assert post_event(english, payload, signed(payload)).status_code == 200
    order = fresh(db, number)
    assert (order.payment_status, order.payment_method) == (status, method)
    assert f"Payment {intent_id} paid" in caplog.text and "refund it" in caplog.text
