"""Payment use cases and state changes, each change a conditional update of the order's row,
so each happens once. The provider of the order's method (shop/payments/providers) is called
only outside a transaction holding rows: before one (start_payment), or after the commit
(follow_cancellation, hung on it with shop.transaction.on_commit).

mark_paid and mark_failed work in the caller's transaction (a webhook, a delivery); the use
cases (start_payment, confirm_transfer, switch_method, apply_webhook) own theirs and commit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import audit, clock
from shop.accounts.models import User
from shop.conditional import change
from shop.enums import PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.states import lock_order
from shop.payments import providers
from shop.payments.models import Payment, WebhookEvent
from shop.transaction import on_commit, use_case

log = logging.getLogger(__name__)


def latest_attempt(order: Order, method: PaymentMethod, session: Session | None = None):
    """The order's latest attempt to pay `method` (None if there is none)."""
    return (session or db.session).scalar(
        sa.select(Payment)
        .where(Payment.order_id == order.id, Payment.method == method)
        .order_by(Payment.id.desc())
    )


def _attempt(order: Order, method: PaymentMethod) -> Payment:
    payment = latest_attempt(order, method)
    if payment is None:
        payment = Payment(order=order, method=method, amount=order.amount_due)
        db.session.add(payment)
    return payment


def mark_paid(order: Order, method: PaymentMethod, provider_ref: str | None = None) -> bool:
    """Record the money as received: True if this call did; False (and no change) if the
    order was paid or cancelled meanwhile. The caller holds the order (states.lock_order)
    when the amount must be exact."""
    paid = change(
        order,
        Order.payment_status == PaymentStatus.UNPAID,
        Order.cancelled_at.is_(None),
        payment_status=PaymentStatus.PAID,
        payment_method=method,
        paid_at=clock.utcnow(),
        hold_expires_at=None,
    )
    if not paid:
        return False
    payment = _attempt(order, method)
    payment.status = PaymentStatus.PAID
    payment.amount = order.amount_due  # a shipment cancelled before paying is not paid for
    if provider_ref:
        payment.provider_ref = provider_ref
    from shop.ledger.services import order_paid

    order_paid(order)  # the ledger's entries for the money, in this transaction
    return True


def mark_failed(order: Order, method: PaymentMethod, provider_ref: str | None = None) -> None:
    """A declined card: the order stays unpaid (held) so the buyer may pay another way."""
    payment = _attempt(order, method)
    if payment.status != PaymentStatus.PAID:
        payment.status = PaymentStatus.FAILED
        if provider_ref:
            payment.provider_ref = provider_ref


@use_case
def confirm_transfer(order: Order, staff: User) -> None:
    """Staff saw the bank transfer arrive: the order is paid (audit-logged, once). Commits.

    Refused (nothing written) if the order is not a transfer, was cancelled (its hold ran out
    meanwhile, say) or was already paid (another staff member, a double click).
    """
    order = lock_order(order.id)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise Refused(_l("This order is not paid by bank transfer."))
    if order.cancelled_at is not None or order.payment_status == PaymentStatus.CANCELLED:
        raise Refused(_l("This order was cancelled: refund the transfer instead."))
    before = {"payment_status": order.payment_status.value}
    if not mark_paid(order, PaymentMethod.BANK_TRANSFER):
        raise Refused(_l("This order is already paid."))
    audit.record(
        "order.transfer_confirmed",
        order,
        actor=staff,
        before=before,
        after={"payment_status": order.payment_status.value},
        summary=order.number,
    )


@use_case
def switch_method(order: Order, method: PaymentMethod) -> None:
    """After a declined card, the buyer may pay the same order another way. Commits."""
    switched = change(
        order,
        Order.payment_method == PaymentMethod.CARD,
        Order.payment_status == PaymentStatus.UNPAID,
        Order.cancelled_at.is_(None),
        payment_method=method,
        hold_expires_at=None if method == PaymentMethod.COD else order.hold_expires_at,
    )
    if not switched:
        raise Refused(_l("This order can no longer change its payment."))
    _attempt(order, method)


@use_case
def start_payment(order: Order) -> str | None:
    """Open the order's payment at its provider, or bring it to the amount still due (a POST:
    placing the order, or the buyer's "pay by card"). Commits; the payment's reference, or
    None when there is nothing to open or the provider failed (logged: the order page then
    offers the other ways to pay)."""
    if order.payment_status != PaymentStatus.UNPAID or order.cancelled_at is not None:
        return None
    payment = latest_attempt(order, order.payment_method)
    if payment is None:
        return None
    try:
        ref = providers.get(order.payment_method).start(order, payment)
    except providers.ProviderError as error:
        log.warning("Order %s: payment not started: %s", order.number, error)
        return None
    if ref and payment.provider_ref is None:  # two tabs at once store it once
        change(payment, Payment.provider_ref.is_(None), provider_ref=ref)
    return payment.provider_ref


def payment_box(order: Order) -> dict[str, Any]:
    """What the order page shows to pay it (read only): {} once paid or cancelled. On a page
    showing a provider's form, flags it for that provider's Content-Security-Policy."""
    if order.payment_status != PaymentStatus.UNPAID or order.cancelled_at is not None:
        return {}
    provider = providers.get(order.payment_method)
    box = provider.page(order, latest_attempt(order, order.payment_method))
    if box.pop("csp", False):
        providers.form_shown(provider)
    return {"amount": order.amount_due, **box}


def follow_cancellation(order: Order) -> None:
    """A cancellation in this transaction changed what an unpaid order owes: once it commits,
    the provider's open payment asks for what is still due, or is voided with the order."""
    if order.payment_method != PaymentMethod.COD:
        on_commit(_follow, order.id)


def _follow(order_id: int) -> None:
    """Hung on the commit: reads the order in its own session. Best effort: if the provider
    cannot be reached, the order page asks the buyer to start the payment again (a POST
    bringing it to the amount due), and a payment of another amount is not applied."""
    with Session(db.engine) as session:
        order = session.get(Order, order_id)
        if order is None or order.payment_status not in (
            PaymentStatus.UNPAID,
            PaymentStatus.CANCELLED,
        ):
            return
        payment = latest_attempt(order, order.payment_method, session)
        ref = payment.provider_ref if payment is not None else None
        method, cancelled, amount_due = order.payment_method, order.cancelled_at, order.amount_due
    if ref:
        try:
            providers.get(method).follow(ref, amount_due, cancelled is not None)
        except providers.ProviderError as error:
            log.warning("%s", error)


def apply_webhook(name: str, payload: bytes, headers: Mapping[str, str]) -> int:
    """Verify, record once and apply one provider event; the HTTP status to answer."""
    provider = providers.by_name(name)
    if provider is None:
        return 404
    try:
        event = provider.verify_webhook(payload, headers)
    except providers.WebhookUnconfigured as error:
        log.error("%s webhook received but not configured: %s", name, error)
        return 503
    except providers.WebhookRefused as error:
        log.warning("%s webhook refused: %s", name, error)
        return 400
    _apply_once(provider, event)
    return 200


@use_case
def _apply_once(provider: providers.PaymentProvider, event: providers.PaymentEvent) -> None:
    """Record the event (unique on provider and event id: a redelivery is a no-op) and change
    the order it is about, in one transaction."""
    row = WebhookEvent(provider=provider.name, event_id=event.event_id, event_type=event.event_type)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return  # a redelivery: already applied
    if event.outcome is None:
        return
    order = _order_for(provider.method, event)
    if order is None:
        log.warning("%s %s: no matching order", event.event_type, event.provider_ref)
        return
    order = lock_order(order.id)  # a cancellation or a staff action waits, or went first
    if event.outcome == "failed":
        mark_failed(order, provider.method, event.provider_ref)
    elif _matches(order, event):
        _pay(order, provider.method, event.provider_ref)


def _order_for(method: PaymentMethod, event: providers.PaymentEvent) -> Order | None:
    """The order whose payment holds this reference (or, not stored yet, the event's order)."""
    payment = db.session.scalar(
        sa.select(Payment).where(Payment.provider_ref == event.provider_ref)
    )
    if payment is not None:
        return payment.order
    number = event.order_number
    order = db.session.scalar(sa.select(Order).where(Order.number == number)) if number else None
    attempt = latest_attempt(order, method) if order is not None else None
    # A payment opened while storing its reference failed; any other stored one is another.
    return order if attempt is not None and attempt.provider_ref is None else None


def _matches(order: Order, event: providers.PaymentEvent) -> bool:
    """True if the order is still open and the money is what it owes (in VND)."""
    if order.cancelled_at is not None:
        log.error("Payment %s paid cancelled order %s: refund it", event.provider_ref, order.number)
        return False
    if event.amount != order.amount_due:
        log.error(
            "Payment %s paid %s (None: not in VND) for order %s of %s VND: not applied",
            event.provider_ref,
            event.amount,
            order.number,
            order.amount_due,
        )
        return False
    return True


def _pay(order: Order, method: PaymentMethod, ref: str | None) -> None:
    """Mark the order paid by this payment, or log the double payment staff must refund."""
    if mark_paid(order, method, ref):
        return
    attempt = latest_attempt(order, method)
    if attempt is None or (attempt.provider_ref, attempt.status) != (ref, PaymentStatus.PAID):
        log.error("Payment %s paid order %s, already paid: refund it", ref, order.number)
