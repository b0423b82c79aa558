"""What a cancelled shipment sets off: its stock comes back, paid money is to be refunded,
and an unpaid card payment asks for less (or is cancelled with the whole order).

Called by states.transition only for a cancellation that this transaction made, with the
order locked; the calls to the payment provider are hung on the commit
(shop.transaction.on_commit), by this module and by shop.payments.services.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from shop.catalog.models import Variant
from shop.enums import PaymentStatus, RefundStatus
from shop.extensions import db
from shop.orders.models import SubOrder
from shop.transaction import on_commit


def lock_variants(variant_ids: Iterable[int]) -> None:
    """Lock variant rows in id order (PostgreSQL), as place_order does, before changing the
    stock of several: two transactions never wait for each other's rows."""
    ids = sorted(set(variant_ids))
    if ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id).with_for_update()
        )


def after_cancel(sub_order: SubOrder) -> None:
    """Restore the shipment's stock and flag its refund as its payment provider says (in the
    caller's transaction), and hang on the commit what the provider must do."""
    from shop.payments import providers
    from shop.payments.services import follow_cancellation

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
        from shop.ledger.services import shipment_cancelled

        shipment_cancelled(sub_order)  # the ledger reverses what the payment wrote
        sub_order.refund_status = providers.get(order.payment_method).refund_when_cancelled
        if sub_order.refund_status == RefundStatus.CARD_PENDING:
            from shop.orders.refunds import process_card_refunds

            on_commit(process_card_refunds, [sub_order.id])
    elif order.payment_status == PaymentStatus.UNPAID:
        follow_cancellation(order)  # the open payment asks for less after the commit
