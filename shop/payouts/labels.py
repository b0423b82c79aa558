"""Payout line statuses and ledger entry kinds in words (template globals of the payouts pages)."""

from flask_babel import lazy_gettext as _l

from shop.ledger.models import EntryKind
from shop.payouts.models import PayoutLineStatus

PAYOUT_LINE_LABELS = {
    PayoutLineStatus.PENDING: _l("Sent to the bank"),
    PayoutLineStatus.PAID: _l("Paid"),
    PayoutLineStatus.FAILED: _l("Failed"),
}
ENTRY_KIND_LABELS = {
    EntryKind.SALE: _l("Sale"),
    EntryKind.SHIPPING: _l("Shipping"),
    EntryKind.COMMISSION: _l("Commission"),
    EntryKind.TAX_VAT: _l("VAT withheld"),
    EntryKind.TAX_PIT: _l("PIT withheld"),
    EntryKind.ADJUSTMENT: _l("Adjustment"),
    EntryKind.PAYOUT: _l("Payout"),
    EntryKind.PAYOUT_RETURNED: _l("Payout returned"),
}
