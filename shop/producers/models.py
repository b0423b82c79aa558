"""Producers (chủ thể OCOP): cooperatives, enterprises, groups and households."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import LegalForm, ProducerStatus, enum_type
from shop.extensions import db

if TYPE_CHECKING:
    from shop.accounts.models import User
    from shop.catalog.models import Product


class Producer(db.Model):
    """A seller on the marketplace, owned by one user account."""

    __tablename__ = "producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    slug: Mapped[str] = mapped_column(sa.String(180), unique=True)
    legal_form: Mapped[LegalForm] = mapped_column(enum_type(LegalForm, "legal_form"))
    tax_code: Mapped[str] = mapped_column(sa.String(14), unique=True)
    province_code: Mapped[int] = mapped_column(index=True)
    ward_code: Mapped[int]
    street: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProducerStatus] = mapped_column(
        enum_type(ProducerStatus, "producer_status"), default=ProducerStatus.ACTIVE
    )
    # Flat shipping per order from this producer, and the subtotal from which it is free;
    # None means the shop's defaults (SHIPPING_FEE, FREE_SHIPPING_FROM).
    shipping_fee: Mapped[int | None] = mapped_column(sa.Integer)
    free_shipping_from: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    owner: Mapped[User] = relationship(back_populates="producer")
    products: Mapped[list[Product]] = relationship(back_populates="producer")

    @property
    def province_name(self) -> str:
        from shop.geo import province_name

        return province_name(self.province_code)

    @property
    def ward_name(self) -> str:
        from shop.geo import ward_name

        return ward_name(self.ward_code)

    def __repr__(self) -> str:
        return f"<Producer {self.slug}>"
