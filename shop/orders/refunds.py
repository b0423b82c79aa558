"""Refunds of cancelled shipments: by the payment provider (cards), by hand (bank transfers).

A cancelled shipment of a paid order is flagged as its provider says, in the cancellation's
transaction (cancellation.after_cancel): RefundStatus.CARD_PENDING hangs
process_card_refunds() on the commit, which asks the provider (shop/payments/providers) to
refund exactly the shipment's total. It works in its own database session and commits each
refund on its own, so it is safe to call at any time, from a request, a command or twice at
once: the provider refunds once per shipment (its idempotency key), and a conditional update
records each refund once. A failure is logged and left pending for `flask orders refunds` to
retry. When every shipment of a paid order is cancelled and refunded, the order's payment
becomes "refunded" (a conditional update too).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from shop import audit
from shop.accounts.models import User
from shop.conditional import change
from shop.enums import OrderStatus, PaymentStatus, RefundStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders.models import Order, SubOrder
from shop.orders.states import lock_order
from shop.payments import providers
from shop.payments.models import Payment
from shop.transaction import use_case

log = logging.getLogger(__name__)


class RefundError(Refused):
    """A refund by hand that cannot be recorded; the message is for the person."""


def idempotency_key(sub: SubOrder) -> str:
    """One provider refund per shipment, even across databases sharing the provider account."""
    return f"refund-{sub.id}-{sub.order.idempotency_key[:16]}"


def process_card_refunds(sub_order_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Refund the shipments pending at the provider (all, or those given); (refunded, failed)."""
    refunded = failed = 0
    with Session(db.engine) as session:
        query = sa.select(SubOrder.id).where(SubOrder.refund_status == RefundStatus.CARD_PENDING)
        if sub_order_ids is not None:
            query = query.where(SubOrder.id.in_(list(sub_order_ids)))
        for sub_id in session.scalars(query.order_by(SubOrder.id)).all():
            if _refund_one(session, sub_id):
                refunded += 1
            else:
                failed += 1
    return refunded, failed


def _refund_one(session: Session, sub_id: int) -> bool:
    """Refund one shipment and record it; False (logged, still pending) if that failed."""
    sub = session.get(SubOrder, sub_id, populate_existing=True)
    if sub is None or sub.refund_status != RefundStatus.CARD_PENDING:
        return True  # another run did it meanwhile
    try:
        refund_id = _provider_refund(session, sub)
    except providers.ProviderError as error:
        session.rollback()
        log.warning("Refund of shipment %s (%s VND) failed: %s", sub_id, sub.total, error)
        return False
    except Exception:  # never let a refund break the page that cancelled the shipment
        session.rollback()
        log.exception("Refund of shipment %s failed unexpectedly", sub_id)
        return False
    order = lock_order(sub.order_id, session)
    if change(
        sub,
        SubOrder.refund_status == RefundStatus.CARD_PENDING,
        refund_status=RefundStatus.REFUNDED,
        refund_ref=refund_id,
    ):
        follow_refunds(order)
    session.commit()
    log.info("Shipment %s refunded by %s (%s VND)", sub_id, refund_id, sub.total)
    return True


def _provider_refund(session: Session, sub: SubOrder) -> str:
    """The provider's refund of exactly this shipment's total, made if not made yet."""
    order = sub.order
    payment = session.scalar(
        sa.select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.method == order.payment_method,
            Payment.status == PaymentStatus.PAID,
        )
        .order_by(Payment.id.desc())
    )
    if payment is None:
        raise providers.ProviderError(f"order {order.number} has no paid payment to refund")
    note = {"order_number": order.number, "sub_order_id": str(sub.id)}
    return providers.get(order.payment_method).refund(
        payment, sub.total, idempotency_key(sub), note
    )


def follow_refunds(order: Order) -> None:
    """An order whose every shipment was cancelled and refunded is refunded (order locked)."""
    subs = order.sub_orders
    if all(
        s.status == OrderStatus.CANCELLED and s.refund_status == RefundStatus.REFUNDED for s in subs
    ):
        change(
            order, Order.payment_status == PaymentStatus.PAID, payment_status=PaymentStatus.REFUNDED
        )


def manual_refunds() -> list[SubOrder]:
    """Cancelled shipments paid by bank transfer, waiting for staff to send the money back."""
    return list(
        db.session.scalars(
            sa.select(SubOrder)
            .where(SubOrder.refund_status == RefundStatus.MANUAL)
            .options(joinedload(SubOrder.order))
            .order_by(SubOrder.id)
        )
    )


def card_refunds_pending() -> list[SubOrder]:
    """Cancelled shipments whose refund the provider has not confirmed yet (the command retries)."""
    return list(
        db.session.scalars(
            sa.select(SubOrder)
            .where(SubOrder.refund_status == RefundStatus.CARD_PENDING)
            .options(joinedload(SubOrder.order))
            .order_by(SubOrder.id)
        )
    )


@use_case
def mark_refunded_by_hand(sub: SubOrder, staff: User, reference: str = "") -> None:
    """Staff sent a transfer's money back: the shipment is refunded (audit-logged, once).

    Commits; refused with RefundError (nothing written) if no refund by hand is waiting,
    which is also what the second of two staff recording the same refund at once is told.
    """
    reference = reference.strip()[:100] or None
    order = lock_order(sub.order_id)
    if not change(
        sub,
        SubOrder.refund_status == RefundStatus.MANUAL,
        refund_status=RefundStatus.REFUNDED,
        refund_ref=reference,
    ):
        raise RefundError(_l("This shipment has no refund waiting to be made by hand."))
    follow_refunds(order)
    audit.record(
        "sub_order.refunded_by_hand",
        sub,
        actor=staff,
        before={"refund_status": RefundStatus.MANUAL.value},
        after={"refund_status": RefundStatus.REFUNDED.value, "refund_ref": reference},
        summary=f"{sub.order.number} · {sub.producer_name} · {sub.total} VND",
    )
