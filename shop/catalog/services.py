"""Catalogue queries. The listable rule itself lives in `shop.catalog.rules` (its names are
re-exported here for the callers that import them from this module)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Product, ProductImage, ProductSet
from shop.catalog.rules import is_listable, listable_products
from shop.catalog.rules import listable_ids as listable_ids
from shop.catalog.rules import unlisted_reason as unlisted_reason
from shop.certification.models import Certificate
from shop.extensions import db
from shop.producers.models import Producer

PRODUCT_SETS_CSV = Path(__file__).resolve().parent.parent / "data" / "ocop_product_sets.csv"


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
