"""The queries behind the API, each built on `listable_products()` (through `browse`) or on
the listing summary it reads."""

from __future__ import annotations

import sqlalchemy as sa

from shop import clock
from shop.catalog import browse
from shop.catalog.models import ListingSummary, ProductSet
from shop.catalog.rules import listed_on
from shop.extensions import db
from shop.producers.models import Producer
from shop.search import query_for, search_products
from shop.search.base import Terms

DEFAULT_PER_PAGE = 24


def browse_products(
    filters: browse.Filters, q: str | None = None, after: str | None = None
) -> browse.Page:
    """A keyset page of the catalogue (`browse.after`: from the cursor `after`, or from the page
    number), or the search for `q` with the same filters (by page number) when one is given."""
    if q is None:
        return browse.after(filters, after)
    if not Terms.parse(q):  # punctuation only: nothing can match
        return browse.Page(rows=[], total=0, filters=filters)
    rows, result = search_products(query_for(q, filters))
    return browse.Page(rows=rows, total=result.total, filters=filters)


def product_sets() -> dict[int, ProductSet]:
    """Every product set by code: one query, instead of a lazy load per product."""
    return {
        ps.code: ps for ps in db.session.scalars(sa.select(ProductSet).order_by(ProductSet.code))
    }


def _listed_producers(province: int | None = None) -> sa.Select:
    """(Producer, number of listable products) for producers with at least one listed product.

    Listable products already require an active producer, so suspended ones never appear;
    the counts come from the listing summary (one row per listable product on a day).
    """
    counts = (
        sa.select(ListingSummary.producer_id, sa.func.count().label("listed"))
        .where(*listed_on(clock.today()))
        .group_by(ListingSummary.producer_id)
        .subquery()
    )
    query = sa.select(Producer, counts.c.listed).join(counts, counts.c.producer_id == Producer.id)
    if province is not None:
        query = query.where(Producer.province_code == province)
    return query


def listed_producers(filters: browse.Filters) -> browse.Page:
    """One page of producers with listed products (by slug), with their counts: two queries."""
    base = _listed_producers(filters.province)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        base.order_by(Producer.slug, Producer.id)
        .offset((filters.page - 1) * filters.per_page)
        .limit(filters.per_page)
    ).all()
    return browse.Page(rows=[(p, n) for p, n in rows], total=total or 0, filters=filters)


def listed_producer(slug: str) -> tuple[Producer, int] | None:
    """An active producer with at least one listed product, and how many it has."""
    row = db.session.execute(_listed_producers().where(Producer.slug == slug)).first()
    return (row[0], row[1]) if row else None
