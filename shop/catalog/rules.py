"""The catalogue's rules, each said once: what is listable (and why not), the price a product
is shown "from", and when stock is low.

The listable rule. A product is shown and sold on a day while all of its PARTS hold:

1. its producer is active,
2. the product itself is active (published: not a draft, not hidden),
3. it has a current certificate: approved (revoked and rejected certificates have their own
   status, so "approved" already means "not revoked") and `expires_on` not before the day,
   which is the calendar date in Vietnam (`shop.clock.today()`), so no job is needed.

Everything that asks "is it listed?" builds on these parts: the storefront, the cart, the
API and the sitemap through `listable_products()` / `listable_ids()` / `is_listable()`, the
search indexer through `listable_on_some_day()` (the same parts without the date: its
queries drop expired certificates on the day itself), and the "why unlisted" explanation
through `unlisted_reasons()`, which evaluates the same parts in one query and names the first
that fails, so the explanation and the listing cannot disagree.

At 100,000 products the storefront does not evaluate the parts per request: it reads
`ListingSummary`, rows derived from the parts (`shop.catalog.summary`) in the transaction of
every change that feeds them, each saying on which days (`valid_from`..`valid_until`) the
product is listable and with which current certificate. `is_listable()` and
`listable_products()` read it; `listable_by_parts()` is the same rule over the sources, which
the summary is built from and tested against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from shop import clock
from shop.catalog.models import ListingSummary, Product, Variant
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from shop.extensions import db
from shop.producers.models import Producer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LOW_STOCK = 5  # a variant (or, in the API, a product in total) with this many units or fewer
ANY_DAY = None  # `_certificate_valid(ANY_DAY)`: approved, whatever its expiry
# Which of a product's certificates is its current one: the newest decision among the valid.
NEWEST_CERTIFICATE_FIRST = (Certificate.decision_date.desc(), Certificate.id.desc())


# --- the listable rule ---------------------------------------------------------------------


def _producer_active(_day: dt.date | None) -> sa.ColumnElement[bool]:
    return Producer.status == ProducerStatus.ACTIVE


def _product_active(_day: dt.date | None) -> sa.ColumnElement[bool]:
    return Product.status == ProductStatus.ACTIVE


def _certificate_valid(day: dt.date | None) -> list[sa.ColumnElement[bool]]:
    """The conditions on one of the product's certificates for it to be current on `day`
    (on ANY_DAY: approved, whatever its expiry)."""
    conditions = [Certificate.product_id == Product.id, certificate_approved()]
    if day is not ANY_DAY:
        conditions.append(Certificate.expires_on >= day)
    return conditions


def certificate_approved() -> sa.ColumnElement[bool]:
    """A certificate that may make its product listable (on the days until it expires)."""
    return Certificate.status == CertificateStatus.APPROVED


def _has_certificate(day: dt.date | None) -> sa.ColumnElement[bool]:
    return sa.exists().where(*_certificate_valid(day))


@dataclass(frozen=True)
class Part:
    """One condition of the listable rule, on `Product` joined to its `Producer`."""

    name: str
    holds: Callable[[dt.date | None], sa.ColumnElement[bool]]


PRODUCER_ACTIVE = Part("producer_active", _producer_active)
PRODUCT_ACTIVE = Part("product_active", _product_active)
CURRENT_CERTIFICATE = Part("current_certificate", _has_certificate)
# In the order the explanation checks them: the first that fails is the reason given.
PARTS = (PRODUCER_ACTIVE, PRODUCT_ACTIVE, CURRENT_CERTIFICATE)


def listed_on(day: dt.date) -> list[sa.ColumnElement[bool]]:
    """The conditions on a `ListingSummary` row for its product to be listable on `day`."""
    return [ListingSummary.valid_from <= day, ListingSummary.valid_until >= day]


def is_listable(day: dt.date | None = None) -> sa.ColumnElement[bool]:
    """The listable rule as one condition on `Product`: the product has a summary row valid on
    `day` (a yes/no column where a query needs to know for each row)."""
    return sa.exists().where(
        ListingSummary.product_id == Product.id, *listed_on(day or clock.today())
    )


def listable_by_parts(day: dt.date | None = None) -> sa.ColumnElement[bool]:
    """The listable rule over its sources, on `Product` joined to its `Producer`: what
    `ListingSummary` is derived from, and what `is_listable()` must always agree with."""
    day = day or clock.today()
    return sa.and_(*(part.holds(day) for part in PARTS))


def listable_on_some_day() -> sa.ColumnElement[bool]:
    """The rule without the date: listable on some day (the search index holds these and
    drops the expired ones at query time, by each document's `valid_until`)."""
    return sa.and_(*(part.holds(ANY_DAY) for part in PARTS))


def has_current_certificate(day: dt.date | None = None) -> sa.ColumnElement[bool]:
    """Correlated EXISTS: the product has a current certificate on `day` (the rule's third
    part alone; it stops at the first index entry instead of ordering the certificates)."""
    return CURRENT_CERTIFICATE.holds(day or clock.today())


def current_certificate_id(day: dt.date | None = None) -> sa.ScalarSelect:
    """Correlated subquery: the id of the product's newest certificate current on `day`.

    It finds one exactly when `has_current_certificate(day)` holds (same conditions).
    """
    return (
        sa.select(Certificate.id)
        .where(*_certificate_valid(day or clock.today()))
        .order_by(*NEWEST_CERTIFICATE_FIRST)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


def listable_products(day: dt.date | None = None) -> sa.Select[tuple[Product, Certificate]]:
    """Products the shop may show and sell on `day`, each with its current certificate.

    Read from `ListingSummary` (its row valid on `day` names the current certificate), so
    callers may filter and order by the summary's columns too. Every storefront path builds
    on this select; callers add filters, ordering and paging. `Product.producer` is loaded
    by the same query.
    """
    day = day or clock.today()
    return (
        sa.select(Product, Certificate)
        .select_from(ListingSummary)
        .join(Product, Product.id == ListingSummary.product_id)
        .join(Product.producer)
        .join(Certificate, Certificate.id == ListingSummary.certificate_id)
        .where(*listed_on(day))
        .options(contains_eager(Product.producer))
    )


def listable_ids(day: dt.date | None = None) -> sa.Select[tuple[int]]:
    """The ids of `listable_products(day)`, by the same rule, without the certificate row."""
    return (
        sa.select(Product.id)
        .select_from(ListingSummary)
        .join(Product, Product.id == ListingSummary.product_id)
        .where(*listed_on(day or clock.today()))
    )


# --- why a product is not listed -----------------------------------------------------------

# Every reason code `unlisted_reasons()` can give (shop.labels.UNLISTED_REASONS names them).
REASONS = (
    "producer_suspended",
    "product_draft",
    "product_hidden",
    "no_certificate",
    "certificate_pending",
    "certificate_changes_requested",
    "certificate_rejected",
    "certificate_revoked",
    "certificate_expired",
)


def _newest_certificate_status() -> sa.ScalarSelect:
    return (
        sa.select(Certificate.status)
        .where(Certificate.product_id == Product.id)
        .order_by(*NEWEST_CERTIFICATE_FIRST)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


def _reason(failed: str, product_status: str, newest: str | None) -> str:
    """The code for the first part that failed, made precise by what the product holds."""
    if failed == PRODUCER_ACTIVE.name:
        return "producer_suspended"
    if failed == PRODUCT_ACTIVE.name:
        return f"product_{ProductStatus(product_status).value}"
    if newest is None:
        return "no_certificate"
    if newest == CertificateStatus.APPROVED:
        return "certificate_expired"  # approved, but no approved one is valid today
    return f"certificate_{CertificateStatus(newest).value}"


def unlisted_reasons(
    product_ids: Iterable[int], day: dt.date | None = None, session: Session | None = None
) -> dict[int, str | None]:
    """For each product, the code of why it is not on sale on `day`, or None if it is.

    One query evaluates the rule (`is_listable`, from the summary) and each of its parts as
    columns: None exactly when the rule holds, otherwise the first part that fails (the
    summary agrees with the parts, tests/integration/test_listing_summary.py).
    """
    ids = set(product_ids)
    if not ids:
        return {}
    day = day or clock.today()
    columns = [part.holds(day).label(part.name) for part in PARTS]
    rows = (session or db.session).execute(
        sa.select(
            Product.id,
            Product.status,
            _newest_certificate_status(),
            is_listable(day).label("listed"),
            *columns,
        )
        .join(Product.producer)
        .where(Product.id.in_(ids))
    )
    reasons: dict[int, str | None] = {}
    for row in rows:
        if row.listed:
            reasons[row[0]] = None
            continue
        failed = next((part.name for part in PARTS if not row._mapping[part.name]), None)
        reasons[row[0]] = _reason(failed or CURRENT_CERTIFICATE.name, row[1], row[2])
    return reasons


def unlisted_reason(product: Product, day: dt.date | None = None) -> str | None:
    """Why a product is not on sale (a code for the producer's view), or None if it is."""
    return unlisted_reasons([product.id], day).get(product.id)


# --- the price a product is shown "from" ---------------------------------------------------


def price_from_sql() -> sa.ColumnElement[int]:
    """The aggregate of the price a product is shown from: its cheapest variant's price."""
    return sa.func.min(Variant.price)


def price_from(product: Product) -> int | None:
    """The price `product` is shown from (its cheapest variant), None without variants."""
    prices = [v.price for v in product.variants]
    return min(prices) if prices else None


def price_to(product: Product) -> int | None:
    """The dearest variant's price (a range "from … to …"), None without variants."""
    prices = [v.price for v in product.variants]
    return max(prices) if prices else None
