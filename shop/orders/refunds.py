"""Refunds of cancelled shipments: by Stripe for cards, by hand (staff) for bank transfers.

A cancelled card-paid shipment is flagged "card_pending" in the cancellation's transaction
(cancellation.after_cancel), which hangs process_card_refunds() on its commit: it asks Stripe
to refund exactly the shipment's total. It works in its own database session and commits each
refund on its own, so it is safe to call at any time, from a request, a command or twice at
once: Stripe's idempotency key and a look at the intent's refunds stop a second refund of the
same shipment, and a conditional update records each refund once. A failure is logged and
left pending for `flask orders refunds` to retry. When every shipment of a paid order is
cancelled and refunded, the order's payment becomes "refunded" (a conditional update too).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from shop import audit
from shop.accounts.models import User
from shop.conditional import change
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders.cancellation import CARD_REFUND_PENDING, MANUAL_REFUND, REFUNDED
from shop.orders.models import Order, SubOrder
from shop.orders.states import lock_order
from shop.payments.models import Payment

log = logging.getLogger(__name__)

# Stripe refund statuses that mean the money is (or will be) on its way back.
GOING_BACK = {"succeeded", "pending"}

REFUND_LABELS = {
    CARD_REFUND_PENDING: _l("refund to your card in progress"),
    MANUAL_REFUND: _l("refund by bank transfer in progress"),
    REFUNDED: _l("refunded"),
}


class RefundError(Refused):
    """A refund by hand that cannot be recorded; the message is for the person."""


def idempotency_key(sub: SubOrder) -> str:
    """One Stripe refund per shipment, even across databases sharing the Stripe account."""
    return f"refund-{sub.id}-{sub.order.idempotency_key[:16]}"


def process_card_refunds(sub_order_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Refund the pending card shipments (all, or those given); returns (refunded, failed)."""
    refunded = failed = 0
    with Session(db.engine) as session:
        query = sa.select(SubOrder.id).where(SubOrder.refund_status == CARD_REFUND_PENDING)
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
    if sub is None or sub.refund_status != CARD_REFUND_PENDING:
        return True  # another run did it meanwhile
    try:
        refund_id = _stripe_refund(session, sub)
    except (stripe.StripeError, RefundError) as error:
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
        SubOrder.refund_status == CARD_REFUND_PENDING,
        refund_status=REFUNDED,
        refund_ref=refund_id,
    ):
        follow_refunds(order)
    session.commit()
    log.info("Shipment %s refunded by Stripe %s (%s VND)", sub_id, refund_id, sub.total)
    return True


def _stripe_refund(session: Session, sub: SubOrder) -> str:
    """The id of the Stripe refund of exactly this shipment's total, made if not made yet."""
    from shop.payments.stripe_gateway import _client

    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise RefundError("STRIPE_SECRET_KEY is not set")
    intent_id = _paid_intent(session, sub.order)
    if intent_id is None:
        raise RefundError(f"order {sub.order.number} has no paid card payment to refund")
    with _client() as client:
        for earlier in client.v1.refunds.list({"payment_intent": intent_id, "limit": 100}).data:
            metadata = earlier.to_dict().get("metadata") or {}
            if metadata.get("sub_order_id") == str(sub.id) and earlier.status in GOING_BACK:
                return earlier.id  # made before, but its answer never reached the database
        refund = client.v1.refunds.create(
            {
                "payment_intent": intent_id,
                "amount": sub.total,
                "metadata": {"order_number": sub.order.number, "sub_order_id": str(sub.id)},
            },
            {"idempotency_key": idempotency_key(sub)},
        )
    if refund.status not in GOING_BACK:
        raise RefundError(f"Stripe refund {refund.id} is {refund.status}")
    return refund.id


def _paid_intent(session: Session, order: Order) -> str | None:
    """The PaymentIntent that paid the order by card."""
    return session.scalar(
        sa.select(Payment.provider_ref).where(
            Payment.order_id == order.id,
            Payment.method == PaymentMethod.CARD,
            Payment.status == PaymentStatus.PAID,
            Payment.provider_ref.is_not(None),
        )
    )


def follow_refunds(order: Order) -> None:
    """An order whose every shipment was cancelled and refunded is refunded (order locked)."""
    subs = order.sub_orders
    if all(s.status == OrderStatus.CANCELLED and s.refund_status == REFUNDED for s in subs):
        change(
            order, Order.payment_status == PaymentStatus.PAID, payment_status=PaymentStatus.REFUNDED
        )


def manual_refunds() -> list[SubOrder]:
    """Cancelled shipments paid by bank transfer, waiting for staff to send the money back."""
    return list(
        db.session.scalars(
            sa.select(SubOrder)
            .where(SubOrder.refund_status == MANUAL_REFUND)
            .options(joinedload(SubOrder.order))
            .order_by(SubOrder.id)
        )
    )


def card_refunds_pending() -> list[SubOrder]:
    """Cancelled shipments whose refund the provider has not confirmed yet (the command retries)."""
    return list(
        db.session.scalars(
            sa.select(SubOrder)
            .where(SubOrder.refund_status == CARD_REFUND_PENDING)
            .options(joinedload(SubOrder.order))
            .order_by(SubOrder.id)
        )
    )


def mark_refunded_by_hand(sub: SubOrder, staff: User, reference: str = "") -> None:
    """Staff sent a transfer's money back: the shipment is refunded (audit-logged, once).

    Commits; raises RefundError (nothing written) if no refund by hand is waiting, which is
    also what the second of two staff recording the same refund at once is told.
    """
    try:
        _record_refund_by_hand(sub, staff, reference.strip()[:100] or None)
    except RefundError:
        db.session.rollback()
        raise
    db.session.commit()


def _record_refund_by_hand(sub: SubOrder, staff: User, reference: str | None) -> None:
    order = lock_order(sub.order_id)
    if not change(
        sub, SubOrder.refund_status == MANUAL_REFUND, refund_status=REFUNDED, refund_ref=reference
    ):
        raise RefundError(_l("This shipment has no refund waiting to be made by hand."))
    follow_refunds(order)
    audit.record(
        "sub_order.refunded_by_hand",
        sub,
        actor=staff,
        before={"refund_status": MANUAL_REFUND},
        after={"refund_status": REFUNDED, "refund_ref": reference},
        summary=f"{sub.order.number} · {sub.producer_name} · {sub.total} VND",
    )
