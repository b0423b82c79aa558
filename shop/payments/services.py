"""Payment state changes, each in the caller's transaction and each idempotent."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop import audit, clock
from shop.accounts.models import User
from shop.enums import PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.orders.models import Order
from shop.payments.models import Payment


class PaymentError(Exception):
    """A refused payment action; the message is for the person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _attempt(order: Order, method: PaymentMethod) -> Payment:
    payment = db.session.scalar(
        sa.select(Payment)
        .where(Payment.order_id == order.id, Payment.method == method)
        .order_by(Payment.id.desc())
    )
    if payment is None:
        payment = Payment(order=order, method=method, amount=order.amount_due)
        db.session.add(payment)
    return payment


def mark_paid(order: Order, method: PaymentMethod, provider_ref: str | None = None) -> bool:
    """Record the money as received; False (and no change) if the order was already paid."""
    if order.payment_status == PaymentStatus.PAID:
        return False
    payment = _attempt(order, method)
    payment.status = PaymentStatus.PAID
    payment.amount = order.amount_due  # a shipment cancelled before paying is not paid for
    if provider_ref:
        payment.provider_ref = provider_ref
    order.payment_status = PaymentStatus.PAID
    order.payment_method = method
    order.paid_at = clock.utcnow()
    order.hold_expires_at = None
    return True


def mark_failed(order: Order, method: PaymentMethod, provider_ref: str | None = None) -> None:
    """A declined card: the order stays unpaid (held) so the buyer may pay another way."""
    payment = _attempt(order, method)
    if payment.status != PaymentStatus.PAID:
        payment.status = PaymentStatus.FAILED
        if provider_ref:
            payment.provider_ref = provider_ref


def confirm_transfer(order: Order, staff: User) -> None:
    """Staff saw the bank transfer arrive: the order is paid (audit-logged)."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise PaymentError(_l("This order is not paid by bank transfer."))
    if order.cancelled_at is not None:
        raise PaymentError(_l("This order was cancelled: refund the transfer instead."))
    before = {"payment_status": order.payment_status.value}
    if not mark_paid(order, PaymentMethod.BANK_TRANSFER):
        raise PaymentError(_l("This order is already paid."))
    audit.record(
        "order.transfer_confirmed",
        order,
        actor=staff,
        before=before,
        after={"payment_status": order.payment_status.value},
        summary=order.number,
    )


def switch_method(order: Order, method: PaymentMethod) -> None:
    """After a declined card, the buyer may pay the same order another way."""
    if order.payment_status == PaymentStatus.PAID or order.cancelled_at is not None:
        raise PaymentError(_l("This order can no longer change its payment."))
    order.payment_method = method
    if method == PaymentMethod.COD:
        order.hold_expires_at = None
    _attempt(order, method)
