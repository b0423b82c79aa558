"""Browsing the catalogue: filters, sorting and paging over listable products.

The catalogue page, the province and producer pages, and the public API all build their
lists here, on top of `listable_products()`, so they agree on what is shown and in which order.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop import clock, geo
from shop.catalog.models import Product, ProductSet, Variant
from shop.catalog.rules import listable_ids, listable_products, price_from_sql
from shop.catalog.services import with_card_data
from shop.certification.models import Certificate
from shop.certification.rules import STAR_RANGE
from shop.extensions import db
from shop.producers.models import Producer

SORTS = ("newest", "price_asc", "price_desc", "stars")
GROUPS = ("I", "II", "III", "IV", "V", "VI")
MAX_PER_PAGE = 100
MAX_PRICE = 1_000_000_000
GROUP_COUNTS_SECONDS = 60  # default of GROUP_COUNTS_CACHE_SECONDS
TOTALS_SECONDS = 30  # default of CATALOG_TOTALS_CACHE_SECONDS
TOTALS_KEPT = 4096  # at most this many filter combinations' totals per process


class InvalidFilter(ValueError):
    """A filter or paging parameter that makes no sense; `param` names it."""

    def __init__(self, param: str, message):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Filters:
    """What a visitor (or API client) asked for; every field optional."""

    product_set: int | None = None
    group: str | None = None
    province: int | None = None
    producer: str | None = None
    stars: tuple[int, ...] = ()
    price_min: int | None = None
    price_max: int | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = 24
    mark: str | None = None  # a collective mark's slug (shop.marks)

    def query_args(self, **change: Any) -> dict[str, Any]:
        """The URL parameters that reproduce these filters (for paging and facet links)."""
        current = replace(self, **change)
        args: dict[str, Any] = {
            "set": current.product_set,
            "group": current.group,
            "province": current.province,
            "producer": current.producer,
            "stars": list(current.stars) or None,
            "price_min": current.price_min,
            "price_max": current.price_max,
            "sort": current.sort if current.sort not in ("newest", "relevance") else None,
            "page": current.page if current.page != 1 else None,
            "mark": current.mark,
        }
        return {key: value for key, value in args.items() if value not in (None, "")}

    @property
    def is_filtered(self) -> bool:
        return any(
            (
                self.product_set,
                self.group,
                self.province,
                self.producer,
                self.stars,
                self.price_min is not None,
                self.price_max is not None,
                self.mark,
            )
        )


@dataclass
class Page:
    """One page of results (any rows); `filters` carries `page` and `per_page`."""

    rows: list
    total: int
    filters: Filters
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.filters.per_page))

    @property
    def has_next(self) -> bool:
        return self.filters.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.filters.page > 1


def _int(args, name: str, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InvalidFilter(name, _l("must be a whole number")) from None
    if not low <= value <= high:
        raise InvalidFilter(name, _l("must be between %(low)s and %(high)s", low=low, high=high))
    return value


def parse_filters(
    args, *, per_page: int = 24, allow_per_page: bool = False, sorts: tuple[str, ...] = SORTS
) -> Filters:
    """Read filters from request arguments; raises InvalidFilter for nonsense values."""
    product_set = _int(args, "set", 1, 99)
    group = (args.get("group") or "").strip().upper() or None
    if group is not None and group not in GROUPS:
        raise InvalidFilter("group", _l("must be one of %(values)s", values=", ".join(GROUPS)))
    province = _int(args, "province", 1, 999)
    if province is not None and not geo.is_valid_province(province):
        raise InvalidFilter("province", _l("is not one of the 34 provinces"))
    stars: list[int] = []
    for raw in args.getlist("stars") if hasattr(args, "getlist") else []:
        value = _int({"stars": raw}, "stars", STAR_RANGE.start, STAR_RANGE.stop - 1)
        if value is not None and value not in stars:
            stars.append(value)
    price_min = _int(args, "price_min", 0, MAX_PRICE)
    price_max = _int(args, "price_max", 0, MAX_PRICE)
    if price_min is not None and price_max is not None and price_min > price_max:
        raise InvalidFilter("price_max", _l("must not be below price_min"))
    sort = (args.get("sort") or sorts[0]).strip()
    if sort not in sorts:
        raise InvalidFilter("sort", _l("must be one of %(values)s", values=", ".join(sorts)))
    page = _int(args, "page", 1, 100_000) or 1
    if allow_per_page:
        per_page = _int(args, "per_page", 1, MAX_PER_PAGE) or per_page
    producer = (args.get("producer") or "").strip() or None
    mark = (args.get("mark") or "").strip()[:220] or None
    return Filters(
        mark=mark,
        product_set=product_set,
        group=group,
        province=province,
        producer=producer,
        stars=tuple(sorted(stars)),
        price_min=price_min,
        price_max=price_max,
        sort=sort,
        page=page,
        per_page=per_page,
    )


def min_price() -> sa.ScalarSelect:
    """Correlated subquery: the price the product is shown from (`rules.price_from_sql`)."""
    return (
        sa.select(price_from_sql())
        .where(Variant.product_id == Product.id)
        .correlate(Product)
        .scalar_subquery()
    )


def cheapest_prices() -> sa.Subquery:
    """Every product's cheapest variant price (product_id, price), from one aggregate.

    Cheaper than `min_price()` once most products are read (a price sort or a price filter
    over the whole catalogue), where the correlated form runs once per product.
    """
    return (
        sa.select(Variant.product_id, price_from_sql().label("price"))
        .group_by(Variant.product_id)
        .subquery("cheapest")
    )


def filtered(
    filters: Filters, counting: bool = False, prices: sa.Subquery | None = None
) -> sa.Select:
    """listable_products() narrowed by the filters (no ordering or paging).

    With `counting`, only the ids are selected and, unless a filter reads the current
    certificate (stars), the certificate is an EXISTS (`listable_ids()`): the same products;
    price filters then read `cheapest_prices()`. With `prices` (a `cheapest_prices()`), it is
    joined and the price filters read it.
    """
    query, price = _base(filters, counting, prices)
    if filters.product_set is not None:
        query = query.where(Product.product_set_code == filters.product_set)
    if filters.group is not None:
        query = query.where(
            Product.product_set_code.in_(
                sa.select(ProductSet.code).where(ProductSet.group_code == filters.group)
            )
        )
    if filters.province is not None:
        query = query.where(Producer.province_code == filters.province)
    if filters.producer is not None:
        query = query.where(Producer.slug == filters.producer)
    if filters.stars:
        query = query.where(Certificate.stars.in_(filters.stars))
    if filters.mark is not None:
        from shop.marks.services import products_carrying

        query = query.where(Product.id.in_(products_carrying(filters.mark)))
    # The price a product is shown "from": its cheapest variant (the search does the same).
    if filters.price_min is not None:
        query = query.where(price >= filters.price_min)
    if filters.price_max is not None:
        query = query.where(price <= filters.price_max)
    return query


def _base(filters: Filters, counting: bool, prices: sa.Subquery | None):
    """The select `filtered()` narrows, and the price its price filters read."""
    if not counting:
        query = listable_products()
    elif filters.stars:
        query = listable_products().with_only_columns(Product.id)
    else:
        query = listable_ids()
    price_filtered = filters.price_min is not None or filters.price_max is not None
    if prices is None and counting and price_filtered:
        prices = cheapest_prices()
    if prices is None:
        return query, min_price()
    # Outer: a listable product without variants has no price, like min_price() gives NULL.
    return query.outerjoin(prices, prices.c.product_id == Product.id), prices.c.price


NEWEST = (Product.created_at.desc(), Product.id.desc())


def _ordered(query: sa.Select, sort: str) -> sa.Select:
    if sort == "price_asc":
        return query.order_by(min_price().asc(), *NEWEST)
    if sort == "price_desc":
        return query.order_by(min_price().desc(), *NEWEST)
    if sort == "stars":
        return query.order_by(Certificate.stars.desc(), *NEWEST)
    return query.order_by(*NEWEST)


def browse(filters: Filters) -> Page:
    """One page of listable products matching the filters: 4 or 5 queries whatever the
    page size (one fewer while the total is kept, see total())."""
    return Page(rows=shelf(filters), total=total(filters), filters=filters)


def count_matching(filters: Filters) -> int:
    """How many listable products match the filters (any page, any order)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(filtered(filters, counting=True).subquery())
        )
        or 0
    )


def total(filters: Filters) -> int:
    """count_matching(), kept per process for CATALOG_TOTALS_CACHE_SECONDS (30 by default) per filter
    combination and never across a change of day; 0 turns the keeping off.

    At 100,000 products counting is the largest part of a catalogue or API page (70 ms on
    PostgreSQL, up to 190 ms with a star filter; docs/benchmarks.md), and the same count
    serves every page and order of one combination. Only the "N products" line and the
    number of pages can be that old: the rows shown always come from listable_products().
    """
    seconds = current_app.config.get("CATALOG_TOTALS_CACHE_SECONDS", TOTALS_SECONDS)
    if seconds <= 0:
        return count_matching(filters)
    key = (clock.today(), replace(filters, page=1, per_page=0, sort="newest"))
    cache = current_app.extensions.setdefault("catalog_totals", {})
    now = time.monotonic()
    kept = cache.get(key)
    if kept is not None and now - kept[0] < seconds:
        return kept[1]
    counted = count_matching(filters)
    if len(cache) >= TOTALS_KEPT:
        cache.clear()  # crude but bounded: a burst of new combinations starts afresh
    cache[key] = (now, counted)
    return counted


def shelf(filters: Filters) -> list[tuple[Product, Certificate]]:
    """The rows of one page without the total (home page shelves, "more from this producer"):
    3 queries whatever the page size (4 when sorted by price)."""
    if filters.sort in ("price_asc", "price_desc"):
        return _by_price(filters)
    query = _ordered(filtered(filters), filters.sort).offset((filters.page - 1) * filters.per_page)
    rows = db.session.execute(with_card_data(query.limit(filters.per_page))).unique().all()
    return [(p, c) for p, c in rows]


def _by_price(filters: Filters) -> list[tuple[Product, Certificate]]:
    """A page sorted by price: the page's ids first, by the counting form of the rule with
    every product's cheapest price from one aggregate, then those rows through
    `listable_products()`. Ordering the full rows by `min_price()` evaluated the "current
    certificate" subquery twice and `min_price()` once per listable product: 0.7–1.3 s
    at 100,000 products, against 0.15–0.2 s this way (docs/benchmarks.md)."""
    prices = cheapest_prices()
    price = prices.c.price.asc() if filters.sort == "price_asc" else prices.c.price.desc()
    order = price.nulls_last()  # a product without variants has no price: after the others
    ids = db.session.scalars(
        filtered(filters, counting=True, prices=prices)
        .order_by(order, *NEWEST)
        .offset((filters.page - 1) * filters.per_page)
        .limit(filters.per_page)
    ).all()
    if not ids:
        return []
    rows = db.session.execute(
        with_card_data(listable_products().where(Product.id.in_(ids)))
    ).unique()
    by_id = {product.id: (product, certificate) for product, certificate in rows}
    return [by_id[i] for i in ids if i in by_id]


def group_counts() -> dict[str, int]:
    """How many listable products each OCOP group has (for the home page)."""
    listed = listable_ids().add_columns(Product.product_set_code).subquery()
    product_set = sa.select(ProductSet.code, ProductSet.group_code).subquery()
    rows = db.session.execute(
        sa.select(product_set.c.group_code, sa.func.count())
        .select_from(listed)
        .join(product_set, product_set.c.code == listed.c.product_set_code)
        .group_by(product_set.c.group_code)
    ).all()
    return {group: count for group, count in rows}


def cached_group_counts() -> dict[str, int]:
    """group_counts(), kept per process for GROUP_COUNTS_CACHE_SECONDS (60 by default) and
    never across a change of day.

    Counting every listable product is most of the home page's time (0.3 s at 100,000 products
    on SQLite, see docs/benchmarks.md); a group's count a minute old is harmless, whereas the
    products shown are always current.
    """
    seconds = current_app.config.get("GROUP_COUNTS_CACHE_SECONDS", GROUP_COUNTS_SECONDS)
    cache = current_app.extensions.setdefault("catalog_group_counts", {})
    day, now = clock.today(), time.monotonic()
    kept = cache.get(day)
    if kept is not None and now - kept[0] < seconds:
        return kept[1]
    counts = group_counts()
    cache.clear()
    cache[day] = (now, counts)
    return counts
