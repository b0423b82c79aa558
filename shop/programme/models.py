"""The OCOP programme office's records: post-certification inspections and their files.

An inspection looks at one product (`product_id`) or at a producer as a whole (no product).
It is planned (outcome "pending"), then recorded once: the day it was done, the inspector,
the findings and the outcome — passed, fix by a deadline, or revoke (the revocation itself
goes through `shop.certification.services.revoke`, citing the inspection). A fix is
confirmed later (`fixed_on`); a fix whose deadline passed unconfirmed is overdue.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import enum_type
from shop.extensions import db

if TYPE_CHECKING:
    from shop.accounts.models import User
    from shop.catalog.models import Product
    from shop.producers.models import Producer


class InspectionKind(enum.StrEnum):
    ROUTINE = "routine"
    UNANNOUNCED = "unannounced"


class InspectionOutcome(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FIX_BY_DEADLINE = "fix_by_deadline"
    REVOKE = "revoke"


class Inspection(db.Model):
    """One planned or recorded inspection after certification."""

    __tablename__ = "inspections"
    __table_args__ = (
        sa.CheckConstraint(
            "outcome != 'fix_by_deadline' OR fix_deadline IS NOT NULL",
            name="fix_has_deadline",
        ),
        sa.CheckConstraint("outcome = 'pending' OR done_on IS NOT NULL", name="recorded_has_day"),
        sa.Index("ix_inspections_product_done", "product_id", "done_on"),
        sa.Index("ix_inspections_outcome_deadline", "outcome", "fix_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"), index=True)
    kind: Mapped[InspectionKind] = mapped_column(enum_type(InspectionKind, "inspection_kind"))
    planned_on: Mapped[dt.date]
    done_on: Mapped[dt.date | None]
    inspector: Mapped[str] = mapped_column(sa.String(160), default="")
    findings: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[InspectionOutcome] = mapped_column(
        enum_type(InspectionOutcome, "inspection_outcome"), default=InspectionOutcome.PENDING
    )
    fix_deadline: Mapped[dt.date | None]
    fixed_on: Mapped[dt.date | None]  # staff confirmed the fix
    # the certificate revoked on this inspection's outcome (the revocation cites it)
    revoked_certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    # the buyer's report that opened it (issue #17 item 4; that table is not this package's)
    source_report_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime | None]

    product: Mapped[Product | None] = relationship()
    producer: Mapped[Producer] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    attachments: Mapped[list[InspectionAttachment]] = relationship(
        back_populates="inspection", order_by="InspectionAttachment.id"
    )

    @property
    def subject_name(self) -> str:
        return self.product.name if self.product is not None else self.producer.name

    def is_overdue(self, day: dt.date | None = None) -> bool:
        """A fix asked for by a deadline that passed without staff confirming it."""
        return (
            self.outcome == InspectionOutcome.FIX_BY_DEADLINE
            and self.fixed_on is None
            and self.fix_deadline is not None
            and self.fix_deadline < (day or clock.today())
        )


class InspectionAttachment(db.Model):
    """A photo or document of an inspection, checked and stored like a certificate scan."""

    __tablename__ = "inspection_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(255))  # in the scans folder
    content_type: Mapped[str] = mapped_column(sa.String(40))
    pages: Mapped[int] = mapped_column(default=1)
    added_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="attachments")
