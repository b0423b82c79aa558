"""The catalogue: product sets, products, their variants and images."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import ProductStatus, RevisionStatus, enum_type
from shop.extensions import db

if TYPE_CHECKING:
    from shop.accounts.models import User
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
    # The claims a certificate certifies along with the name and the set (free text, optional).
    net_content: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    ingredients: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    shelf_life: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    status: Mapped[ProductStatus] = mapped_column(
        enum_type(ProductStatus, "product_status"), default=ProductStatus.DRAFT
    )
    # Set by the first certificate approval: from then on, the certified facts change only
    # through a ProductRevision that staff approve (shop.catalog.revisions).
    certified_at: Mapped[dt.datetime | None]
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


class ProductRevision(db.Model):
    """A change to a certified product's name, product set or claims, waiting for staff.

    The product row keeps the approved values, so everything the shop shows and sells stays
    as certified until staff approve; then the proposed values are copied onto the product.
    At most one revision per product is pending (a partial unique index); `version` counts
    the producer's edits of it, so staff decide on the version they saw.
    """

    __tablename__ = "product_revisions"
    __table_args__ = (
        sa.Index(
            "uq_product_revisions_one_pending",
            "product_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_product_revisions_status_proposed", "status", "proposed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_type(RevisionStatus, "revision_status"), default=RevisionStatus.PENDING
    )
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(sa.String(200))
    product_set_code: Mapped[int] = mapped_column(sa.ForeignKey("product_sets.code"))
    net_content: Mapped[str] = mapped_column(sa.String(120), default="")
    ingredients: Mapped[str] = mapped_column(sa.Text, default="")
    shelf_life: Mapped[str] = mapped_column(sa.String(120), default="")
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    product: Mapped[Product] = relationship()
    product_set: Mapped[ProductSet] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


_COVERED = ["valid_from", "valid_until", "certificate_id"]  # what a page reads besides the keys


class ListingSummary(db.Model):
    """What the catalogue reads to list, filter, count and sort: one row per product and
    stretch of days on which it is listable with one current certificate.

    Derived data, kept by `shop.catalog.summary` in the transaction of every change that feeds
    it (products, variants' prices, certificates, producers, product sets). A product that is
    listable on no day (draft, hidden, suspended producer, no approved certificate) has no
    row. On any day at most one row of a product holds `valid_from <= day <= valid_until`:
    its current certificate that day, so expiry stays a date comparison (no job). Usually a
    product has one row from the beginning of time; an older certificate that outlives a
    newer one adds a row for the days after the newer one expires.
    """

    __tablename__ = "listing_summary"
    __table_args__ = (
        sa.Index("ix_listing_summary_product", "product_id", "valid_from"),
        # One per sort, and per filter in the newest order: a page's rows are read in order
        # from the index alone (PostgreSQL: INCLUDE the validity and the certificate).
        *(
            sa.Index(f"ix_listing_summary_{name}", *columns, postgresql_include=_COVERED)
            for name, columns in (
                ("newest", ("created_at", "product_id")),
                ("price_desc", ("price_desc_key", "created_at", "product_id")),
                ("stars", ("stars", "created_at", "product_id")),
                ("group", ("group_code", "created_at", "product_id")),
                ("set", ("product_set_code", "created_at", "product_id")),
                ("province", ("province_code", "created_at", "product_id")),
                ("producer", ("producer_id", "created_at", "product_id")),
            )
        ),
    )

    # No foreign keys: the rows are rebuilt from their sources, whose deletions they follow.
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int]
    certificate_id: Mapped[int]
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date]  # the current certificate's expires_on
    stars: Mapped[int]
    producer_id: Mapped[int]
    province_code: Mapped[int]
    product_set_code: Mapped[int]
    group_code: Mapped[str] = mapped_column(sa.String(4))
    price_from: Mapped[int | None] = mapped_column(sa.BigInteger)  # cheapest variant
    # "price_desc" puts products without a price last: price_from, or -1 without one (an
    # index read backwards serves it on both engines; NULLS LAST in an index is PostgreSQL's).
    price_desc_key: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime]  # the product's, for "newest"


# "price_asc": ascending prices put NULL (no variants) last on PostgreSQL, as the sort wants.
sa.Index(
    "ix_listing_summary_price",
    ListingSummary.price_from,
    ListingSummary.created_at.desc(),
    ListingSummary.product_id.desc(),
    postgresql_include=_COVERED,
)
