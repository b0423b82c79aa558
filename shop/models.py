"""Imports every model so that Alembic and `db.create_all()` see the whole schema."""

from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product, ProductImage, ProductRevision, ProductSet, Variant
from shop.certification.models import Certificate, CertificateReminder
from shop.checkout.models import Address
from shop.events.models import EventEntry, TradeEvent
from shop.ledger.models import CodRemittance, CodRemittanceLine, LedgerEntry
from shop.mail import OutboxMessage
from shop.marks.models import CollectiveMark, MarkUser, ProductMark
from shop.orders.models import Order, OrderLine, SubOrder, SubOrderEvent
from shop.pagecache import CacheVersion
from shop.payments.models import Payment, WebhookEvent
from shop.payouts.models import PayoutAccount, PayoutBatch, PayoutLine
from shop.privacy.models import Consent, LoginEvent
from shop.producers.models import Producer
from shop.programme.models import Inspection, InspectionAttachment
from shop.reports.models import LabelReport
from shop.reviews.models import Review
from shop.search.models import (
    ProductSearch,
    SearchProducerSuggestion,
    SearchSuggestion,
    SearchTerm,
)

__all__ = [
    "Address",
    "CacheVersion",
    "Cart",
    "CodRemittance",
    "CodRemittanceLine",
    "LedgerEntry",
    "CartLine",
    "Order",
    "OrderLine",
    "Payment",
    "PayoutAccount",
    "PayoutBatch",
    "PayoutLine",
    "SubOrder",
    "SubOrderEvent",
    "WebhookEvent",
    "AuditEntry",
    "CertificateReminder",
    "Consent",
    "Inspection",
    "InspectionAttachment",
    "LoginEvent",
    "Certificate",
    "CollectiveMark",
    "EventEntry",
    "LabelReport",
    "MarkUser",
    "ProductMark",
    "TradeEvent",
    "OutboxMessage",
    "Producer",
    "Product",
    "ProductImage",
    "ProductRevision",
    "ProductSearch",
    "ProductSet",
    "Review",
    "SearchProducerSuggestion",
    "SearchSuggestion",
    "SearchTerm",
    "User",
    "Variant",
]
