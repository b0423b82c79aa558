"""A GET never writes: every page and file answered to a GET runs no INSERT, UPDATE or DELETE.

The routes are read from the URL map (a route added later is swept the day it appears) and
opened with real ids by the person they serve (tests/security/conftest.py's shop_world); the
statements the database receives while each answer is made are watched on the engine. (The
world's open order is paid by bank transfer: the card order page, which creates the Stripe
payment intent, is the payments provider's to test.)
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import event

from shop import create_app, geo
from tests.security.conftest import sign_in
from tests.security.test_csrf import PER_ENDPOINT, role_for

WRITES = ("INSERT", "UPDATE", "DELETE")


def _get_rules() -> list[str]:
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_PATH="/tmp/get-map")
    return sorted(
        {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"
        }
    )


ENDPOINTS = _get_rules()


def _url(app, endpoint: str, world) -> str:
    """The route's URL with real values: ids from the world, slugs and numbers by route."""
    coffee = world.products["coffee"]
    named = {
        ("api.producer", "slug"): coffee.producer.slug,
        ("catalog.producer", "slug"): coffee.producer.slug,
        ("api.product", "slug"): coffee.slug,
        ("catalog.product", "slug"): coffee.slug,
        ("catalog.province", "slug"): geo.province_slug(coffee.producer.province_code),
        ("certification.verify", "number"): coffee.certificates[0].number,
        ("certification.verify_json", "number"): coffee.certificates[0].number,
        ("accounts.reset_password", "token"): world.ids["reset_token"],
    }
    defaults = {"width": 320, "n": 1, "province_code": 66, "page": 1}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    args = {}
    for name in rule.arguments:
        if (endpoint, name) in named:
            value = named[endpoint, name]
        else:
            key = {
                **PER_ENDPOINT,
                ("media", "key"): "image_key",
                ("media_jpeg", "key"): "image_key",
            }.get((endpoint, name), name)
            value = world.ids.get(key, defaults.get(name))
        assert value is not None, f"{endpoint}: this test cannot fill <{name}>; teach it how"
        args[name] = value
    with app.test_request_context():
        return url_for(endpoint, **args)


def _role(endpoint: str, url: str) -> str | None:
    if endpoint in {"seo.sitemap_products", "media", "media_jpeg"}:
        return None
    if endpoint == "producers.wards":
        return "owner"
    return role_for(endpoint, url)


def test_the_sweep_covers_every_kind_of_page():
    assert {
        "catalog.home",
        "cart.show",
        "checkout.order",
        "certification.review",
        "certification.verify",
        "producers.dashboard",
        "search.results",
    } <= set(ENDPOINTS)
    assert len(ENDPOINTS) >= 40


def test_no_get_writes_to_the_database(app, db, shop_world):
    clients: dict[str | None, object] = {}
    written: list[str] = []

    def watch(conn, cursor, statement: str, *args) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            written.append(statement.split("\n")[0][:120])

    writers: dict[str, list[str]] = {}
    for endpoint in ENDPOINTS:
        url = _url(app, endpoint, shop_world)
        role = _role(endpoint, url)
        if role not in clients:
            clients[role] = sign_in(app, shop_world.users[role] if role else None)
        written.clear()
        event.listen(db.engine, "before_cursor_execute", watch)
        try:
            response = clients[role].get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", watch)
        response.close()
        assert response.status_code < 500, (endpoint, url, response.status_code)
        if written:
            writers[endpoint] = list(written)
    # Staff opening a person's data is itself recorded (issue 19 item 5): those two pages
    # write exactly one audit entry, and nothing else.
    audited_reads = {"orders.staff_order", "producers.all_producers"}
    for endpoint in audited_reads:
        assert [w.split("(")[0].strip() for w in writers.pop(endpoint, [])] == [
            "INSERT INTO audit_entries"
        ], endpoint
    assert writers == {}
