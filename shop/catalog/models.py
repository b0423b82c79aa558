"""The catalogue: product sets, products, their variants and images."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import ProductStatus, enum_type
from shop.extensions import db

if TYPE_CHECKING:
    from shop.certification.models import Certificate
    from shop.producers.models import Producer


class ProductSet(db.Model):
    """One of the OCOP product sets of Decision 148/QĐ-TTg, loaded from shop/data."""

    __tablename__ = "product_sets"

    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    group_code: Mapped[str] = mapped_column(sa.String(4))
    group_vi: Mapped[str] = mapped_column(sa.String(120))
    group_en: Mapped[str] = mapped_column(sa.String(120))
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    shippable: Mapped[bool] = mapped_column(default=True)

    @property
    def name(self) -> str:
        """The set's name in the visitor's language."""
        return self.name_en if str(get_locale()) == "en" else self.name_vi

    @property
    def group_name(self) -> str:
        """The group's name in the visitor's language."""
        return self.group_en if str(get_locale()) == "en" else self.group_vi


class Product(db.Model):
    """A producer's product; shown only while it is listable (see catalog.services)."""

    __tablename__ = "products"
    __table_args__ = (sa.Index("ix_products_producer_status", "producer_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"))
    product_set_code: Mapped[int] = mapped_column(sa.ForeignKey("product_sets.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProductStatus] = mapped_column(
        enum_type(ProductStatus, "product_status"), default=ProductStatus.DRAFT
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, onupdate=clock.utcnow)

    producer: Mapped[Producer] = relationship(back_populates="products")
    product_set: Mapped[ProductSet] = relationship()
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position, Variant.id"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position, ProductImage.id"
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="product", order_by="Certificate.decision_date.desc()"
    )

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class Variant(db.Model):
    """A purchasable form of a product ("Hộp 500g"), with its own price and stock."""

    __tablename__ = "variants"
    __table_args__ = (
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("weight_grams > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    price: Mapped[int] = mapped_column(sa.BigInteger)  # whole VND: the đồng has no minor unit
    stock: Mapped[int] = mapped_column(default=0)
    weight_grams: Mapped[int] = mapped_column(default=500)
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(db.Model):
    """A product photo, stored as renditions named by the hash of their content."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64), index=True)  # /media asks who may see it
    width: Mapped[int]
    height: Mapped[int]
    alt_text: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="images")
