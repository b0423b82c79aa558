"""Payment statuses as buyers and staff read them."""

from flask_babel import lazy_gettext as _l

from shop.enums import PaymentStatus

PAYMENT_STATUS_LABELS = {
    PaymentStatus.UNPAID: _l("not paid yet"),
    PaymentStatus.PAID: _l("paid"),
    PaymentStatus.FAILED: _l("payment failed"),
    PaymentStatus.REFUNDED: _l("refunded"),
    PaymentStatus.CANCELLED: _l("cancelled"),
}
