"""Payment and refund statuses as buyers, producers and staff read them (the one table each)."""

from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from shop.enums import PaymentStatus, RefundStatus

PAYMENT_STATUS_LABELS = {
    PaymentStatus.UNPAID: _l("not paid yet"),
    PaymentStatus.PAID: _l("paid"),
    PaymentStatus.FAILED: _l("payment failed"),
    PaymentStatus.REFUNDED: _l("refunded"),
    PaymentStatus.CANCELLED: _l("cancelled"),
}


class RefundLabel(NamedTuple):
    buyer: str  # on the buyer's order page
    producer: str  # on the producer's shipment page


REFUND_LABELS = {
    RefundStatus.CARD_PENDING: RefundLabel(
        _l("refund to your card in progress"), _l("to be refunded to the buyer's card by the shop")
    ),
    RefundStatus.MANUAL: RefundLabel(
        _l("refund by bank transfer in progress"),
        _l("to be refunded by bank transfer by the shop's staff"),
    ),
    RefundStatus.REFUNDED: RefundLabel(_l("refunded"), _l("refunded to the buyer")),
}
