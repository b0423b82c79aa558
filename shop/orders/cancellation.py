"""What a cancelled shipment sets off: its stock comes back, and paid money is to be refunded."""

from __future__ import annotations

import sqlalchemy as sa

from shop.catalog.models import Variant
from shop.enums import PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.orders.models import SubOrder

CARD_REFUND_PENDING = "card_pending"
REFUNDED = "refunded"
MANUAL_REFUND = "manual"


def after_cancel(sub_order: SubOrder) -> None:
    """Restore the shipment's stock and flag its refund (in the caller's transaction)."""
    for line in sorted(sub_order.lines, key=lambda ln: ln.variant_id):
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
        elif order.payment_method == PaymentMethod.BANK_TRANSFER:
            sub_order.refund_status = MANUAL_REFUND
