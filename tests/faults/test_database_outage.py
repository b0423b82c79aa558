"""PostgreSQL goes away and comes back: friendly 503s meanwhile, recovery without a restart.

The app under test reaches PostgreSQL through a TCP proxy that the test cuts (listener and
every open connection closed) and restores, with the engine options production uses
(config.engine_options: pool_pre_ping, connect_timeout).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from config import engine_options
from shop import create_app
from shop.extensions import db as _db
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_product, make_user
from tests.faults.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

FRIENDLY = "Temporarily unavailable"


@pytest.fixture
def proxied_shop(app, tmp_path):
    """A second app on the same database, through a proxy the test can cut."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    shop = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=proxied,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(proxied),
        INSTANCE_PATH=str(tmp_path / "proxied-instance"),
    )
    shop.test_client_class = IsolatedClient
    try:
        yield shop, proxy
    finally:
        proxy.close()
        with shop.app_context():
            _db.engine.dispose()  # before the conftest empties the database


def english_client(shop):
    client = shop.test_client()
    client.set_cookie("lang", "en")
    return client


def timed_get(client, path: str):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_the_shop_answers_503_while_postgres_is_unreachable_and_recovers_by_itself(
    db, frozen_today, proxied_shop
):
    shop, proxy = proxied_shop
    product = make_product(name="Cà phê Ea Tu", slug="ca-phe-ea-tu")
    customer = make_user(full_name="Trần Thị Mai")
    db.session.commit()
    pages = ["/", "/products", f"/p/{product.slug}", "/search?q=ca+phe"]

    visitor, member = english_client(shop), english_client(shop)
    token = csrf_from(member.get("/login").get_data(as_text=True))
    logged_in = member.post(
        "/login", data={"email": customer.email, "password": PASSWORD, "csrf_token": token}
    )
    assert logged_in.status_code == 302
    for path in pages:
        assert visitor.get(path).status_code == 200, path
    assert "Trần Thị Mai" in member.get("/").get_data(as_text=True)
    assert visitor.get("/healthz").get_json()["status"] == "ok"
    assert proxy.open_connections >= 1  # pooled connections that the cut will break

    proxy.cut()
    for client in (visitor, member):
        for path in pages:
            response, seconds = timed_get(client, path)
            html = response.get_data(as_text=True)
            assert response.status_code == 503, (path, html[:500])
            assert FRIENDLY in html and "Traceback" not in html
            assert response.headers["Retry-After"] == "15"
            assert seconds < 10, (path, seconds)  # refused at once, not hanging
    assert "Trần Thị Mai" not in member.get("/").get_data(as_text=True)  # no user loaded
    health = visitor.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["database"] == "failing"
    api = visitor.get("/api/v1/products")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == 503

    proxy.restore()  # the database is back: no restart, no reset of the pool by hand
    assert visitor.get("/healthz").status_code == 200
    for path in pages:
        assert visitor.get(path).status_code == 200, path
    assert "Trần Thị Mai" in member.get("/").get_data(as_text=True)  # still signed in
    token = csrf_from(member.get(f"/p/{product.slug}").get_data(as_text=True))
    added = member.post(
        "/cart/add",
        data={"variant_id": product.variants[0].id, "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert added.status_code == 200 and added.get_json()["count"] == 1  # writes work too


def test_the_shops_postgres_connections_run_without_jit(proxied_shop):
    """engine_options turns PostgreSQL's JIT off (it cost more than it saved, see the docs)."""
    import sqlalchemy as sa

    shop, _proxy = proxied_shop
    with shop.app_context():
        assert _db.session.scalar(sa.text("SHOW jit")) == "off"
        _db.session.remove()
