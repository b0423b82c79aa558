"""What a cancelled shipment sets off: its stock comes back, paid money is to be refunded,
and an unpaid card payment asks for less (or is cancelled with the whole order).

Called by states.transition only for a cancellation that this transaction made, with the
order locked; the calls to Stripe are hung on the commit (shop.transaction.on_commit).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from shop.catalog.models import Variant
from shop.enums import PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.orders.models import SubOrder
from shop.transaction import on_commit

CARD_REFUND_PENDING = "card_pending"
REFUNDED = "refunded"
MANUAL_REFUND = "manual"


def lock_variants(variant_ids: Iterable[int]) -> None:
    """Lock variant rows in id order (PostgreSQL), as place_order does, before changing the
    stock of several: two transactions never wait for each other's rows."""
    ids = sorted(set(variant_ids))
    if ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id).with_for_update()
        )


def after_cancel(sub_order: SubOrder) -> None:
    """Restore the shipment's stock and flag its refund (in the caller's transaction), and
    hang on the commit what Stripe must do."""
    lines = sorted(sub_order.lines, key=lambda ln: ln.variant_id)
    lock_variants(line.variant_id for line in lines)
    for line in lines:
        db.session.execute(
            sa.update(Variant)
            .where(Variant.id == line.variant_id)
            .values(stock=Variant.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
    order = sub_order.order
    if order.payment_status == PaymentStatus.PAID:
        if order.payment_method == PaymentMethod.CARD:
            sub_order.refund_status = CARD_REFUND_PENDING
            from shop.orders.refunds import process_card_refunds

            on_commit(process_card_refunds, [sub_order.id])
        elif order.payment_method == PaymentMethod.BANK_TRANSFER:
            sub_order.refund_status = MANUAL_REFUND
    elif (
        order.payment_method == PaymentMethod.CARD and order.payment_status == PaymentStatus.UNPAID
    ):
        from shop.payments.stripe_gateway import follow_cancellation

        on_commit(follow_cancellation, order.id)
