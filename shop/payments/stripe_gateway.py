"""Cards through Stripe: one PaymentIntent per order, the card form, and signed webhooks.

Every Stripe call happens after the order committed (never while stock rows are locked), with
a short timeout, and a failing Stripe never reaches the buyer as an error page: the order page
offers bank transfer and cash on delivery instead. Webhooks are verified, recorded once in
WebhookEvent (unique on provider and event id) and applied in the same transaction.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
import stripe
from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.enums import PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.states import lock_order
from shop.payments import services
from shop.payments.models import Payment, WebhookEvent

log = logging.getLogger(__name__)

PROVIDER = "stripe"
CURRENCY = "vnd"  # zero-decimal: a Stripe amount in VND is the number of đồng
TIMEOUT = (3, 10)  # seconds to connect, seconds to read
MAX_NETWORK_RETRIES = 1
# The order page with the card form loads Stripe.js, its frames and its API (see shop/__init__.py).
CARD_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' https://js.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; "
    "connect-src 'self' https://api.stripe.com; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
CARD_FORM_FLAG = "stripe_card_form"  # set in flask.g when the page shows the card form


@contextlib.contextmanager
def _client() -> Iterator[stripe.StripeClient]:
    """A StripeClient configured from the app config; its HTTP session is closed after use."""
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    http = stripe.RequestsClient(timeout=TIMEOUT)
    try:
        yield stripe.StripeClient(
            config.get("STRIPE_SECRET_KEY") or "",
            base_addresses={"api": base} if base else None,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=http,
        )
    finally:
        http.close()


def _card_payment(order: Order) -> Payment | None:
    """The order's latest card payment attempt."""
    return db.session.scalar(
        sa.select(Payment)
        .where(Payment.order_id == order.id, Payment.method == PaymentMethod.CARD)
        .order_by(Payment.id.desc())
    )


def _intent_params(order: Order) -> dict[str, Any]:
    """What localstripe and Stripe both accept: no automatic_payment_methods, no description."""
    return {
        "amount": order.amount_due,
        "currency": CURRENCY,
        "metadata": {"order_number": order.number},
        "payment_method_types": ["card"],
    }


def ensure_intent(order: Order) -> str | None:
    """The id of the order's PaymentIntent, created and stored on first use; None if Stripe fails."""
    payment = _card_payment(order)
    if payment is None:
        return None
    if payment.provider_ref:
        return payment.provider_ref
    try:
        with _client() as client:
            intent = client.v1.payment_intents.create(
                _intent_params(order),
                # the order number alone repeats across databases sharing one Stripe account
                {"idempotency_key": f"{order.number}-{order.idempotency_key[:16]}-intent"},
            )
    except stripe.StripeError as error:
        log.warning("Stripe: no PaymentIntent for order %s: %s", order.number, error)
        return None
    payment.provider_ref = intent.id
    db.session.commit()
    return intent.id


# A PaymentIntent's amount may still change (or the intent be cancelled) in these states.
OPEN_INTENT = {"requires_payment_method", "requires_confirmation", "requires_action"}


def _client_secret(order: Order, intent_id: str) -> str | None:
    """The intent's client secret for Stripe.js, its amount brought to what is still due;
    None if Stripe cannot be reached."""
    try:
        with _client() as client:
            intent = client.v1.payment_intents.retrieve(intent_id)
            if int(intent.amount) != order.amount_due and intent.status in OPEN_INTENT:
                intent = client.v1.payment_intents.update(intent_id, {"amount": order.amount_due})
            return intent.client_secret
    except stripe.StripeError as error:
        log.warning("Stripe: cannot retrieve %s: %s", intent_id, error)
        return None


def follow_cancellation(order_id: int) -> None:
    """After a cancellation of a shipment of an unpaid card order commits: the intent asks for
    what is still due, or is cancelled with the whole order (a hold that ran out included).
    Hung on the commit by the cancellation; reads the order in its own session. Best effort:
    if Stripe cannot be reached, the order page corrects the amount before the buyer can pay
    (card_form), and a payment of another amount is not applied (_matches)."""
    with Session(db.engine) as session:
        order = session.get(Order, order_id)
        if order is None or order.payment_method != PaymentMethod.CARD:
            return
        if order.payment_status not in (PaymentStatus.UNPAID, PaymentStatus.CANCELLED):
            return
        intent_id = session.scalar(
            sa.select(Payment.provider_ref)
            .where(Payment.order_id == order.id, Payment.method == PaymentMethod.CARD)
            .order_by(Payment.id.desc())
        )
        cancelled, amount_due = order.cancelled_at is not None, order.amount_due
    if intent_id:
        _follow_intent(intent_id, cancelled, amount_due)


def _follow_intent(intent_id: str, cancelled: bool, amount_due: int) -> None:
    try:
        with _client() as client:
            intent = client.v1.payment_intents.retrieve(intent_id)
            if intent.status not in OPEN_INTENT:
                return
            if cancelled:
                client.v1.payment_intents.cancel(intent_id)
            elif int(intent.amount) != amount_due:
                client.v1.payment_intents.update(intent_id, {"amount": amount_due})
    except stripe.StripeError as error:
        log.warning("Stripe: intent %s not updated after a cancellation: %s", intent_id, error)


def card_form(order: Order) -> dict[str, Any]:
    """The card form's settings for the order page, or {"error": message} when unavailable."""
    key = current_app.config.get("STRIPE_PUBLISHABLE_KEY")
    intent_id = ensure_intent(order) if key else None
    secret = _client_secret(order, intent_id) if intent_id else None
    if not secret:
        return {
            "error": _(
                "Card payment is unavailable right now; "
                "you can pay by bank transfer or cash on delivery."
            )
        }
    if has_request_context():
        setattr(g, CARD_FORM_FLAG, True)
    return {"publishable_key": key, "client_secret": secret}


def handle_webhook(raw_body: bytes, signature: str) -> int:
    """Verify, record once and apply one Stripe event; returns the HTTP status to answer."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        log.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is not set")
        return 503
    try:
        event = stripe.Webhook.construct_event(raw_body, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as error:
        log.warning("Stripe webhook refused: %s", error)
        return 400
    if not _record(event.id, event.type):
        return 200  # a redelivery: already applied
    try:
        _apply(event.type, event.data.object.to_dict())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return 200


def _record(event_id: str, event_type: str) -> bool:
    """Insert the event's row; False (and rolled back) when it was recorded before."""
    db.session.add(WebhookEvent(provider=PROVIDER, event_id=event_id, event_type=event_type))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _apply(event_type: str, intent: dict[str, Any]) -> None:
    """Change the order an intent event is about; other event types are only recorded."""
    if event_type not in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        return
    order = _order_for(intent)
    if order is None:
        log.warning("Stripe %s for %s: no matching order", event_type, intent.get("id"))
        return
    order = lock_order(order.id)  # a cancellation or a staff action waits, or went first
    if event_type == "payment_intent.payment_failed":
        services.mark_failed(order, PaymentMethod.CARD, intent["id"])
    elif _matches(order, intent):
        _pay(order, intent["id"])


def _pay(order: Order, intent_id: str) -> None:
    """Mark the order paid by this intent, or log the double payment staff must refund."""
    if services.mark_paid(order, PaymentMethod.CARD, intent_id):
        return
    card = _card_payment(order)
    if card is None or (card.provider_ref, card.status) != (intent_id, PaymentStatus.PAID):
        log.error("Stripe %s paid order %s, already paid: refund it", intent_id, order.number)


def _order_for(intent: dict[str, Any]) -> Order | None:
    """The order whose card payment holds this intent (or, not stored yet, its metadata's)."""
    payment = db.session.scalar(sa.select(Payment).where(Payment.provider_ref == intent["id"]))
    if payment is not None:
        return payment.order
    number = (intent.get("metadata") or {}).get("order_number")
    order = db.session.scalar(sa.select(Order).where(Order.number == number)) if number else None
    card = _card_payment(order) if order is not None else None
    # An intent created while storing its id failed; any other stored id means another intent.
    return order if card is not None and card.provider_ref is None else None


def _matches(order: Order, intent: dict[str, Any]) -> bool:
    """True if the order is still open and the money is what it owes (amount and currency)."""
    if order.cancelled_at is not None:
        log.error("Stripe %s paid cancelled order %s: refund it", intent["id"], order.number)
        return False
    if intent.get("amount") != order.amount_due or intent.get("currency") != CURRENCY:
        log.error(
            "Stripe %s paid %s %s for order %s of %s VND: not applied",
            intent["id"],
            intent.get("amount"),
            intent.get("currency"),
            order.number,
            order.amount_due,
        )
        return False
    return True
