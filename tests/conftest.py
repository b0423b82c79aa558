"""Fixtures: an app on a fresh database per test, a client, a frozen clock.

The database is a new SQLite file per test, or, when TEST_DATABASE_URL is set, the given
PostgreSQL database emptied after each test. REQUIRE_POSTGRES=1 turns a missing
TEST_DATABASE_URL into a failure for the tests marked `postgres`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from shop import clock, create_app
from shop.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
FROZEN_TODAY = dt.date(2026, 11, 30)


def pytest_collection_modifyitems(config, items):
    if TEST_DATABASE_URL or REQUIRE_POSTGRES:
        return
    skip = pytest.mark.skip(reason="PostgreSQL test: set TEST_DATABASE_URL to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Where the schema lives: a template SQLite file, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    if REQUIRE_POSTGRES:
        pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    return f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per session (and the product sets every test can use)."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_PATH=str(tmp_path_factory.mktemp("schema-instance")),
    )

    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            from shop.search.postgres_backend import install

            with _db.engine.begin() as conn:
                install(conn)
        _db.drop_all()
        _db.create_all()
        _seed_reference_data()
        _db.session.commit()
        _db.engine.dispose()
    return database_url


def _seed_reference_data() -> None:
    from shop.catalog.services import sync_product_sets

    sync_product_sets()


@pytest.fixture
def app(_schema, tmp_path):
    """A test app on a fresh copy of the database, with its own instance folder."""
    url = _schema
    if url.startswith("sqlite"):
        copy = tmp_path / "test.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    options = {} if url.startswith("sqlite") else {"pool_size": 45, "max_overflow": 5}
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    with app.app_context():
        yield app
        _db.session.remove()
        _check_listing_summary()
        if not url.startswith("sqlite"):
            _empty_postgres()
        _db.engine.dispose()


def _check_listing_summary() -> None:
    """After every test with an app: the listing summary is what its sources give (a write
    path that bypasses `shop.catalog.summary` fails the test that used it)."""
    from shop.catalog.summary import drift

    with _db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("listing_summary"):
            return  # a migration test's database
        stale, missing = drift(connection)
    if stale or missing:
        pytest.fail(
            f"listing summary out of step: stale {sorted(stale)}, missing {sorted(missing)}"
        )


def _empty_postgres() -> None:
    """Delete every row except the reference data (and the page cache's version row, which
    only ever goes up), and restart the id sequences."""
    kept = {"product_sets", "cache_versions"}
    tables = [t.name for t in _db.metadata.sorted_tables if t.name not in kept]
    with _db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy handle, inside the app context."""
    return _db


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The test itself holds an app context for its database work; without this, requests
    would share its `g` (and so a cached locale or user) and its database session.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # Werkzeug spools large test uploads to a temporary file it does not close itself.
        body = response.request.environ.get("wsgi.input") if response.request else None
        if body is not None and not body.closed:
            body.close()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def frozen_today():
    """Freeze the shop's clock at FROZEN_TODAY; yields a function to move it."""
    stack = []

    def move_to(day: dt.date):
        if stack:
            stack.pop().__exit__(None, None, None)
        context = clock.frozen(day)
        context.__enter__()
        stack.append(context)
        return day

    move_to(FROZEN_TODAY)
    yield move_to
    while stack:
        stack.pop().__exit__(None, None, None)


CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def submit(client):
    """GET a form page (for its CSRF token), then POST `data` to it (or to `action`)."""

    def post(path: str, data: dict, action: str | None = None, **kwargs):
        token = csrf_from(client.get(path).get_data(as_text=True))
        return client.post(action or path, data={**data, "csrf_token": token}, **kwargs)

    return post


@pytest.fixture
def english(client):
    """Make the client a visitor who chose English."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def login(submit):
    """Log the client in as `user` through the real form."""

    def as_user(user, password: str = "mat-khau-123"):
        response = submit("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return as_user


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""
    import contextlib

    from sqlalchemy import event

    @contextlib.contextmanager
    def counting():
        counter = {"n": 0, "sql": []}

        def before(conn, cursor, statement, *args):
            counter["n"] += 1
            counter["sql"].append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def _quick_drawings(patch: pytest.MonkeyPatch) -> None:
    """One tiny picture per demo product and a tiny scan per certificate."""
    import io

    from PIL import Image

    from shop.demo import pictures, scans

    def tiny(colour: tuple[int, int, int]) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (12, 9), colour).save(buffer, "PNG")
        return buffer.getvalue()

    picture, scan = tiny((200, 150, 90)), tiny((250, 248, 240))
    patch.setattr(pictures, "product_pictures", lambda row: [(picture, row.name)])
    patch.setattr(scans, "certificate_scan", lambda facts: scan)


@pytest.fixture
def fast_demo(monkeypatch):
    """Make the demo loader quick: tiny drawings (the test config already hashes passwords
    cheaply). The full load, drawings and scrypt included, is tested in test_demo.py."""
    _quick_drawings(monkeypatch)


DEMO_SCHEMA = "demo_template"  # PostgreSQL: where the loaded demo's rows wait between tests


@pytest.fixture(scope="session")
def _demo_template(_schema, tmp_path_factory):
    """The demo loaded once per session on FROZEN_TODAY (tiny drawings), since loading goes
    through every service and takes seconds: on SQLite a database file to copy, on PostgreSQL
    a copy of its rows in a schema of their own (loaded with the postgres search backend, so
    its search rows are there too); and the instance folder holding its media and scans."""
    from shop.demo import load_demo

    folder = tmp_path_factory.mktemp("demo-template")
    postgres = not _schema.startswith("sqlite")
    database = None if postgres else folder / "demo.db"
    if database is not None:
        shutil.copy(_schema.removeprefix("sqlite:///"), database)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=_schema if postgres else f"sqlite:///{database}",
        INSTANCE_PATH=str(folder / "instance"),
        SEARCH_BACKEND="postgres" if postgres else "whoosh",
    )
    with pytest.MonkeyPatch.context() as patch, app.app_context(), clock.frozen(FROZEN_TODAY):
        _quick_drawings(patch)
        load_demo()
        _db.session.remove()
        if postgres:
            _copy_rows(_demo_tables(), "public", DEMO_SCHEMA, fresh=True)
            _empty_postgres()
        _db.engine.dispose()
    yield database, folder / "instance"
    if postgres:
        engine = sa.create_engine(_schema)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {DEMO_SCHEMA} CASCADE"))
        engine.dispose()


def _demo_tables() -> list[sa.Table]:
    """Every table a test may fill, parents first (the product sets are reference data, and
    the page cache's version rows stay, only ever going up: see `_empty_postgres`)."""
    return [
        t for t in _db.metadata.sorted_tables if t.name not in {"product_sets", "cache_versions"}
    ]


def _copy_rows(tables: list[sa.Table], source: str, target: str, fresh: bool = False) -> None:
    """PostgreSQL: copy every row of `tables` from one schema to the other, then move the
    target's id sequences past the copied ids (a table made fresh has none to move)."""
    with _db.engine.begin() as conn:
        if fresh:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {target} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {target}"))
        for table in tables:
            if fresh:
                sql = f"CREATE TABLE {target}.{table.name} AS TABLE {source}.{table.name}"
            else:
                sql = f"INSERT INTO {target}.{table.name} SELECT * FROM {source}.{table.name}"
            conn.execute(sa.text(sql))
            if not fresh and "id" in table.c and table.c.id.autoincrement is not False:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{target}.{table.name}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {target}.{table.name}), 0) + 1, false)"
                    )
                )


@pytest.fixture
def demo_loaded(app, db, fast_demo, frozen_today, _demo_template):
    """The demo as `flask demo load` leaves it (committed) on FROZEN_TODAY, tiny drawings."""
    database, instance = _demo_template
    db.session.remove()
    if database is None:
        _copy_rows(_demo_tables(), DEMO_SCHEMA, "public")
    else:
        db.engine.dispose()
        shutil.copy(database, app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    for folder in ("media", "scans"):
        shutil.copytree(instance / folder, Path(app.instance_path) / folder, dirs_exist_ok=True)
    return db
