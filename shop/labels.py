"""Every label the shop shows for a stored value, one dictionary per concept.

Views, forms, e-mails and the API read these; templates get them as globals
(`register_template_globals`). Reason codes that are not stored (why a product is not listed,
why a cart line cannot be bought) are here too, so each is worded once. Refund labels live
with the refunds (shop.orders.refunds), payment statuses with the payments
(shop.payments.labels).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.enums import (
    ActorRole,
    CertificateStatus,
    IssuingLevel,
    LegalForm,
    OrderStatus,
    PaymentMethod,
    PayoutLineStatus,
    ProducerStatus,
    ProductStatus,
    RevisionStatus,
)
from shop.ledger.models import EntryKind

LEGAL_FORM_LABELS = {
    LegalForm.COOPERATIVE: _l("Cooperative (hợp tác xã)"),
    LegalForm.ENTERPRISE: _l("Enterprise (doanh nghiệp)"),
    LegalForm.COOPERATIVE_GROUP: _l("Cooperative group (tổ hợp tác)"),
    LegalForm.HOUSEHOLD_BUSINESS: _l("Household business (hộ kinh doanh)"),
}

PRODUCER_STATUS_LABELS = {
    ProducerStatus.ACTIVE: _l("active"),
    ProducerStatus.SUSPENDED: _l("suspended"),
}

PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.ACTIVE: _l("Published"),
    ProductStatus.HIDDEN: _l("Hidden"),
}

CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.PENDING: _l("waiting for review"),
    CertificateStatus.CHANGES_REQUESTED: _l("changes requested"),
    CertificateStatus.APPROVED: _l("approved"),
    CertificateStatus.REJECTED: _l("rejected"),
    CertificateStatus.REVOKED: _l("revoked"),
}

ISSUING_LEVEL_LABELS = {
    IssuingLevel.DISTRICT: _l("District (UBND huyện, earlier rules)"),
    IssuingLevel.PROVINCE: _l("Province (UBND tỉnh / thành phố)"),
    IssuingLevel.NATIONAL: _l("National (the Ministry)"),
}

# The same levels inside a sentence ("issued at provincial level").
ISSUING_LEVEL_SHORT = {
    IssuingLevel.DISTRICT: _l("district level"),
    IssuingLevel.PROVINCE: _l("provincial level"),
    IssuingLevel.NATIONAL: _l("national level"),
}

REVISION_STATUS_LABELS = {
    RevisionStatus.PENDING: _l("waiting for review"),
    RevisionStatus.APPROVED: _l("approved"),
    RevisionStatus.REFUSED: _l("refused"),
    RevisionStatus.WITHDRAWN: _l("withdrawn"),
}

# The certified facts a revision may change (the product's column names).
REVISION_FIELD_LABELS = {
    "name": _l("Product name"),
    "product_set_code": _l("OCOP product set"),
    "net_content": _l("Net content"),
    "ingredients": _l("Ingredients"),
    "shelf_life": _l("Shelf life"),
}

# An order's and a shipment's status (one vocabulary for both).
ORDER_STATUS_LABELS = {
    OrderStatus.PLACED: _l("placed"),
    OrderStatus.CONFIRMED: _l("confirmed"),
    OrderStatus.PACKED: _l("packed"),
    OrderStatus.SHIPPED: _l("shipped"),
    OrderStatus.DELIVERED: _l("delivered"),
    OrderStatus.CANCELLED: _l("cancelled"),
}

# Who moved a shipment, as its producer reads the timeline.
ACTOR_LABELS = {
    ActorRole.PRODUCER: _l("you"),
    ActorRole.BUYER: _l("the buyer"),
    ActorRole.STAFF: _l("the shop's staff"),
    ActorRole.SYSTEM: _l("the shop"),
}

PAYMENT_METHOD_LABELS = {
    PaymentMethod.COD: _l("Cash on delivery"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer (VietQR)"),
    PaymentMethod.CARD: _l("Card (Visa, Mastercard) through Stripe"),
}

# Why a product is not on sale: one label for each code of shop.catalog.rules.REASONS.
UNLISTED_REASONS = {
    "producer_suspended": _l("Your producer account is suspended."),
    "product_draft": _l("The product is still a draft."),
    "product_hidden": _l("You have hidden the product."),
    "no_certificate": _l("It has no OCOP certificate yet: submit one for review."),
    "certificate_pending": _l("Its OCOP certificate is waiting for staff review."),
    "certificate_changes_requested": _l(
        "Staff asked for changes to its OCOP certificate: correct it and send it again."
    ),
    "certificate_rejected": _l("Its OCOP certificate was rejected."),
    "certificate_revoked": _l("Its OCOP certificate was revoked."),
    "certificate_expired": _l("Its OCOP certificate has expired: submit the renewed one."),
}

# Why a cart line of a listed product cannot be bought as it is.
STOCK_REASONS = {
    "sold_out": _l("Sold out."),
    "not_enough": _l("Not enough in stock: lower the quantity."),
}

# The names templates know them by (besides what a view passes itself).
# Why a buyer cancels a shipment: the reasons the cancel form offers, stored as codes in
# sub_orders.cancel_reason.
CANCEL_REASONS = {
    "changed_mind": _l("I changed my mind"),
    "ordered_by_mistake": _l("I ordered the wrong product or quantity"),
    "wrong_details": _l("The address or phone number is wrong"),
    "too_slow": _l("It takes too long to be sent"),
    "found_elsewhere": _l("I found it cheaper elsewhere"),
    "other": _l("Another reason"),
}
# The buyer's order list, by state (shop.orders.buyer_services.TABS).
ORDER_TAB_LABELS = {
    "all": _l("All"),
    "to_pay": _l("To pay"),
    "to_ship": _l("To ship"),
    "shipping": _l("On the way"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
}


# The producer's money (shop/payouts): a payout line's state, a ledger entry's kind, and why a
# producer with money available was left out of a payout batch.
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
PAYOUT_SKIP_REASONS = {
    "no_account": _l("no bank account for payouts yet"),
    "held": _l("bank account changed less than %(hours)s hours ago"),
    "taken": _l("its balance was taken by another batch, or fell below the minimum"),
}


# Buyers' label reports, trade events, collective marks (shop.reports, .events, .marks).
REPORT_KIND_LABELS = {
    "wrong_stars": _l("The stars on the package differ from the certificate"),
    "expired_label": _l("The package carries an expired OCOP label"),
    "differs": _l("The product differs from the certified one"),
    "other": _l("Another problem with the OCOP label"),
}
REPORT_STATUS_LABELS = {
    "new": _l("New"),
    "inspecting": _l("Inspection opened"),
    "closed": _l("Closed"),
}
REPORT_OUTCOME_LABELS = {
    "confirmed": _l("Confirmed: we are acting on it"),
    "not_confirmed": _l("Not confirmed"),
    "duplicate": _l("Already reported by someone else"),
}
EVENT_KIND_LABELS = {"fair": _l("Trade fair"), "promotion": _l("Promotion event")}
MARK_KIND_LABELS = {
    "collective": _l("Collective trademark"),
    "certification": _l("Certification mark"),
    "gi": _l("Geographical indication"),
}

TEMPLATE_GLOBALS = {
    "legal_forms": LEGAL_FORM_LABELS,
    "producer_status_labels": PRODUCER_STATUS_LABELS,
    "product_status_labels": PRODUCT_STATUS_LABELS,
    "certificate_status_labels": CERTIFICATE_STATUS_LABELS,
    "issuing_level_labels": ISSUING_LEVEL_LABELS,
    "revision_status_labels": REVISION_STATUS_LABELS,
    "shipment_status_labels": ORDER_STATUS_LABELS,
    "order_status_labels": ORDER_STATUS_LABELS,
    "actor_labels": ACTOR_LABELS,
    "payment_method_labels": PAYMENT_METHOD_LABELS,
    "unlisted_reasons": UNLISTED_REASONS,
    "cancel_reasons": CANCEL_REASONS,
    "payout_line_labels": PAYOUT_LINE_LABELS,
    "entry_kind_labels": ENTRY_KIND_LABELS,
}


def register_template_globals(jinja_globals: dict) -> None:
    """Make every label dictionary a template global (called by the app factory)."""
    jinja_globals.update(TEMPLATE_GLOBALS)
