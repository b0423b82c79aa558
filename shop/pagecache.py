"""The page cache: anonymous storefront pages and the API, kept whole, never stale.

A page is stored under a key made of
- the **version** of the shop's public data: the sum of the rows of `cache_versions`, one of
  which is raised by one UPDATE inside the very transaction of every change that can alter a
  storefront page (see "The version" below), so the commit that changes a page also retires
  every key made before;
- **Vietnam's current date** (`clock.today()`): a certificate expires by date, with no
  transaction at all, and the next day's keys are new;
- the **language** (cookie), the host and the path with its query string as sent (only the
  arguments the pages read are accepted; anything else is served uncached).
A reader that read version n before a change committed can only store what it then rendered
under n, which no one asks for once n + 1 is committed; so every worker and every app server
sees the change at its next request (they share the database, whatever their cache store).

Nothing personal is stored. The stored body has markers where the page shows the visitor's
CSRF token and cart count; each answer fills them from the request. The name of a signed-in
person, their menu and a flashed message are not filled in: such requests bypass the cache
(`X-Cache: bypass`), as do query strings with unknown arguments. A stored answer is a 200
whose view set no cookie and flashed nothing; errors and redirects are never stored.

Each answer carries a weak ETag (the stored body's hash, and for pages with markers the
visitor's cart count and CSRF secret); an `If-None-Match` naming it gets a 304. Pages say
`Cache-Control: private, no-cache`, so a browser asks again each time and no shared cache
keeps them; `Vary: Cookie, Accept-Encoding`.

The store is a Flask-Caching backend (`CACHE_TYPE`): SimpleCache in the process by default,
bounded by `CACHE_THRESHOLD` entries, or RedisCache when `REDIS_URL` is set, each entry kept
at most `CACHE_DEFAULT_TIMEOUT` seconds. `PAGE_CACHE = False` turns it all off.

The version
-----------
Every statement sent to the database passes `_note_write` (an engine event): an INSERT,
UPDATE or DELETE on a table not in `PRIVATE_TABLES` marks the connection. When that
connection commits (`_bump_on_commit`, the engine's commit event: every commit, whether the
session's, a use case's, a command's or an `engine.begin()` block's), it first sends
`UPDATE cache_versions SET n = n + 1` on one of its STRIPES rows, in the same transaction,
just before COMMIT; a rollback forgets the mark. Flushes, `shop.conditional.change()`'s conditional UPDATEs and the
stock UPDATEs of checkout are all statements, so nothing needs to remember to call anything.
That row is locked from the UPDATE to the COMMIT only, and eight rows let concurrent commits
pass each other, so orders do not queue behind one lock. Tables that feed no public page (carts, orders,
payments, mail, the audit log, log-ins…) do not raise it, so adding to a cart leaves every
page cached.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
import weakref
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from flask_caching import Cache
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import Engine

from shop import clock
from shop.extensions import db

cache = Cache()

# The version is the sum of STRIPES rows (pages-0 … pages-7); a commit raises one of them, at
# random, so concurrent orders rarely wait for the same row lock. Every row only goes up, so
# every commit raises the sum, and a reader's one SELECT sees it before or after, whole.
STRIPES = 8

# Tables whose rows no storefront page, sitemap or API answer shows. Every other table's
# change raises the version (a new table does too, until someone lists it here).
PRIVATE_TABLES = frozenset(
    {
        "cache_versions",
        "carts",
        "cart_lines",
        "orders",
        "sub_orders",
        "order_lines",
        "sub_order_events",
        "payments",
        "webhook_events",
        "outbox_messages",
        "audit_entries",
        "login_events",
        "consents",
        "addresses",
        "certificate_reminders",
        "search_terms",
        # the search index feeds the search page and `q`, which are never cached
        "product_search",
        "search_suggestions",
        "search_producer_suggestions",
        "alembic_version",
    }
)

# The endpoints served from the cache, for anonymous visitors.
CACHED_ENDPOINTS = frozenset(
    {
        "catalog.home",
        "catalog.catalogue",
        "catalog.province",
        "catalog.producer",
        "catalog.product",
        "seo.robots",
        "seo.sitemap_index",
        "seo.sitemap_pages",
        "seo.sitemap_products",
        "api.products",
        "api.product",
        "api.producers",
        "api.producer",
        "api.product_sets",
        "api.provinces",
        "api.openapi_document",
    }
)
# The query arguments those pages read (browse.parse_filters); a request with any other, or a
# query string longer than MAX_QUERY, is answered without the cache. The API's `q` is one: a
# search answer comes from an index updated after the commit, so it is never stored.
QUERY_ARGS = frozenset(
    {
        "set",
        "group",
        "province",
        "producer",
        "stars",
        "price_min",
        "price_max",
        "sort",
        "page",
        "per_page",
    }
)
MAX_QUERY = 300
STORED_TYPES = frozenset({"text/html", "application/json", "application/xml", "text/plain"})
# Headers of the view's answer not kept with the body (the rest, e.g. Cache-Control, is).
UNSTORED_HEADERS = frozenset(
    {"set-cookie", "content-length", "etag", "date", "vary", "x-cache", "content-encoding"}
)

_WRITE = re.compile(
    r"^\s*(?:UPDATE|INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE
)
_DIRTY = "page_cache_dirty"
BUMP_SQL = "UPDATE cache_versions SET n = n + 1 WHERE name = 'pages-{stripe}'"
VERSION_SQL = "SELECT sum(n) FROM cache_versions"


class CacheVersion(db.Model):
    """The version of everything public pages show (the sum of the rows), raised by each change."""

    __tablename__ = "cache_versions"

    name = sa.Column(sa.String(20), primary_key=True)
    n = sa.Column(sa.BigInteger, nullable=False)


def bump_sql() -> str:
    return BUMP_SQL.format(stripe=random.randrange(STRIPES))


def first_version() -> int:
    """A random start: a database made again (tests, a restore) never meets old keys."""
    return secrets.randbelow(2**40)


@event.listens_for(CacheVersion.__table__, "after_create")
def _insert_row(target, connection, **kw) -> None:
    rows = [{"name": f"pages-{i}", "n": first_version()} for i in range(STRIPES)]
    connection.execute(target.insert(), rows)
    _has_table.add(connection.engine)


@event.listens_for(CacheVersion.__table__, "after_drop")
def _dropped(target, connection, **kw) -> None:
    _has_table.discard(connection.engine)


# Engines whose database has been seen holding the table. Only "yes" is remembered: a
# database not migrated yet is asked again at each writing commit (the bump would fail
# there), so the first commit after the migration already raises the version.
_has_table: weakref.WeakSet = weakref.WeakSet()


def _table_exists(conn) -> bool:
    if conn.engine in _has_table:
        return True
    if sa.inspect(conn).has_table("cache_versions"):
        _has_table.add(conn.engine)
        return True
    return False


# --- the version ------------------------------------------------------------------------------


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    match = _WRITE.match(statement)
    if match and match.group(1).lower() not in PRIVATE_TABLES:
        conn.info[_DIRTY] = True


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn) -> None:
    if (
        conn.info.pop(_DIRTY, None)
        and conn.get_execution_options().get("page_cache_bump", True)
        and _table_exists(conn)
    ):
        conn.exec_driver_sql(bump_sql())


def bump_after_migrations(conn) -> None:
    """Migrations run without bumping (the table may not exist at their revision); once they
    are done, one bump retires whatever a shared store kept from before."""
    conn.info.pop(_DIRTY, None)
    _has_table.discard(conn.engine)  # a downgrade may have dropped it: ask again
    if _table_exists(conn):
        conn.exec_driver_sql(bump_sql())
        conn.commit()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn) -> None:
    conn.info.pop(_DIRTY, None)


def current_version() -> int | None:
    """The committed version as this request's transaction sees it (None: no rows, or no
    database: the request goes on without the cache, and meets the error where it did)."""
    try:  # plain SQL on the session's connection: its transaction, without the ORM's work
        return db.session.connection().exec_driver_sql(VERSION_SQL).scalar()
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None


# --- serving ----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Wire the store and the two hooks. Call it after compression.init_app: after-request
    hooks run in reverse order, so the page is stored and filled before it is compressed."""
    config = app.config
    config.setdefault("PAGE_CACHE", True)
    if not config.get("CACHE_TYPE"):
        config["CACHE_TYPE"] = "RedisCache" if config.get("REDIS_URL") else "SimpleCache"
    if not config.get("CACHE_REDIS_URL"):
        config["CACHE_REDIS_URL"] = config.get("REDIS_URL")
    config["CACHE_THRESHOLD"] = config.get("CACHE_THRESHOLD") or 300
    config["CACHE_DEFAULT_TIMEOUT"] = config.get("CACHE_DEFAULT_TIMEOUT") or 600
    config["CACHE_KEY_PREFIX"] = config.get("CACHE_KEY_PREFIX") or "ocop-page:"
    cache.init_app(app)
    app.before_request(_serve_from_cache)
    app.after_request(_store_and_fill)

    @app.context_processor
    def cart_count_marker() -> dict[str, Any]:
        if g.get("page_cache") == "miss":
            return {"cart_count": _marker("cart")}
        return {}


def _marker(name: str) -> Markup:
    nonce = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), b"page-cache-marker", hashlib.sha256
    ).hexdigest()[:16]
    return Markup(f"<!--pc:{nonce}:{name}-->")


def _bypass_reason() -> str | None:
    """Why this request must not use the cache (None: it may)."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return "endpoint"
    if (
        "_user_id" in session
        or current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    ):
        return "signed-in"
    if session.get("_flashes"):
        return "flash"
    if len(request.query_string) > MAX_QUERY or any(k not in QUERY_ARGS for k in request.args):
        return "query"
    return None


def _key(version: int) -> str:
    language = request.cookies.get("lang")
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    query = request.query_string.decode("latin-1")
    raw = f"{version}|{clock.today().isoformat()}|{language}|{request.host_url}|{request.path}?{query}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _serve_from_cache() -> Response | None:
    if not current_app.config["PAGE_CACHE"] or request.endpoint not in CACHED_ENDPOINTS:
        return None
    reason = _bypass_reason()
    if reason:
        g.page_cache = "bypass"
        return None
    version = current_version()
    if version is None:
        g.page_cache = "bypass"
        return None
    key = _key(version)
    entry = cache.get(key)
    if entry is None:
        g.page_cache = "miss"
        g.page_cache_key = key
        return None
    g.page_cache = "hit"
    response = Response(entry["body"], status=200, mimetype=entry["mimetype"])
    for name, value in entry["headers"]:
        response.headers[name] = value
    response.set_etag(entry["etag"], weak=True)
    return response


def _store_and_fill(response: Response) -> Response:
    state = g.get("page_cache")
    if state is None:
        return response
    response.headers["X-Cache"] = state
    if state == "bypass":
        return response
    if state == "miss":
        if not _storable(response):  # an error page, a redirect…: not kept, its count filled
            response.headers["X-Cache"] = "bypass"
            if not response.is_streamed and not response.direct_passthrough:
                cart_mark = _marker("cart").encode()
                body = response.get_data()
                if cart_mark in body:
                    response.set_data(body.replace(cart_mark, str(_cart_count()).encode()))
            return response
        body = response.get_data()
        token = g.get("csrf_token")  # Flask-WTF keeps this request's signed token in g
        if token:
            body = body.replace(token.encode(), _marker("csrf").encode())
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in UNSTORED_HEADERS and name.lower() != "content-type"
        ]
        etag = hashlib.sha256(body).hexdigest()[:32]
        entry = {"body": body, "mimetype": response.mimetype, "headers": headers, "etag": etag}
        cache.set(g.page_cache_key, entry)
        response.set_data(body)
        response.set_etag(etag, weak=True)
    _fill(response)
    return response.make_conditional(request)


def _storable(response: Response) -> bool:
    """A whole 200 of a text type, whose view set no cookie, flashed nothing and signed no
    one in (an error, a redirect or anything personal is never stored)."""
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and response.mimetype in STORED_TYPES
        and "Set-Cookie" not in response.headers
        and "Content-Encoding" not in response.headers
        and not session.get("_flashes")
        and "_user_id" not in session
    )


def _cart_count() -> int:
    from shop.cart.services import cart_count

    return cart_count()


def _fill(response: Response) -> None:
    """Put this visitor's own CSRF token and cart count into the page, and fold them into the
    ETag (a page kept by the browser holds the token of its own session)."""
    body = response.get_data()
    csrf_mark = _marker("csrf").encode()
    cart_mark = _marker("cart").encode()
    if csrf_mark not in body and cart_mark not in body:
        return
    from flask_wtf.csrf import generate_csrf

    count = str(_cart_count())
    if csrf_mark in body:
        body = body.replace(csrf_mark, generate_csrf().encode())
    body = body.replace(cart_mark, count.encode())
    response.set_data(body)
    etag, _ = response.get_etag()
    secret = str(session.get("csrf_token", ""))
    personal = hashlib.sha256(f"{etag}|{count}|{secret}".encode()).hexdigest()[:32]
    response.set_etag(personal, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "Accept-Encoding"))
