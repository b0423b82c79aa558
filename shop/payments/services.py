"""Payment state changes, each a conditional update of the order's row, so each happens once.

mark_paid and mark_failed work in the caller's transaction (a webhook, a delivery); the use
cases staff and buyers start (confirm_transfer, switch_method) own theirs and commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop import audit, clock
from shop.accounts.models import User
from shop.conditional import change
from shop.enums import PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.states import lock_order
from shop.payments.models import Payment


class PaymentError(Refused):
    """A refused payment action; the message is for the person."""


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
    return True


def mark_failed(order: Order, method: PaymentMethod, provider_ref: str | None = None) -> None:
    """A declined card: the order stays unpaid (held) so the buyer may pay another way."""
    payment = _attempt(order, method)
    if payment.status != PaymentStatus.PAID:
        payment.status = PaymentStatus.FAILED
        if provider_ref:
            payment.provider_ref = provider_ref


def confirm_transfer(order: Order, staff: User) -> None:
    """Staff saw the bank transfer arrive: the order is paid (audit-logged, once). Commits.

    Raises PaymentError (nothing written) if the order is not a transfer, was cancelled (its
    hold ran out meanwhile, say) or was already paid (another staff member, a double click).
    """
    try:
        _confirm_transfer(order, staff)
    except PaymentError:
        db.session.rollback()
        raise
    db.session.commit()


def _confirm_transfer(order: Order, staff: User) -> None:
    order = lock_order(order.id)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise PaymentError(_l("This order is not paid by bank transfer."))
    if order.cancelled_at is not None or order.payment_status == PaymentStatus.CANCELLED:
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
        db.session.rollback()
        raise PaymentError(_l("This order can no longer change its payment."))
    _attempt(order, method)
    db.session.commit()
