"""Collective trademarks, certification marks and geographical indications, who may use
them, and which mark a product carries."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.catalog.models import Product
from shop.extensions import db
from shop.producers.models import Producer

KINDS = ("collective", "certification", "gi")
MAX_NAME, MAX_NUMBER, MAX_HOLDER, MAX_DESCRIPTION = 200, 80, 200, 2000


class CollectiveMark(db.Model):
    """A mark registered with the IP office: "Cà phê Buôn Ma Thuột" (GI), "Nước mắm Phú
    Quốc" (…); its holder is usually an association or a provincial body."""

    __tablename__ = "collective_marks"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('collective', 'certification', 'gi')", name="mark_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME))
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    registration_number: Mapped[str] = mapped_column(sa.String(MAX_NUMBER), unique=True)
    holder: Mapped[str] = mapped_column(sa.String(MAX_HOLDER))
    description: Mapped[str] = mapped_column(sa.String(MAX_DESCRIPTION), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    users: Mapped[list[MarkUser]] = relationship(back_populates="mark", order_by="MarkUser.id")


class MarkUser(db.Model):
    """A producer the mark's holder allows to use the mark."""

    __tablename__ = "mark_users"
    __table_args__ = (sa.UniqueConstraint("mark_id", "producer_id", name="uq_mark_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(sa.ForeignKey("collective_marks.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    mark: Mapped[CollectiveMark] = relationship(back_populates="users")
    producer: Mapped[Producer] = relationship()


class ProductMark(db.Model):
    """The one mark a product carries (its producer must be allowed to use it)."""

    __tablename__ = "product_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), unique=True)
    mark_id: Mapped[int] = mapped_column(sa.ForeignKey("collective_marks.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    product: Mapped[Product] = relationship()
    mark: Mapped[CollectiveMark] = relationship()
