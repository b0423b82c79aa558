"""The payment providers' registry, the refund status the database checks, and the labels."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop import content_security_policy
from shop.enums import OrderStatus, PaymentMethod, RefundStatus
from shop.orders.models import SubOrder
from shop.payments import providers
from shop.payments.labels import REFUND_LABELS
from tests.factories import make_product, make_user
from tests.integration.test_buyer_orders import place_for, walk


def test_each_payment_method_has_its_provider(app):
    assert [(m, providers.get(m).name) for m in PaymentMethod] == [
        (PaymentMethod.COD, "cod"),
        (PaymentMethod.BANK_TRANSFER, "vietqr"),
        (PaymentMethod.CARD, "stripe"),
    ]
    assert providers.by_name("stripe") is providers.get("card")
    assert providers.by_name("momo") is None
    assert [providers.get(m).refund_when_cancelled for m in PaymentMethod] == [
        None,
        RefundStatus.MANUAL,
        RefundStatus.CARD_PENDING,
    ]


def test_cards_are_offered_only_with_a_stripe_key(app):
    app.config["STRIPE_SECRET_KEY"] = None
    assert providers.offered() == [PaymentMethod.COD, PaymentMethod.BANK_TRANSFER]
    app.config["STRIPE_SECRET_KEY"] = "sk_test_1"
    assert providers.offered() == [PaymentMethod.COD, PaymentMethod.BANK_TRANSFER, "card"]


def test_a_new_provider_is_one_registered_class(app):
    """What a MoMo module would do: register a class serving a method (here, replacing COD's)."""

    class Fake:
        method = PaymentMethod.COD
        name = "fake"
        csp = {"frame-src": ("https://pay.example.vn",)}
        refund_when_cancelled = None

        def offered(self):
            return False

    original = providers.get(PaymentMethod.COD)
    try:
        providers.register(Fake())
        assert providers.by_name("fake").csp == {"frame-src": ("https://pay.example.vn",)}
        assert PaymentMethod.COD not in providers.offered()
    finally:
        providers.register(original)
    assert providers.get(PaymentMethod.COD) is original


def test_a_providers_csp_sources_join_the_shops_policy():
    assert content_security_policy({}) == (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    assert content_security_policy(
        {
            "script-src": ("'self'", "https://pay.example.vn"),
            "frame-src": ("https://pay.example.vn",),
        }
    ) == (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self' https://pay.example.vn; frame-src https://pay.example.vn; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


@pytest.fixture
def cancelled_transfer(db, frozen_today):
    product = make_product(name="Trà Shan tuyết", variants=[{"price": 200_000, "stock": 5}])
    order = place_for(db, make_user(), (product, 1), method=PaymentMethod.BANK_TRANSFER)
    from shop.payments import services

    assert services.mark_paid(order, PaymentMethod.BANK_TRANSFER)
    walk(order.sub_orders[0], OrderStatus.CANCELLED)
    db.session.commit()
    return order.sub_orders[0]


def test_the_refund_status_is_one_of_three_and_the_database_refuses_any_other(
    db, cancelled_transfer
):
    db.session.expire_all()
    stored = db.session.scalar(sa.text("SELECT refund_status FROM sub_orders"))
    assert stored == "manual"
    assert db.session.get(SubOrder, cancelled_transfer.id).refund_status is RefundStatus.MANUAL
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE sub_orders SET refund_status = 'card_refunded'"))
    db.session.rollback()
    db.session.execute(sa.text("UPDATE sub_orders SET refund_status = NULL"))  # none is allowed
    db.session.rollback()


def test_one_refund_label_table_speaks_to_the_buyer_and_to_the_producer(app):
    with app.test_request_context():  # Vietnamese first
        labels = {s: (str(label.buyer), str(label.producer)) for s, label in REFUND_LABELS.items()}
    assert labels == {
        RefundStatus.CARD_PENDING: (
            "đang hoàn tiền vào thẻ của bạn",
            "sàn sẽ hoàn tiền vào thẻ của người mua",
        ),
        RefundStatus.MANUAL: (
            "đang hoàn tiền qua chuyển khoản",
            "nhân viên của sàn sẽ hoàn tiền cho người mua bằng chuyển khoản",
        ),
        RefundStatus.REFUNDED: ("đã hoàn tiền", "đã hoàn tiền cho người mua"),
    }


def test_the_buyer_and_the_producer_read_the_refund_in_their_words(app, db, cancelled_transfer):
    from shop.accounts.models import User
    from shop.producers.models import Producer
    from tests.integration.test_buyer_orders import sign_in

    order = cancelled_transfer.order
    buyer = sign_in(app, db, db.session.get(User, order.user_id))
    page = buyer.get(f"/orders/{order.number}").get_data(as_text=True)
    assert '<span data-testid="refund-status">refund by bank transfer in progress</span>' in page
    owner = db.session.get(Producer, cancelled_transfer.producer_id).owner
    producer = sign_in(app, db, owner)
    page = producer.get(f"/producer/orders/{cancelled_transfer.id}").get_data(as_text=True)
    assert "<dt>Refund</dt><dd>to be refunded by bank transfer by the shop's staff</dd>" in page
