"""place(): the one transaction where stock and money move; release_expired_holds().

Placing first claims the reviewed revision of the cart (a conditional update), then re-checks
every line's listability and stock, takes the stock with guarded updates on variant rows
locked in id order (FOR UPDATE on PostgreSQL), and writes the order, one sub-order per
producer and lines that snapshot the sale, the payment attempt and the confirmation e-mail —
all or nothing. The form's key and the checkout's key (cart and revision) are unique: a double
submit, a second tab or a second device gets the first order. Payment providers are called
only after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from shop import clock, geo
from shop.cart import services as carts
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout import holds
from shop.checkout.models import Address
from shop.conditional import change
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.extensions import db
from shop.mail import queue_mail
from shop.orders.models import Order, OrderLine, SubOrder
from shop.payments.models import Payment
from shop.urls import external_url


class OutOfStock(Refused):
    """Someone else bought the last ones first (the page sends the buyer back to the cart)."""


@dataclass(frozen=True)
class Delivery:
    """Who receives the parcels, and where (street, ward or commune, province)."""

    full_name: str
    phone: str  # +84…
    email: str
    street: str
    ward_code: int
    province_code: int
    note: str = ""

    def check(self) -> None:
        """Raise Refused unless the ward belongs to one of the 34 provinces."""
        if not geo.is_valid_province(self.province_code):
            raise Refused(_l("Choose a province from the list."), "province_code")
        if not geo.ward_in_province(self.ward_code, self.province_code):
            raise Refused(_l("Choose a ward or commune of the selected province."), "ward_code")


def available_methods() -> list[PaymentMethod]:
    """The ways to pay the payment providers offer now (cards only when Stripe is set up)."""
    from shop.payments import providers

    return providers.offered()


def checkout_key(cart: Cart, revision: int) -> str:
    """What names one checkout: this cart (by its secret token, never reused) at the revision
    the buyer reviewed. The order placed from it keeps it (unique)."""
    return hashlib.sha256(f"{cart.token}:{revision}".encode()).hexdigest()


def find_placed(idempotency_key: str, cart: Cart | None, revision: int | None) -> Order | None:
    """The order this form, or this reviewed cart, already became (None if neither did)."""
    same = [Order.idempotency_key == idempotency_key]
    if cart is not None and revision is not None:
        same.append(Order.checkout_key == checkout_key(cart, revision))
    return db.session.scalar(sa.select(Order).where(sa.or_(*same)).order_by(Order.id))


@dataclass(frozen=True)
class Placement:
    """The order a placement answers with, and whether this placement created it."""

    order: Order
    created: bool


def place(
    cart: Cart,
    delivery: Delivery,
    method: PaymentMethod,
    idempotency_key: str,
    expected_total: int,
    user_id: int | None = None,
    *,
    revision: int | None = None,
    browser_key: str | None = None,
    notice_accepted: bool = False,
    save_address: bool = False,
) -> Placement:
    """Place the cart as an order and commit, or answer with the order it already became.

    `revision` is the cart's revision the buyer reviewed (the current one if not given). The
    placement first claims it — `UPDATE carts SET revision = revision + 1 WHERE id = :id AND
    revision = :reviewed` — so two tabs or devices placing one reviewed cart cannot both go
    on: the one whose claim changes nothing is answered with the order of the other (same
    form key or same checkout key), or, if the cart changed meanwhile, refused.
    Nothing is ordered, reserved or charged twice. With `save_address`, a signed-in buyer's
    delivery address joins their address book in the same transaction (once).
    """
    revision = cart.revision if revision is None else revision
    existing = find_placed(idempotency_key, cart, revision)
    if existing is not None:
        return Placement(existing, created=False)
    key = checkout_key(cart, revision)
    try:
        order = _place(
            cart,
            revision,
            delivery,
            method,
            expected_total,
            (idempotency_key, key),
            user_id,
            browser_key,
        )
        if notice_accepted:  # a guest's consent to the privacy notice, kept with the order
            from shop.privacy.consents import record_notice_consent

            record_notice_consent(order=order, source="guest_checkout")
        if save_address and user_id is not None:
            _save_address(user_id, delivery)
        db.session.commit()
    except Exception:
        db.session.rollback()
        # Another submit of this form or of this reviewed cart may have committed meanwhile:
        # this one then lost the claim, hit a unique key, or found the stock taken or the
        # cart emptied by it. Its order is the answer; any other failure stands.
        existing = find_placed(idempotency_key, cart, revision)
        if existing is None:
            raise
        return Placement(existing, created=False)
    return Placement(order, created=True)


def place_order(
    cart: Cart,
    delivery: Delivery,
    method: PaymentMethod,
    idempotency_key: str,
    expected_total: int,
    user_id: int | None = None,
) -> Order:
    """place() for callers that only need the order (the same key returns the same order)."""
    return place(cart, delivery, method, idempotency_key, expected_total, user_id).order


def _save_address(user_id: int, delivery: Delivery) -> None:
    """Add the delivery address to the buyer's address book, unless it is there already."""
    known = db.session.scalar(
        sa.select(Address.id).where(
            Address.user_id == user_id,
            Address.street == delivery.street,
            Address.ward_code == delivery.ward_code,
        )
    )
    if known is None:
        db.session.add(
            Address(
                user_id=user_id,
                full_name=delivery.full_name,
                phone=delivery.phone,
                street=delivery.street,
                ward_code=delivery.ward_code,
                province_code=delivery.province_code,
            )
        )


def _claim(cart: Cart, revision: int) -> None:
    """Take the reviewed revision of the cart for this placement, or refuse."""
    if not change(cart, Cart.revision == revision, revision=revision + 1):
        raise Refused(
            _l(
                "Your cart changed since you reviewed the order (in another tab or window?). "
                "Please check it again."
            )
        )


def _place(cart, revision, delivery, method, expected_total, keys, user_id, browser_key) -> Order:
    _claim(cart, revision)  # the first write: from here on, this placement is the only one
    if method not in available_methods():
        raise Refused(_l("Choose a payment method from the list."), "payment_method")
    delivery.check()
    holds.lock_holders(user_id, browser_key)
    holds.check_room(method, user_id, browser_key)
    quote = carts.view(cart)
    if quote.is_empty:
        raise Refused(_l("Your cart is empty."))
    if quote.has_problems:
        raise Refused(_l("Some items in your cart can no longer be bought. Check your cart."))
    if quote.total != expected_total:
        raise Refused(
            _l("Prices or your cart changed since you reviewed the order. Please check it again.")
        )
    _take_stock([lv.line for group in quote.groups for lv in group.lines])
    order = _write_order(quote, delivery, method, keys, user_id, browser_key)
    db.session.execute(sa.delete(CartLine).where(CartLine.cart_id == cart.id))
    _queue_confirmation(order)
    return order


def _take_stock(lines: list[CartLine]) -> None:
    """Decrement stock for every line, or raise OutOfStock; rows locked in id order."""
    wanted = {line.variant_id: line.quantity for line in lines}
    names = {line.variant_id: line.variant.product.name for line in lines}
    ids = sorted(wanted)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id).with_for_update()
        )
    for variant_id in ids:
        taken = db.session.execute(
            sa.update(Variant)
            .where(Variant.id == variant_id, Variant.stock >= wanted[variant_id])
            .values(stock=Variant.stock - wanted[variant_id])
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise OutOfStock(
                _l(
                    "Sorry, “%(name)s” sold out meanwhile: there is not enough left for your order.",
                    name=names[variant_id],
                )
            )


def _write_order(quote, delivery: Delivery, method, keys, user_id, browser_key) -> Order:
    now = clock.utcnow()
    idempotency_key, checkout = keys
    order = Order(
        number=f"PENDING-{idempotency_key[:16]}",
        idempotency_key=idempotency_key,
        checkout_key=checkout,
        user_id=user_id,
        browser_key=browser_key,
        email=delivery.email.strip().lower(),
        full_name=delivery.full_name.strip(),
        phone=delivery.phone,
        street=delivery.street.strip(),
        ward_code=delivery.ward_code,
        province_code=delivery.province_code,
        note=delivery.note.strip(),
        payment_method=method,
        subtotal=quote.subtotal,
        shipping_total=quote.shipping_total,
        total=quote.total,
        hold_expires_at=holds.hold_until(now) if method in holds.HELD_METHODS else None,
        placed_at=now,
    )
    db.session.add(order)
    for group in quote.groups:
        sub = SubOrder(
            order=order,
            producer_id=group.producer.id,
            producer_name=group.producer.name,
            subtotal=group.subtotal,
            shipping_fee=group.shipping_fee,
            total=group.total,
        )
        db.session.add(sub)
        for lv in group.lines:
            variant = lv.line.variant
            db.session.add(
                OrderLine(
                    sub_order=sub,
                    product_id=lv.product.id,
                    variant_id=variant.id,
                    product_name=lv.product.name,
                    product_slug=lv.product.slug,
                    variant_label=variant.label,
                    sku=variant.sku,
                    unit_price=variant.price,
                    quantity=lv.line.quantity,
                    line_total=variant.price * lv.line.quantity,
                    certificate_number=lv.certificate.number,
                    stars=lv.certificate.stars,
                )
            )
    db.session.add(Payment(order=order, method=method, amount=quote.total))
    db.session.flush()
    order.number = order_number(order)
    return order


def order_number(order: Order) -> str:
    """Human-friendly and unique: OCOP-2026-000123 (the year it was placed, in Vietnam)."""
    year = order.placed_at.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).year
    return f"OCOP-{year}-{order.id:06d}"


ORDER_LINK_SALT = "order-link"


def _order_link_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=ORDER_LINK_SALT)


def order_link(order: Order) -> str:
    """The order page's address for e-mails: its signed key opens the page on any device
    (a guest reading the e-mail on a phone, not in the browser that placed the order)."""
    key = _order_link_signer().dumps(order.number)
    return external_url("checkout.order", number=order.number, key=key)


def order_key_opens(number: str, key: str) -> bool:
    """True if `key` is the signed key of order `number` from order_link()."""
    try:
        return _order_link_signer().loads(key) == number
    except BadSignature:
        return False


def _queue_confirmation(order: Order) -> None:
    with force_locale("vi"):
        body = render_template(
            "checkout/email/confirmation.txt",
            order=order,
            link=order_link(order),
        )
        subject = str(_l("Order %(number)s received", number=order.number))
    queue_mail(order.email, subject, body)


def release_expired_holds() -> int:
    """Cancel unpaid card and transfer orders whose hold ran out, restoring their stock.

    Safe to run twice or from several hosts, and while buyers, producers and staff act on the
    same orders: each order is claimed by a conditional update of its payment status, and
    each shipment is cancelled through the state machine, so stock comes back once.
    """
    now = clock.utcnow()
    candidates = db.session.scalars(
        sa.select(Order.id)
        .where(
            Order.payment_status == PaymentStatus.UNPAID,
            Order.payment_method != PaymentMethod.COD,
            Order.cancelled_at.is_(None),
            Order.hold_expires_at < now,
        )
        .order_by(Order.id)
    ).all()
    db.session.rollback()  # end the read: each order is its own transaction
    return sum(1 for order_id in candidates if cancel_unpaid(order_id, now))


def cancel_unpaid(order_id: int, now: dt.datetime) -> bool:
    """Cancel one unpaid card or transfer order whose hold ran out before `now`, in one
    transaction, committed: False if it was paid, cancelled or switched to cash on delivery
    meanwhile.

    The order's payment goes from unpaid to cancelled by a conditional update; then each
    shipment still open is cancelled by the shop (states.SYSTEM) through the state machine —
    its stock back, its event, its producer told — and the buyer is told once.
    """
    from shop.orders import notices
    from shop.orders.cancellation import lock_variants
    from shop.orders.states import SYSTEM, allowed_moves, lock_order, transition

    order = lock_order(order_id)
    claimed = change(
        order,
        Order.payment_status == PaymentStatus.UNPAID,
        Order.payment_method != PaymentMethod.COD,
        Order.cancelled_at.is_(None),
        Order.hold_expires_at < now,
        payment_status=PaymentStatus.CANCELLED,
    )
    if not claimed:
        db.session.rollback()
        return False
    lock_variants(line.variant_id for line in order.lines)
    for sub in order.sub_orders:
        if any(move.target == OrderStatus.CANCELLED for move in allowed_moves(sub, SYSTEM)):
            transition(sub, OrderStatus.CANCELLED, role=SYSTEM, actor_id=None)
    db.session.execute(
        sa.update(Payment)
        .where(Payment.order_id == order_id, Payment.status == PaymentStatus.UNPAID)
        .values(status=PaymentStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    notices.hold_expired(order)
    from shop.payments.services import follow_cancellation

    follow_cancellation(order)  # the open payment at the provider is voided after the commit
    db.session.commit()
    return True
