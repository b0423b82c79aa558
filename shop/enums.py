"""The closed vocabularies of the domain, stored as short strings with CHECK constraints."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    PRODUCER = "producer"
    STAFF = "staff"
    ADMIN = "admin"


class LegalForm(enum.StrEnum):
    COOPERATIVE = "cooperative"
    ENTERPRISE = "enterprise"
    COOPERATIVE_GROUP = "cooperative_group"
    HOUSEHOLD_BUSINESS = "household_business"


class ProducerStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    HIDDEN = "hidden"


class CertificateStatus(enum.StrEnum):
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class RevisionStatus(enum.StrEnum):
    """A proposed change to what a certificate certifies: waiting, or decided."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class IssuingLevel(enum.StrEnum):
    DISTRICT = "district"
    PROVINCE = "province"
    NATIONAL = "national"


class PaymentMethod(enum.StrEnum):
    COD = "cod"
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"


class PaymentStatus(enum.StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class ActorRole(enum.StrEnum):
    """Who moved a shipment (a sub-order event's `actor_role`)."""

    PRODUCER = "producer"
    BUYER = "buyer"
    STAFF = "staff"
    SYSTEM = "system"  # the shop itself: an unpaid order's hold ran out


class RefundStatus(enum.StrEnum):
    """A cancelled paid shipment's money on its way back."""

    CARD_PENDING = "card_pending"  # the payment provider is to refund it (retried until done)
    MANUAL = "manual"  # staff send it back by hand (a bank transfer)
    REFUNDED = "refunded"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PayoutLineStatus(enum.StrEnum):
    PENDING = "pending"  # sent to the bank, its answer not recorded yet
    PAID = "paid"
    FAILED = "failed"


def enum_type(enum_cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint on every engine."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
