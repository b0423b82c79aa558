"""Search: one interface (`search_products`, `suggest`, `reindex`, `check`) over two backends.

SEARCH_BACKEND chooses `whoosh` (a file index in the instance folder, the default) or
`postgres` (full-text search in the shared database). Whatever the backend answers, the
products shown are loaded through `listable_products()`, so search can never show a product
the listable rule hides.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from shop import clock
from shop.catalog.models import Product
from shop.catalog.services import listable_products, with_card_data
from shop.certification.models import Certificate
from shop.extensions import db
from shop.producers.models import Producer
from shop.search.base import SearchQuery, SearchResult, Suggestion
from shop.search.documents import all_documents, documents_for, indexable_count, indexable_ids

log = logging.getLogger(__name__)


def backend():
    """The configured backend, one per application."""
    found = current_app.extensions.get("search_backend")
    if found is None:
        kind = current_app.config.get("SEARCH_BACKEND", "whoosh")
        if kind == "postgres":
            from shop.search.postgres_backend import PostgresBackend

            found = PostgresBackend()
        else:
            from shop.search.whoosh_backend import WhooshBackend

            path = (
                current_app.config.get("SEARCH_INDEX_PATH")
                or Path(current_app.instance_path) / "search"
            )
            found = WhooshBackend(Path(path))
        current_app.extensions["search_backend"] = found
        if kind != "postgres":
            _warn_if_oversize()  # once per process and app: in the log at its first search
    return found


def _warn_if_oversize(documents: int | None = None) -> None:
    """Log that the Whoosh index is past WHOOSH_MAX_PRODUCTS (never fails a search)."""
    from shop.search import size

    try:
        size.warn_if_oversize(documents)
    except Exception:  # a damaged index is rebuilt by the search itself
        log.debug("search: the size check failed", exc_info=True)


def _with_rebuild(action: Callable):
    """Run a read; if the Whoosh index is missing or damaged, rebuild it and try once more."""
    from shop.search.whoosh_backend import IndexUnavailable

    try:
        return action()
    except IndexUnavailable as error:
        log.warning("search index unavailable (%s): rebuilding from the database", error)
        reindex()
        return action()


def query_for(text: str, filters) -> SearchQuery:
    """The search for `text` with the catalogue's filters, sort and paging (a browse.Filters)."""
    return SearchQuery(
        text=text,
        today=clock.today(),
        stars=filters.stars,
        product_set=filters.product_set,
        group=filters.group,
        province=filters.province,
        price_min=filters.price_min,
        price_max=filters.price_max,
        sort=filters.sort,
        page=filters.page,
        per_page=filters.per_page,
    )


def search_products(q: SearchQuery) -> tuple[list[tuple[Product, Certificate]], SearchResult]:
    """One page of listable products matching the query, in the backend's order."""
    result = _with_rebuild(lambda: backend().search(q))
    if not result.ids:
        return [], result
    rows = (
        db.session.execute(
            with_card_data(listable_products(q.today).where(Product.id.in_(result.ids)))
        )
        .unique()
        .all()
    )
    by_id = {product.id: (product, certificate) for product, certificate in rows}
    return [by_id[i] for i in result.ids if i in by_id], result


def suggest(text: str, limit: int = 8, today: dt.date | None = None) -> list[Suggestion]:
    """Autocomplete: product names (and a few producers) completing what was typed.

    Like the results page, what is offered passes through `listable_products()` (one query),
    so a stale index entry can never be suggested.
    """
    day = today or clock.today()
    found = _with_rebuild(lambda: backend().suggest(text, day, limit))
    if not found:
        return []
    listed = _listed_slugs(found, day)
    return [s for s in found if s.slug in listed[s.kind]]


def _listed_slugs(found: list[Suggestion], day: dt.date) -> dict[str, set[str]]:
    """Of the suggested products and producers, the slugs the listable rule lets through.

    Two lookups by slug (unique indexes), not one with `product OR producer`, which makes
    PostgreSQL read every product (33 ms at 100,000, docs/benchmarks.md).
    """
    products = [s.slug for s in found if s.kind == "product"]
    producers = [s.slug for s in found if s.kind == "producer"]
    listed: dict[str, set[str]] = {"product": set(), "producer": set()}
    if products:
        query = listable_products(day).where(Product.slug.in_(products))
        listed["product"] = set(db.session.scalars(query.with_only_columns(Product.slug)))
    if producers:
        query = listable_products(day).where(Producer.slug.in_(producers))
        listed["producer"] = set(
            db.session.scalars(query.with_only_columns(Producer.slug).distinct())
        )
    return listed


def sync(product_ids: set[int], session=None) -> None:
    """Bring these products' index entries in line with the database."""
    documents, gone = documents_for(product_ids, session)
    engine = backend()
    if hasattr(engine, "update"):  # PostgreSQL: both in one pass (see its update())
        engine.update(documents, gone)
        return
    engine.index(documents)
    engine.remove(gone)


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the database; returns the number of documents."""
    engine = backend()
    total = indexable_count()
    engine.clear()
    done = 0
    for batch in all_documents():
        engine.index(batch)
        done += len(batch)
        if progress:
            progress(done, total)
    if engine.name == "whoosh":
        _warn_if_oversize(done)
    return done


def check() -> tuple[set[int], set[int]]:
    """(ids missing from the index, ids in the index that should not be there).

    A backend whose index spans several tables (PostgreSQL: the documents and autocomplete's
    rows) counts a product indexed only when every part agrees (`indexed_ids`), and reports
    as extra any id held anywhere (`held_ids`) that should not be.
    """
    engine = backend()
    expected = indexable_ids()
    present = _with_rebuild(lambda: engine.indexed_ids())
    held = engine.held_ids() if hasattr(engine, "held_ids") else present
    return expected - present, held - expected


__all__ = [
    "SearchQuery",
    "SearchResult",
    "Suggestion",
    "backend",
    "query_for",
    "check",
    "reindex",
    "search_products",
    "suggest",
    "sync",
]
