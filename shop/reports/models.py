"""A buyer's report of a problem with an OCOP label (wrong stars, an expired label…)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.certification.models import Certificate
from shop.extensions import db

KINDS = ("wrong_stars", "expired_label", "differs", "other")
STATUSES = ("new", "inspecting", "closed")
OUTCOMES = ("confirmed", "not_confirmed", "duplicate")
MAX_DETAILS = 1000  # characters the buyer may write, and staff to the buyer
MAX_NUMBER = 80  # the certificate number as typed (as on the verification page)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LabelReport(db.Model):
    """What a buyer saw on a package or a page, about a product or a certificate number.

    The product and certificate are known when the report comes from their pages; a number
    nobody verified (a possible fake) is kept as typed. The reporter is at most an account and
    a contact e-mail, both optional (and erased with the account).
    """

    __tablename__ = "label_reports"
    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", KINDS), name="label_report_kind"),
        sa.CheckConstraint(_one_of("status", STATUSES), name="label_report_status"),
        sa.CheckConstraint(
            f"outcome IS NULL OR {_one_of('outcome', OUTCOMES)}", name="label_report_outcome"
        ),
        sa.Index("ix_label_reports_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    typed_number: Mapped[str] = mapped_column(sa.String(MAX_NUMBER), default="")
    kind: Mapped[str] = mapped_column(sa.String(20))
    details: Mapped[str] = mapped_column(sa.String(MAX_DETAILS), default="")
    photo_key: Mapped[str | None] = mapped_column(sa.String(40))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="vi")
    status: Mapped[str] = mapped_column(sa.String(20), default="new")
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    answer: Mapped[str] = mapped_column(sa.String(MAX_DETAILS), default="")
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"))
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    closed_at: Mapped[dt.datetime | None]

    product: Mapped[Product | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def subject(self) -> str:
        """What the report is about, in a few words (for the queue and the audit log)."""
        name = self.product.name if self.product else ""
        number = self.certificate.number if self.certificate else self.typed_number
        return " · ".join(part for part in (name, number) if part) or f"#{self.id}"
