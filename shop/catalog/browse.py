"""Browsing the catalogue: filters, sorting and paging over listable products.

The catalogue page, the province and producer pages, and the public API all build their
lists here, on top of `listable_products()`, so they agree on what is shown and in which order.
Filters, counts and sorts read the listing summary's columns (`ListingSummary`, kept by
`shop.catalog.summary`), indexed for them: no query here evaluates the listable rule's parts
or a product's variants per product.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from shop import clock, geo
from shop.catalog.models import ListingSummary, Product
from shop.catalog.rules import listable_ids, listable_products, listed_on, price_from
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
    # A keyset page (`after()`): the cursor of the page after it (None on the last), and
    # whether the page was asked for by a cursor rather than by its number.
    keyset: bool = False
    next_after: str | None = None
    by_cursor: bool = False

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


Summary = ListingSummary  # the rows every list here reads (`shop.catalog.summary`)


def _conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    """The filters as conditions on the summary's columns."""
    conditions = []
    if filters.product_set is not None:
        conditions.append(Summary.product_set_code == filters.product_set)
    if filters.group is not None:
        conditions.append(Summary.group_code == filters.group)
    if filters.province is not None:
        conditions.append(Summary.province_code == filters.province)
    if filters.producer is not None:
        producer = sa.select(Producer.id).where(Producer.slug == filters.producer)
        conditions.append(Summary.producer_id == producer.scalar_subquery())
    if filters.stars:
        conditions.append(Summary.stars.in_(filters.stars))
    if filters.mark is not None:
        from shop.marks.services import products_carrying

        conditions.append(Summary.product_id.in_(products_carrying(filters.mark)))
    # The price a product is shown "from": its cheapest variant (the search does the same).
    if filters.price_min is not None:
        conditions.append(Summary.price_from >= filters.price_min)
    if filters.price_max is not None:
        conditions.append(Summary.price_from <= filters.price_max)
    return conditions


def filtered(filters: Filters, counting: bool = False) -> sa.Select:
    """listable_products() narrowed by the filters (no ordering or paging); with `counting`,
    only the ids, from the summary alone."""
    query = listable_ids() if counting else listable_products()
    return query.where(*_conditions(filters))


NEWEST = (Summary.created_at.desc(), Summary.product_id.desc())


def _order(sort: str, columns: Any = Summary) -> list[sa.ColumnElement]:
    """The ORDER BY of a sort over the summary's columns (`Summary`, or a subquery's `.c`)."""
    newest = [columns.created_at.desc(), columns.product_id.desc()]
    # A product without variants has no price: after the others, in both price orders.
    if sort == "price_asc":
        return [columns.price_from.asc().nulls_last(), *newest]
    if sort == "price_desc":
        return [columns.price_desc_key.desc(), *newest]
    if sort == "stars":
        return [columns.stars.desc(), *newest]
    return newest


def _page(
    filters: Filters, limit: int, offset: int = 0, where: sa.ColumnElement[bool] | None = None
) -> sa.Select:
    """One page of `listable_products()` matching the filters, in the sort's order.

    The page's rows are found on the summary alone (one of its indexes, in order, with the
    validity and certificate: an index-only scan on PostgreSQL), then joined to their
    products, producers and certificates: only the page's rows are joined, however deep the
    page. The same rule as `listable_products()` (`rules.listed_on`), the same rows.
    """
    keys = (
        sa.select(
            Summary.product_id,
            Summary.certificate_id,
            Summary.created_at,
            Summary.price_from,
            Summary.price_desc_key,
            Summary.stars,
        )
        .where(*listed_on(clock.today()), *_conditions(filters))
        .order_by(*_order(filters.sort))
        .offset(offset)
        .limit(limit)
    )
    if where is not None:
        keys = keys.where(where)
    page = keys.subquery("page")
    return with_card_data(
        sa.select(Product, Certificate)
        .select_from(page)
        .join(Product, Product.id == page.c.product_id)
        .join(Product.producer)
        .join(Certificate, Certificate.id == page.c.certificate_id)
        .options(contains_eager(Product.producer))
        .order_by(*_order(filters.sort, page.c))
    )


# --- keyset pages (the API): "the products after this one", whatever the page number ------


def _sort_values(sort: str, product: Product, certificate: Certificate) -> list:
    """A row's values of the sort's keys, as the summary holds them (the cursor's content)."""
    first = None
    if sort == "price_asc":
        first = price_from(product)
    elif sort == "price_desc":
        first = price_from(product) or -1  # Summary.price_desc_key
    elif sort == "stars":
        first = certificate.stars
    return [first, product.created_at.isoformat(), product.id]


def encode_cursor(sort: str, product: Product, certificate: Certificate) -> str:
    """An opaque cursor pointing just after this row in this sort."""
    raw = json.dumps([sort, *_sort_values(sort, product, certificate)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[int | None, dt.datetime, int]:
    """(first key, created_at, product id) of a cursor made for `sort`; InvalidFilter else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, first, created, product_id = json.loads(raw)
        created_at = dt.datetime.fromisoformat(created)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidFilter("after", _l("is not a cursor this list gave")) from None
    if sort == "newest":
        valid_first = first is None
    else:  # stars and price_desc's key always; price_asc: None for a product without variants
        valid_first = _is_int(first) or (first is None and sort == "price_asc")
    if made_for != sort or not valid_first or not _is_int(product_id):
        raise InvalidFilter("after", _l("is not a cursor this list gave")) from None
    return first, created_at, product_id


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62


def _after(sort: str, cursor: tuple[int | None, dt.datetime, int]) -> sa.ColumnElement[bool]:
    """The rows that come after the cursor's row in `_order(sort)`."""
    first, created_at, product_id = cursor
    newer = sa.tuple_(Summary.created_at, Summary.product_id) < sa.tuple_(
        sa.literal(created_at, Summary.created_at.type), sa.literal(product_id)
    )
    if sort == "newest":
        return newer
    if sort in ("stars", "price_desc"):  # descending like the tie-breakers: one tuple
        key = Summary.stars if sort == "stars" else Summary.price_desc_key
        return sa.tuple_(key, Summary.created_at, Summary.product_id) < sa.tuple_(
            sa.literal(first),
            sa.literal(created_at, Summary.created_at.type),
            sa.literal(product_id),
        )
    if first is None:  # among the products without a price, which come last
        return sa.and_(Summary.price_from.is_(None), newer)
    return sa.or_(
        Summary.price_from > first,
        sa.and_(Summary.price_from == first, newer),
        Summary.price_from.is_(None),
    )


def after(filters: Filters, cursor: str | None) -> Page:
    """A page of `filters.per_page` rows after the cursor's row (from the first row, or from
    `filters.page` by number, without one), with the cursor of the next page: deep pages cost
    what the first does, and a product listed or unlisted meanwhile shifts nothing."""
    if cursor is not None:
        where = _after(filters.sort, decode_cursor(cursor, filters.sort))
        query = _page(filters, filters.per_page + 1, where=where)
    else:
        query = _page(filters, filters.per_page + 1, (filters.page - 1) * filters.per_page)
    rows = db.session.execute(query).unique().all()
    found = [(p, c) for p, c in rows[: filters.per_page]]
    following = encode_cursor(filters.sort, *found[-1]) if len(rows) > filters.per_page else None
    return Page(
        rows=found,
        total=total(filters),
        filters=filters,
        keyset=True,
        next_after=following,
        by_cursor=cursor is not None,
    )


def browse(filters: Filters) -> Page:
    """One page of listable products matching the filters: 4 queries whatever the page size
    and order (the count, the page, its variants, its images; 3 while the total is kept)."""
    return Page(rows=shelf(filters), total=total(filters), filters=filters)


def count_matching(filters: Filters) -> int:
    """How many listable products match the filters (any page, any order): one count over
    the summary's rows valid today."""
    query = sa.select(sa.func.count()).select_from(Summary)
    return db.session.scalar(query.where(*listed_on(clock.today()), *_conditions(filters))) or 0


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
    3 queries whatever the page size and order (the page, its variants, its images)."""
    query = _page(filters, filters.per_page, (filters.page - 1) * filters.per_page)
    return [(p, c) for p, c in db.session.execute(query).unique().all()]


def group_counts() -> dict[str, int]:
    """How many listable products each OCOP group has (for the home page)."""
    rows = db.session.execute(
        sa.select(Summary.group_code, sa.func.count())
        .where(*listed_on(clock.today()))
        .group_by(Summary.group_code)
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
