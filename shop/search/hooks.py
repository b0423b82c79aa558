"""Keeping the search index in step with the database, only once a transaction commits.

After each flush the ids of touched products are noted on the session (a producer counts for
all its products). The Whoosh index is updated after the commit, from a fresh session, so a
rollback leaves no trace; the PostgreSQL backend writes its rows just before the commit, in
the same transaction, so they commit or roll back with the change itself.
"""

from __future__ import annotations

import logging
from itertools import chain

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from shop.catalog.models import Product, ProductImage, Variant
from shop.certification.models import Certificate
from shop.producers.models import Producer

log = logging.getLogger(__name__)
_PRODUCTS = "search_products"
_PRODUCERS = "search_producers"


def _note_changes(session: Session, _context) -> None:
    products: set[int] = session.info.setdefault(_PRODUCTS, set())
    producers: set[int] = session.info.setdefault(_PRODUCERS, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Product):
            products.add(obj.id)
        elif isinstance(obj, Variant | Certificate | ProductImage):
            products.add(obj.product_id)
        elif isinstance(obj, Producer):
            producers.add(obj.id)


def mark_products(*product_ids: int) -> None:
    """Note products for the index whose rows (or their certificates', variants') changed by an
    UPDATE statement, which the flush does not see (a conditional `change()`)."""
    from shop.extensions import db

    db.session().info.setdefault(_PRODUCTS, set()).update(product_ids)


def _take(session: Session, query_session: Session) -> set[int]:
    products = session.info.pop(_PRODUCTS, set())
    producers = session.info.pop(_PRODUCERS, set())
    if producers:
        products |= set(
            query_session.scalars(sa.select(Product.id).where(Product.producer_id.in_(producers)))
        )
    products.discard(None)
    return products


def _transactional() -> bool:
    return current_app.config.get("SEARCH_BACKEND") == "postgres"


def _before_commit(session: Session) -> None:
    if not has_app_context() or not _transactional():
        return
    session.flush()  # the commit's own flush comes after this hook: note its changes now
    if not session.info.get(_PRODUCTS) and not session.info.get(_PRODUCERS):
        return
    from shop.search import sync

    sync(_take(session, session), session)


def _after_commit(session: Session) -> None:
    if not has_app_context() or _transactional():
        return
    if not session.info.get(_PRODUCTS) and not session.info.get(_PRODUCERS):
        return
    from shop.extensions import db
    from shop.search import backend, sync

    engine = backend()
    if not engine.exists():  # built in full, from the database, on first use
        _forget(session)
        return
    with Session(db.engine) as fresh:
        ids = _take(session, fresh)
        try:
            sync(ids, fresh)
        except Exception:  # the commit stands; `flask search check` shows the drift
            log.exception("search index not updated for products %s", sorted(ids)[:20])


def _forget(session: Session) -> None:
    session.info.pop(_PRODUCTS, None)
    session.info.pop(_PRODUCERS, None)


def register_session_hooks() -> None:
    """Listen to every session's flushes and commits (once per process)."""
    hooks = (
        ("after_flush", _note_changes),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_rollback", _forget),
    )
    for name, handler in hooks:
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)
