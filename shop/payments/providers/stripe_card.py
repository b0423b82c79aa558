"""Cards through Stripe: one PaymentIntent per order, the card form, refunds and signed webhooks.

Every call to Stripe has a short timeout, and a failing Stripe never reaches the buyer as an
error page: the order page offers bank transfer and cash on delivery instead. The services
call it after a commit, never while rows are locked, and record what it answered.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _

from shop.enums import PaymentMethod, RefundStatus
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.providers import (
    PaymentEvent,
    ProviderError,
    WebhookRefused,
    WebhookUnconfigured,
    register,
)

if TYPE_CHECKING:
    import stripe

log = logging.getLogger(__name__)

CURRENCY = "vnd"  # zero-decimal: a Stripe amount in VND is the number of đồng
TIMEOUT = (3, 10)  # seconds to connect, seconds to read
MAX_NETWORK_RETRIES = 1
# A PaymentIntent's amount may still change (or the intent be cancelled) in these states.
OPEN_INTENT = {"requires_payment_method", "requires_confirmation", "requires_action"}
# Stripe refund statuses that mean the money is (or will be) on its way back.
GOING_BACK = {"succeeded", "pending"}
EVENTS = {"payment_intent.succeeded": "paid", "payment_intent.payment_failed": "failed"}


def _sdk():
    """The Stripe SDK, imported on first use: it brings requests and aiohttp (about 12 MB per
    worker, docs/benchmarks.md) that a shop taking no card payment never needs."""
    import stripe

    return stripe


@contextlib.contextmanager
def _client() -> Iterator[stripe.StripeClient]:
    """A StripeClient configured from the app config; its HTTP session is closed after use."""
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    sdk = _sdk()
    http = sdk.RequestsClient(timeout=TIMEOUT)
    try:
        yield sdk.StripeClient(
            config.get("STRIPE_SECRET_KEY") or "",
            base_addresses={"api": base} if base else None,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=http,
        )
    finally:
        http.close()


@contextlib.contextmanager
def _calling(what: str) -> Iterator[None]:
    """Stripe's errors, as the ProviderError the services expect."""
    try:
        yield
    except _sdk().StripeError as error:
        raise ProviderError(f"Stripe: {what}: {error}") from error


def _unavailable() -> dict[str, Any]:
    return {
        "error": _(
            "Card payment is unavailable right now; "
            "you can pay by bank transfer or cash on delivery."
        )
    }


class StripeCard:
    method = PaymentMethod.CARD
    name = "stripe"
    csp: Mapping[str, tuple[str, ...]] = {
        "script-src": ("'self'", "https://js.stripe.com"),
        "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
        "connect-src": ("'self'", "https://api.stripe.com"),
    }
    refund_when_cancelled = RefundStatus.CARD_PENDING

    def offered(self) -> bool:
        return bool(current_app.config.get("STRIPE_SECRET_KEY"))

    def start(self, order: Order, payment: Payment) -> str | None:
        """The order's PaymentIntent: created on first use (one per order, even across
        databases sharing the Stripe account), else brought to the amount still due."""
        with _calling(f"no PaymentIntent for order {order.number}"), _client() as client:
            if payment.provider_ref is None:
                intent = client.v1.payment_intents.create(
                    {  # what localstripe and Stripe both accept
                        "amount": order.amount_due,
                        "currency": CURRENCY,
                        "metadata": {"order_number": order.number},
                        "payment_method_types": ["card"],
                    },
                    {"idempotency_key": f"{order.number}-{order.idempotency_key[:16]}-intent"},
                )
                return intent.id
            intent = client.v1.payment_intents.retrieve(payment.provider_ref)
            if int(intent.amount) != order.amount_due and intent.status in OPEN_INTENT:
                client.v1.payment_intents.update(intent.id, {"amount": order.amount_due})
            return intent.id

    def page(self, order: Order, payment: Payment | None) -> dict[str, Any]:
        """The card form for the intent as it is; a "start" button (a POST) when there is
        no intent yet or it asks for another amount than what is still due."""
        key = current_app.config.get("STRIPE_PUBLISHABLE_KEY")
        if not key:
            return {"kind": "card", **_unavailable()}
        if payment is None or payment.provider_ref is None:
            return {"kind": "card", "start": True, **_unavailable()}
        try:
            with _client() as client:
                intent = client.v1.payment_intents.retrieve(payment.provider_ref)
        except _sdk().StripeError as error:
            log.warning("Stripe: cannot retrieve %s: %s", payment.provider_ref, error)
            return {"kind": "card", **_unavailable()}
        if int(intent.amount) != order.amount_due and intent.status in OPEN_INTENT:
            return {"kind": "card", "start": True}
        return {
            "kind": "card",
            "publishable_key": key,
            "client_secret": intent.client_secret,
            "csp": True,
        }

    def follow(self, provider_ref: str, amount_due: int, cancelled: bool) -> None:
        what = f"intent {provider_ref} not updated after a cancellation"
        with _calling(what), _client() as client:
            intent = client.v1.payment_intents.retrieve(provider_ref)
            if intent.status not in OPEN_INTENT:
                return
            if cancelled:
                client.v1.payment_intents.cancel(provider_ref)
            elif int(intent.amount) != amount_due:
                client.v1.payment_intents.update(provider_ref, {"amount": amount_due})

    def refund(self, payment: Payment, amount: int, key: str, note: Mapping[str, str]) -> str:
        """Stripe's idempotency key and a look at the intent's refunds (by `note`'s
        sub_order_id) stop a second refund of the same shipment."""
        if not current_app.config.get("STRIPE_SECRET_KEY"):
            raise ProviderError("STRIPE_SECRET_KEY is not set")
        if payment.provider_ref is None:
            raise ProviderError("the card payment has no PaymentIntent to refund")
        intent_id = payment.provider_ref
        with _calling(f"no refund of {intent_id}"), _client() as client:
            earlier = client.v1.refunds.list({"payment_intent": intent_id, "limit": 100}).data
            for made in earlier:
                metadata = made.to_dict().get("metadata") or {}
                same = metadata.get("sub_order_id") == note.get("sub_order_id")
                if same and made.status in GOING_BACK:
                    return made.id  # made before, but its answer never reached the database
            refund = client.v1.refunds.create(
                {"payment_intent": intent_id, "amount": amount, "metadata": dict(note)},
                {"idempotency_key": key},
            )
        if refund.status not in GOING_BACK:
            raise ProviderError(f"Stripe refund {refund.id} is {refund.status}")
        return refund.id

    def verify_webhook(self, payload: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
        if not secret:
            raise WebhookUnconfigured("STRIPE_WEBHOOK_SECRET is not set")
        signature = headers.get("Stripe-Signature", "")
        try:
            event = _sdk().Webhook.construct_event(payload, signature, secret)
        except (ValueError, _sdk().SignatureVerificationError) as error:
            raise WebhookRefused(str(error)) from error
        outcome = EVENTS.get(event.type)
        if outcome is None:
            return PaymentEvent(event.id, event.type)
        intent = event.data.object.to_dict()
        amount = intent.get("amount") if intent.get("currency") == CURRENCY else None
        return PaymentEvent(
            event.id,
            event.type,
            outcome=outcome,
            provider_ref=intent["id"],
            amount=amount,
            order_number=(intent.get("metadata") or {}).get("order_number"),
        )


register(StripeCard())
