"""Catalogue queries. `listable_products()` is the single definition of what the shop shows."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from shop import clock
from shop.catalog.models import Product, ProductImage, ProductSet
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from shop.extensions import db
from shop.producers.models import Producer

PRODUCT_SETS_CSV = Path(__file__).resolve().parent.parent / "data" / "ocop_product_sets.csv"


def current_certificate_id(day: dt.date | None = None) -> sa.ScalarSelect:
    """Correlated subquery: the id of the product's newest approved certificate valid on `day`.

    Revoked and rejected certificates have their own status, so "approved" already means
    "not revoked"; expiry is compared with the date itself, so no job is needed.
    """
    day = day or clock.today()
    return (
        sa.select(Certificate.id)
        .where(
            Certificate.product_id == Product.id,
            Certificate.status == CertificateStatus.APPROVED,
            Certificate.expires_on >= day,
        )
        .order_by(Certificate.decision_date.desc(), Certificate.id.desc())
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


def listable_products(day: dt.date | None = None) -> sa.Select[tuple[Product, Certificate]]:
    """Products the shop may show and sell on `day`, each with its current certificate.

    Listable = product active, producer active, and a current certificate (approved, not
    revoked, expires_on >= today). Every storefront path builds on this select; callers add
    filters, ordering and paging. `Product.producer` is loaded by the same query.
    """
    return (
        sa.select(Product, Certificate)
        .join(Product.producer)
        .join(Certificate, Certificate.id == current_certificate_id(day))
        .where(Product.status == ProductStatus.ACTIVE, Producer.status == ProducerStatus.ACTIVE)
        .options(contains_eager(Product.producer))
    )


def has_current_certificate(day: dt.date | None = None) -> sa.Exists:
    """Correlated EXISTS: the product has a current certificate on `day`.

    True exactly when `current_certificate_id(day)` finds one (the newest approved certificate
    valid on `day` exists iff any approved certificate valid on `day` does), but it stops at
    the first index entry instead of ordering the product's certificates: for counting.
    """
    day = day or clock.today()
    return sa.exists().where(
        Certificate.product_id == Product.id,
        Certificate.status == CertificateStatus.APPROVED,
        Certificate.expires_on >= day,
    )


def listable_ids(day: dt.date | None = None) -> sa.Select[tuple[int]]:
    """The ids of `listable_products(day)`, by the same rule, without the certificate row.

    For counts (a page's total, the home page's groups): 5–8× cheaper than counting
    `listable_products()`, whose join evaluates the ordered "current certificate" subquery
    for every product (measured in docs/benchmarks.md). Filters on the certificate's own
    columns (stars) need `listable_products()`.
    """
    return sa.select(Product.id).join(Product.producer).where(is_listable(day))


def is_listable(day: dt.date | None = None) -> sa.ColumnElement[bool]:
    """The listable rule as one condition on `Product` joined to its `Producer`: the WHERE of
    `listable_ids`, or a yes/no column where a query needs to know for each row."""
    return sa.and_(
        Product.status == ProductStatus.ACTIVE,
        Producer.status == ProducerStatus.ACTIVE,
        has_current_certificate(day),
    )


@dataclass(frozen=True)
class PhotoAudience:
    """Who may see a stored photo: everyone, or the owners of the products showing it."""

    public: bool
    owner_ids: frozenset[int]


def photo_audience(key: str) -> PhotoAudience | None:
    """Who may see the photo stored under `key`; None when no product shows it.

    Public while some listable product shows it (one file may serve several products: names
    are content hashes); otherwise only for the owners of those products (and staff). One
    query on the `product_images.key` index.
    """
    rows = db.session.execute(
        sa.select(is_listable().label("listed"), Producer.owner_id)
        .select_from(ProductImage)
        .join(ProductImage.product)
        .join(Product.producer)
        .where(ProductImage.key == key)
    ).all()
    if not rows:
        return None
    return PhotoAudience(
        public=any(listed for listed, _ in rows), owner_ids=frozenset(o for _, o in rows)
    )


def get_listable(product_id: int, day: dt.date | None = None) -> tuple[Product, Certificate] | None:
    """The product and its current certificate, or None when it may not be shown or sold."""
    row = db.session.execute(listable_products(day).where(Product.id == product_id)).first()
    return (row[0], row[1]) if row else None


def get_listable_by_slug(
    slug: str, day: dt.date | None = None
) -> tuple[Product, Certificate] | None:
    """As get_listable, by the product's public slug, with what its page shows loaded."""
    query = with_card_data(listable_products(day).where(Product.slug == slug)).options(
        joinedload(Product.product_set)
    )
    row = db.session.execute(query).first()
    return (row[0], row[1]) if row else None


def unlisted_reason(product: Product, day: dt.date | None = None) -> str | None:
    """Why a product is not on sale (a code for the producer's view), or None if it is."""
    day = day or clock.today()
    if product.producer.status != ProducerStatus.ACTIVE:
        return "producer_suspended"
    if product.status != ProductStatus.ACTIVE:
        return f"product_{product.status.value}"
    certificates = product.certificates
    if any(c.is_valid_on(day) for c in certificates):
        return None
    if not certificates:
        return "no_certificate"
    newest = certificates[0]
    if newest.status == CertificateStatus.APPROVED:
        return "certificate_expired"
    return f"certificate_{newest.status.value}"


def sync_product_sets(path: Path = PRODUCT_SETS_CSV) -> int:
    """Insert or update the product-set taxonomy from its CSV; returns the number of sets.

    The taxonomy is data: a new decision replaces the CSV, and this brings the table in line.
    """
    existing = {ps.code: ps for ps in db.session.scalars(sa.select(ProductSet))}
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        code = int(row["code"])
        product_set = existing.get(code) or ProductSet(code=code)
        product_set.group_code = row["group_code"]
        product_set.group_vi = row["group_vi"]
        product_set.group_en = row["group_en"]
        product_set.name_vi = row["set_vi"]
        product_set.name_en = row["set_en"]
        product_set.shippable = row["shippable"].strip().lower() == "yes"
        db.session.add(product_set)
    return len(rows)


def with_card_data(query: sa.Select) -> sa.Select:
    """Load what a product card shows (variants for the price, images) without N+1 queries."""
    return query.options(selectinload(Product.variants), selectinload(Product.images))
