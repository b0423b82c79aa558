"""/healthz: may this process take traffic? For load balancers, monitors and start-up scripts.

200 `{"status": "ok", ...}` when the database answers `SELECT 1` within HEALTH_DB_TIMEOUT_MS
and the search backend is usable; 503 with the failing check named otherwise. It touches no
session (no cookie is set), is exempt from rate limits and CSRF, and is not in the sitemap.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from shop.extensions import csrf, db, limiter

bp = Blueprint("health", __name__)

OK, FAILING = "ok", "failing"


def database_answers() -> bool:
    """True when `SELECT 1` succeeds on a pooled connection, within the health timeout."""
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                timeout = int(current_app.config["HEALTH_DB_TIMEOUT_MS"])
                connection.execute(sa.text(f"SET LOCAL statement_timeout = {timeout}"))
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check: the database does not answer: %s", error)
        return False
    return True


def search_usable() -> bool:
    """True when the configured search backend can answer.

    PostgreSQL search lives in the same database: its table must be readable. A Whoosh index
    that is missing or damaged is rebuilt from the database on first use, so it is usable as
    long as it opens or its folder can be created and written.
    """
    from shop.search import backend

    engine = backend()
    try:
        if engine.name == "postgres":
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1 FROM product_search LIMIT 1"))
            return True
        if engine.exists():
            return True
        folder = engine.path
        while not folder.exists():  # the nearest folder the index could be created in
            folder = folder.parent
        return folder.is_dir() and os.access(folder, os.W_OK)
    except (SQLAlchemyError, OSError) as error:
        current_app.logger.warning("health check: search is not usable: %s", error)
        return False


def search_warnings() -> list[str]:
    """What an operator should change although the shop serves: a Whoosh index past
    WHOOSH_MAX_PRODUCTS (shop/search/size.py), in English."""
    from shop.search.size import log_message, whoosh_oversize

    documents = whoosh_oversize()
    return [log_message(documents)] if documents is not None else []


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """200 when the database and search answer, 503 (naming what fails) when not."""
    checks = {"database": OK if database_answers() else FAILING}
    if checks["database"] == OK:
        checks["search"] = OK if search_usable() else FAILING
    healthy = all(value == OK for value in checks.values())
    found = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if checks.get("search") == OK:
        warnings = search_warnings()
        if warnings:
            found["warnings"] = warnings  # still 200: the shop serves, only slower
    response = jsonify(found)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    if not healthy:
        response.headers["Retry-After"] = str(current_app.config["DB_UNAVAILABLE_RETRY_AFTER"])
    return response
