"""OCOP certificates: one product's recognition by an issuing body, with its scan."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from shop import clock
from shop.certification import rules
from shop.enums import CertificateStatus, IssuingLevel, enum_type
from shop.extensions import db

if TYPE_CHECKING:
    from shop.accounts.models import User
    from shop.catalog.models import Product, ProductSet
    from shop.producers.models import Producer


class Certificate(db.Model):
    """A certificate record; the product's current one is the newest valid approved one."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(
            f"stars BETWEEN {rules.MIN_STARS} AND {rules.MAX_STARS}", name="stars_ocop_range"
        ),
        sa.CheckConstraint("expires_on > decision_date", name="expires_after_decision"),
        # What staff approved is recorded with the approval: no approved (or later revoked)
        # certificate without the product name and set it certifies.
        sa.CheckConstraint(
            "status NOT IN ('approved', 'revoked')"
            " OR (product_name IS NOT NULL AND product_set_code IS NOT NULL)",
            name="certified_facts_recorded",
        ),
        sa.UniqueConstraint("issuing_body_key", "number_key", name="uq_certificates_body_number"),
        sa.Index("ix_certificates_product_current", "product_id", "status", "expires_on"),
        # The "current certificate" subquery (newest first) as an index-only scan that stops
        # at the first valid row, instead of fetching and sorting (docs/benchmarks.md).
        sa.Index(
            "ix_certificates_product_newest",
            "product_id",
            "decision_date",
            "id",
            postgresql_include=["status", "expires_on"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(80))
    number_key: Mapped[str] = mapped_column(sa.String(80), index=True)
    decision_number: Mapped[str] = mapped_column(sa.String(80))
    decision_date: Mapped[dt.date]
    issuing_body: Mapped[str] = mapped_column(sa.String(200))
    issuing_body_key: Mapped[str] = mapped_column(sa.String(200))
    issuing_level: Mapped[IssuingLevel] = mapped_column(enum_type(IssuingLevel, "issuing_level"))
    stars: Mapped[int]
    expires_on: Mapped[dt.date]
    scan_path: Mapped[str | None] = mapped_column(sa.String(255))
    scan_type: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[CertificateStatus] = mapped_column(
        enum_type(CertificateStatus, "certificate_status"), default=CertificateStatus.PENDING
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None]
    review_reason: Mapped[str | None] = mapped_column(sa.Text)  # reject reason or staff message
    revoked_at: Mapped[dt.datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The product's name and set as staff approved them against the scan: what the public
    # verification page shows, whatever the product is called later.
    product_name: Mapped[str | None] = mapped_column(sa.String(200))
    product_set_code: Mapped[int | None] = mapped_column(sa.ForeignKey("product_sets.code"))
    # The earlier certificate of the same product this one re-recognises (the producer said
    # so when submitting), and when staff last reminded the producer to renew this one.
    renews_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    renewal_reminded_at: Mapped[dt.datetime | None]

    product: Mapped[Product] = relationship(back_populates="certificates")
    product_set: Mapped[ProductSet | None] = relationship()
    producer: Mapped[Producer] = relationship()
    reviewer: Mapped[User | None] = relationship()
    renews: Mapped[Certificate | None] = relationship(remote_side="Certificate.id")

    @validates("number")
    def _key_number(self, _key: str, value: str) -> str:
        value = value.strip()
        self.number_key = rules.number_key(value)
        return value

    @validates("issuing_body")
    def _key_body(self, _key: str, value: str) -> str:
        value = value.strip()
        self.issuing_body_key = rules.number_key(value)
        return value

    @validates("decision_date")
    def _set_expiry(self, _key: str, value: dt.date) -> dt.date:
        self.expires_on = rules.expiry_for(value)
        return value

    def days_left(self, day: dt.date | None = None) -> int:
        """Days from `day` (today) until expiry; 0 on the expiry day itself."""
        return (self.expires_on - (day or clock.today())).days


class CertificateReminder(db.Model):
    """An expiry reminder sent to the producer; unique so each goes out once only."""

    __tablename__ = "certificate_reminders"
    __table_args__ = (
        sa.UniqueConstraint("certificate_id", "days_before", name="uq_certificate_reminders_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"))
    days_before: Mapped[int]
    sent_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
