"""Whoosh past the size it serves well: a warning that points to the PostgreSQL backend.

Whoosh answers a search in Python over every matching posting, so its time grows with the
catalogue: at 10,000 products a search takes 70 ms at p95 with one search at a time and the
whole shop serves 38 searches/s; at 100,000 it takes 0.9-1.5 s and serves 7/s, while
PostgreSQL serves 45/s (docs/benchmarks.md, "Whoosh above 20,000 products"). Above
WHOOSH_MAX_PRODUCTS products in the index (20,000 by default, a little more than the national
OCOP catalogue of about 17,000), the shop says so, in the log (at the first search of each
process and after each rebuild), in `flask search reindex`, on /healthz and on the staff
front page, and keeps serving: refusing to start, or to search, would take a working shop
down the day one more product is approved, for a slowness that only an operator can end by
giving the shop a PostgreSQL database.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

log = logging.getLogger(__name__)

HOW_TO_SWITCH = (
    "set DATABASE_URL to a PostgreSQL database and SEARCH_BACKEND=postgres, "
    "then run `flask search reindex` (README, 'Running on PostgreSQL')"
)


def whoosh_oversize(documents: int | None = None) -> int | None:
    """The number of products in the Whoosh index when it is above WHOOSH_MAX_PRODUCTS, else
    None (also on PostgreSQL, and when there is no index yet). `documents`: a count just made."""
    from shop.search import backend

    engine = backend()
    if engine.name != "whoosh":
        return None
    if documents is None:
        documents = engine.document_count()
    limit = current_app.config["WHOOSH_MAX_PRODUCTS"]
    return documents if documents is not None and limit and documents > limit else None


def log_message(documents: int) -> str:
    """The warning for logs and /healthz, in English."""
    return (
        f"The Whoosh search index holds {documents:,} products, more than "
        f"WHOOSH_MAX_PRODUCTS={current_app.config['WHOOSH_MAX_PRODUCTS']:,}: searches get slow "
        f"as the catalogue grows. Switch to the PostgreSQL search backend: "
        f"{HOW_TO_SWITCH}."
    )


def staff_message(documents: int) -> str:
    """The warning for staff, in the page's language."""
    return _(
        "Search uses Whoosh, and its index holds %(documents)s products, more than the "
        "%(limit)s it serves well: searches get slow. Switch to the PostgreSQL search "
        "backend: set DATABASE_URL to a PostgreSQL database and SEARCH_BACKEND=postgres, then "
        "run “flask search reindex”.",
        documents=format_decimal(documents),
        limit=format_decimal(current_app.config["WHOOSH_MAX_PRODUCTS"]),
    )


def warn_if_oversize(documents: int | None = None) -> int | None:
    """Log the warning when the Whoosh index is past the limit; returns the count if so."""
    found = whoosh_oversize(documents)
    if found is not None:
        log.warning("%s", log_message(found))
    return found
