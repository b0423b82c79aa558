"""The search document of a product, built from the database for both backends.

A product is indexed while it could be listed on some day: the listable rule without its date
(`shop.catalog.rules.listable_on_some_day`). `valid_until` (its latest approved expiry) lets every query drop
the expired ones on the day itself, without touching the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from shop import geo
from shop.catalog.models import Product, ProductSet, Variant
from shop.catalog.rules import listable_on_some_day, price_from_sql
from shop.certification.models import Certificate
from shop.enums import CertificateStatus
from shop.extensions import db
from shop.producers.models import Producer

BATCH = 1000


def _current(column):
    """Correlated subquery: `column` of the product's approved certificate that expires last."""
    return (
        sa.select(column)
        .where(
            Certificate.product_id == Product.id, Certificate.status == CertificateStatus.APPROVED
        )
        .order_by(Certificate.expires_on.desc(), Certificate.id.desc())
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


def indexable() -> sa.Select:
    """Ids of the products that belong in the index."""
    return sa.select(Product.id).join(Product.producer).where(listable_on_some_day())


def documents_for(product_ids: Iterable[int], session=None) -> tuple[list[dict], list[int]]:
    """(documents of the indexable ones, ids that must leave the index)."""
    session = session or db.session
    wanted = sorted(set(product_ids))
    documents: list[dict] = []
    for start in range(0, len(wanted), BATCH):
        documents.extend(_build(wanted[start : start + BATCH], session))
    found = {d["id"] for d in documents}
    return documents, [i for i in wanted if i not in found]


def all_documents(session=None) -> Iterator[list[dict]]:
    """Every indexable product's document, in batches (for a rebuild)."""
    session = session or db.session
    ids = session.scalars(indexable().order_by(Product.id)).all()
    for start in range(0, len(ids), BATCH):
        yield _build(ids[start : start + BATCH], session)


def indexable_count(session=None) -> int:
    """How many products belong in the index."""
    session = session or db.session
    return session.scalar(sa.select(sa.func.count()).select_from(indexable().subquery())) or 0


def indexable_ids(session=None) -> set[int]:
    """The ids of every product that belongs in the index."""
    return set((session or db.session).scalars(indexable()))


def _build(ids: list[int], session) -> list[dict]:
    prices = (
        sa.select(
            Variant.product_id,
            price_from_sql().label("price_min"),
            sa.func.max(Variant.price).label("price_max"),
            sa.func.sum(Variant.stock).label("stock"),
        )
        .where(Variant.product_id.in_(ids))
        .group_by(Variant.product_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            Product,
            Producer,
            ProductSet,
            _current(Certificate.expires_on).label("valid_until"),
            _current(Certificate.stars).label("stars"),
            prices.c.price_min,
            prices.c.price_max,
            prices.c.stock,
        )
        .join(Product.producer)
        .join(Product.product_set)
        .join(prices, prices.c.product_id == Product.id, isouter=True)
        .where(Product.id.in_(indexable().where(Product.id.in_(ids))))
    ).all()
    return [_document(*row) for row in rows]


def _document(
    product, producer, product_set, valid_until, stars, price_min, price_max, stock
) -> dict:
    province = geo.province_name(producer.province_code)
    return {
        "id": product.id,
        "slug": product.slug,
        "name": product.name,
        "producer": producer.name,
        "producer_slug": producer.slug,
        "context": " ".join(
            (product_set.name_vi, product_set.name_en, product_set.group_vi, province)
        ),
        "description": product.description or "",
        "stars": int(stars),
        "product_set": product_set.code,
        "group": product_set.group_code,
        "province": producer.province_code,
        "price_min": int(price_min or 0),
        "price_max": int(price_max or 0),
        "in_stock": bool(stock),
        "created": product.created_at,
        "valid_until": valid_until,
    }
