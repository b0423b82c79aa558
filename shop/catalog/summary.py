"""Keeping `ListingSummary` true in the transaction of every change that feeds it.

The summary is derived from the listable rule's parts (`shop.catalog.rules`): a product whose
producer and itself are active gets one row per stretch of days with one current certificate
(the newest approved one not expired that day); other products get none. Two paths write the
sources, and both recompute the touched products' rows before the transaction commits:

- the unit of work: after each flush, the products behind every new, deleted or changed
  Product, Variant (price), Certificate, Producer and ProductSet are recomputed;
- UPDATE and DELETE statements on those models run through the session (a conditional
  `shop.conditional.change()`, a bulk update), which the flush never sees: the rows they are
  about to touch are selected first, and their products recomputed after the statement.

Statements on the tables that bypass the session's ORM (Core on a connection, raw SQL) are not
seen: such writers call `refresh()` themselves (the benchmark's loader calls `rebuild()`).
`drift()` compares the rows with a full recomputation; the test suite checks it after every
test that uses the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import chain, islice

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from shop.catalog import rules
from shop.catalog.models import ListingSummary, Product, ProductSet, Variant
from shop.certification.models import Certificate
from shop.producers.models import Producer

BEGINNING = dt.date(1, 1, 1)  # `valid_from` of a product's first stretch: any day before it
CHUNK = 1_000  # product ids per IN list

# The columns whose change can change a product's rows, per model that feeds the summary.
FEEDS: dict[type, frozenset[str]] = {
    Product: frozenset({"status", "producer_id", "product_set_code", "created_at"}),
    Variant: frozenset({"price", "product_id"}),
    Certificate: frozenset({"status", "stars", "expires_on", "decision_date", "product_id"}),
    Producer: frozenset({"status", "province_code"}),
    ProductSet: frozenset({"group_code"}),
}
_TABLES = {model.__table__: model for model in FEEDS}
_COLUMNS = [c.name for c in ListingSummary.__table__.columns if c.name != "id"]


# --- computing the rows --------------------------------------------------------------------


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    it = iter(sorted(set(ids)))
    while batch := list(islice(it, CHUNK)):
        yield batch


def stretches(certificates: list[tuple[int, int, dt.date]]) -> list[tuple[dt.date, tuple]]:
    """A product's current certificate by day, from its approved certificates newest first
    (id, stars, expires_on): (first day, certificate) per stretch, each ending on the
    certificate's expiry. On a day the current one is the first in that order not yet expired,
    so a certificate is current after the expiry of all newer ones, until its own."""
    found: list[tuple[dt.date, tuple]] = []
    covered: dt.date | None = None
    for certificate in certificates:
        expires_on = certificate[2]
        if covered is None or expires_on > covered:
            start = BEGINNING if covered is None else covered + dt.timedelta(days=1)
            found.append((start, certificate))
            covered = expires_on
    return found


def compute(connection: sa.Connection, product_ids: list[int] | None) -> list[dict]:
    """The summary rows of these products (of every product with None), from the sources."""
    prices = sa.select(Variant.product_id, rules.price_from_sql().label("price")).group_by(
        Variant.product_id
    )
    products = (
        sa.select(
            Product.id,
            Product.producer_id,
            Product.product_set_code,
            Product.created_at,
            ProductSet.group_code,
            Producer.province_code,
        )
        .join(Product.producer)
        .join(ProductSet, ProductSet.code == Product.product_set_code)
        .where(
            rules.PRODUCER_ACTIVE.holds(rules.ANY_DAY), rules.PRODUCT_ACTIVE.holds(rules.ANY_DAY)
        )
    )
    certificates = (
        sa.select(Certificate.product_id, Certificate.id, Certificate.stars, Certificate.expires_on)
        .where(rules.certificate_approved())
        .order_by(Certificate.product_id, *rules.NEWEST_CERTIFICATE_FIRST)
    )
    if product_ids is not None:
        products = products.where(Product.id.in_(product_ids))
        certificates = certificates.where(Certificate.product_id.in_(product_ids))
        prices = prices.where(Variant.product_id.in_(product_ids))
    price_of = dict(connection.execute(prices).all())
    by_product: dict[int, list[tuple]] = {}
    for product_id, *certificate in connection.execute(certificates):
        by_product.setdefault(product_id, []).append(tuple(certificate))
    rows = []
    for product in connection.execute(products):
        for start, (certificate_id, stars, expires_on) in stretches(by_product.get(product.id, [])):
            rows.append(
                {
                    "product_id": product.id,
                    "certificate_id": certificate_id,
                    "valid_from": start,
                    "valid_until": expires_on,
                    "stars": stars,
                    "producer_id": product.producer_id,
                    "province_code": product.province_code,
                    "product_set_code": product.product_set_code,
                    "group_code": product.group_code,
                    "price_from": price_of.get(product.id),
                    "price_desc_key": price_of.get(product.id, -1),
                    "created_at": product.created_at,
                }
            )
    return rows


def lock(connection: sa.Connection, product_ids: Iterable[int]) -> None:
    """Take these products' rows for the transaction (PostgreSQL; SQLite has one writer).

    Two transactions changing one product's sources (a price, a certificate) would each
    recompute it without the other's change and both insert rows: the lock makes the second
    recompute after the first commits, reading both. Taken before the change is written and
    in id order, as `revisions.lock_product()` does (the product first, then what belongs to
    it), so it adds no deadlock with the use cases that lock the product first.
    """
    for batch in _chunks(i for i in product_ids if i is not None):
        connection.execute(
            sa.select(Product.id)
            .where(Product.id.in_(batch))
            .order_by(Product.id)
            .with_for_update()
        )


def refresh(connection: sa.Connection, product_ids: Iterable[int]) -> None:
    """Recompute these products' rows (delete, insert), on the caller's connection."""
    table = ListingSummary.__table__
    for batch in _chunks(i for i in product_ids if i is not None):
        lock(connection, batch)  # normally held already, from before the change
        connection.execute(sa.delete(table).where(table.c.product_id.in_(batch)))
        rows = compute(connection, batch)
        if rows:
            connection.execute(sa.insert(table), rows)


def rebuild(connection: sa.Connection) -> int:
    """Recompute every row (after a bulk load that bypassed the session); returns the count."""
    table = ListingSummary.__table__
    connection.execute(sa.delete(table))
    rows = compute(connection, None)
    for start in range(0, len(rows), 5_000):
        connection.execute(sa.insert(table), rows[start : start + 5_000])
    return len(rows)


def drift(connection: sa.Connection) -> tuple[set[tuple], set[tuple]]:
    """(rows stored but not derived, rows derived but not stored): both empty when true."""
    table = ListingSummary.__table__
    stored = {tuple(r) for r in connection.execute(sa.select(*(table.c[c] for c in _COLUMNS)))}
    derived = {tuple(r[c] for c in _COLUMNS) for r in compute(connection, None)}
    return stored - derived, derived - stored


# --- keeping them current ------------------------------------------------------------------


def _changed(obj: object, columns: frozenset[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def _touched_products(connection: sa.Connection, objects: Iterable[object]) -> set[int]:
    products: set[int] = set()
    producers: set[int] = set()
    sets: set[int] = set()
    for obj, changed in objects:
        if isinstance(obj, Product):
            products.add(obj.id)
        elif isinstance(obj, _Ref):
            products.add(obj.product_id)
        elif isinstance(obj, Variant | Certificate):
            products.add(obj.product_id)
            if changed is not None:  # moved to another product: the old one changes too
                old = sa.inspect(obj).attrs.product_id.history.deleted
                products.update(old or ())
        elif isinstance(obj, Producer):
            producers.add(obj.id)
        elif isinstance(obj, ProductSet):
            sets.add(obj.code)
    if producers or sets:
        products.update(
            connection.scalars(
                sa.select(Product.id).where(
                    sa.or_(Product.producer_id.in_(producers), Product.product_set_code.in_(sets))
                )
            )
        )
    return products


def _before_flush(session: Session, _context, _instances) -> None:
    """Lock the products whose sources this flush changes, before it writes them."""
    objects = []
    for obj in session.deleted:
        if type(obj) in FEEDS:
            objects.append((obj, None))
    for obj in session.dirty:
        columns = FEEDS.get(type(obj))
        if columns and _changed(obj, columns):
            objects.append((obj, True))
    for obj in session.new:  # a new variant or certificate of an existing product
        if isinstance(obj, Variant | Certificate):
            product = obj.product_id or (obj.product.id if obj.product is not None else None)
            if product is not None:
                objects.append((_Ref(product), None))
    if objects:
        connection = session.connection()
        lock(connection, _touched_products(connection, objects))


class _Ref:
    """A product known only by id (a new row's product, before the flush sets its key)."""

    def __init__(self, product_id: int):
        self.product_id = product_id


def _after_flush(session: Session, _context) -> None:
    objects = []
    for obj in chain(session.new, session.deleted):
        if type(obj) in FEEDS:
            objects.append((obj, None))
    for obj in session.dirty:
        columns = FEEDS.get(type(obj))
        if columns and _changed(obj, columns):
            objects.append((obj, True))
    if objects:
        connection = session.connection()
        refresh(connection, _touched_products(connection, objects))


def _statement_columns(statement) -> set[str] | None:
    """The column names an UPDATE sets (None when they cannot be told)."""
    values = getattr(statement, "_values", None)
    if not values:
        return None
    return {getattr(key, "key", None) or getattr(key, "name", None) or str(key) for key in values}


def _affected_products(model: type, where) -> sa.Select:
    """The products behind the rows of `model` an UPDATE or DELETE with `where` touches."""
    if model is Producer:
        return sa.select(Product.id).where(
            Product.producer_id.in_(sa.select(Producer.id).where(where))
        )
    if model is ProductSet:
        codes = sa.select(ProductSet.code).where(where)
        return sa.select(Product.id).where(Product.product_set_code.in_(codes))
    column = Product.id if model is Product else model.product_id
    return sa.select(column).where(where)


def _on_statement(state: ORMExecuteState):
    if not (state.is_update or state.is_delete):
        return None
    statement = state.statement
    model = _TABLES.get(getattr(statement, "table", None))
    if model is None:
        return None
    if state.is_update:
        columns = _statement_columns(statement)
        if columns is not None and not columns & FEEDS[model]:
            return None
    where = statement.whereclause if statement.whereclause is not None else sa.true()
    session = state.session
    before = set(session.execute(_affected_products(model, where)).scalars())
    lock(session.connection(), before)  # the products first, then their sources (see lock)
    result = state.invoke_statement()
    refresh(session.connection(), before)
    return result


def register_session_hooks() -> None:
    """Listen to every session's flushes and ORM statements (once per process)."""
    for name, handler in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_statement),
    ):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)
