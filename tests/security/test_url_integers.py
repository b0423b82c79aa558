"""Integers a visitor types into a URL, a query string or a form never reach the database
beyond what its integer columns hold: they name nothing, so they answer 404 (a form field: a
friendly 400 or the form's own message), never a 500.

Every id column is an INTEGER on PostgreSQL (at most 2**31 - 1) and SQLite refuses anything
past 2**63 - 1 before it runs a query, so both ends are tried, on both engines. The routes are
read from the URL map: a route added later is swept the day it appears.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for

from shop import create_app
from tests.security.conftest import sign_in, token_of
from tests.security.test_csrf import PER_ENDPOINT, role_for

INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
# Beyond PostgreSQL's INTEGER, beyond BIGINT (and SQLite's INTEGER), past Python's 4,300-digit
# int() limit, a negative number, and Unicode digits that int() would read as 1.
BEYOND_RANGE = {
    "2**31": str(2**31),
    "2**63": str(2**63),
    "5000 digits": "9" * 5000,
    "-1": "-1",
    "arabic-indic one": "\u0661",
}
# Within range but naming no row (ids start at 1): whatever the route says, never a 500.
UNKNOWN = {"0": "0", "2**31 - 1": str(2**31 - 1)}


def _integer_rules() -> list[tuple[str, str, str]]:
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_PATH="/tmp/int-map")
    found = set()
    for rule in app.url_map.iter_rules():
        for name in INT_ARGUMENT.findall(rule.rule):
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
            found.add((rule.endpoint, name, method))
    return sorted(found)


RULES = _integer_rules()


SENTINEL = 987654321  # stands for the integer under test while the URL is built


def _url(app, endpoint: str, ids: dict, target: str, raw: str) -> str:
    """The route's URL with real values everywhere and `raw` spelled out as `target`."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    defaults = {"width": 320, "n": 1, "province_code": 66, "page": 1}
    args = {}
    for name in rule.arguments:
        key = {**PER_ENDPOINT, ("media", "key"): "image_key"}.get((endpoint, name), name)
        value = ids.get(key, key if (endpoint, name) in PER_ENDPOINT else defaults.get(name))
        assert value is not None, f"{endpoint}: this test cannot fill <{name}>; teach it how"
        args[name] = SENTINEL if name == target else value
    with app.test_request_context():
        url = url_for(endpoint, **args)
    if not target:
        return url
    assert url.count(str(SENTINEL)) == 1, url
    return url.replace(str(SENTINEL), raw)


def test_the_sweep_covers_every_route_with_an_integer():
    endpoints = {endpoint for endpoint, _, _ in RULES}
    assert {
        "seo.sitemap_products",
        "media",
        "cart.update",
        "certification.review",
        "certification.staff_scan",
        "certification.scan_page",
        "certification.own_scan",
        "producers.edit_variant",
        "producers.wards",
        "orders.producer_order",
        "reviews.reply",
    } <= endpoints
    assert len(RULES) >= 25


def _client_for(app, world, endpoint: str):
    """A client signed in as the person the route serves (so the check is not the log-in's)."""
    url = _url(app, endpoint, world.ids, "", "")
    role = "owner" if endpoint == "producers.wards" else role_for(endpoint, url)
    if endpoint in {"seo.sitemap_products", "media"}:
        role = None
    return sign_in(app, world.users[role] if role else None)


@pytest.mark.parametrize("endpoint, name, method", RULES)
def test_an_integer_beyond_the_database_range_in_a_url_is_a_404_and_one_naming_no_row_is_no_500(
    app, db, shop_world, endpoint, name, method
):
    client = _client_for(app, shop_world, endpoint)
    data = {"csrf_token": token_of(client), "quantity": "1"} if method != "GET" else None
    for label, raw in BEYOND_RANGE.items():
        url = _url(app, endpoint, shop_world.ids, name, raw)
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, (label, url[:120], response.status_code)
        assert "<html" in response.get_data(as_text=True), (label, url[:120])
    for label, raw in UNKNOWN.items():
        url = _url(app, endpoint, shop_world.ids, name, raw)
        response = client.open(url, method=method, data=data)
        assert response.status_code in (302, 400, 404), (label, url, response.status_code)


def test_the_issues_sitemap_address_is_a_404(client, db):
    response = client.get("/sitemap-products-9223372036854775808.xml")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)


HUGE_IDS = [str(2**31), str(2**63), "9" * 5000, "-1", "\u0661", "1e3"]


def test_adding_a_variant_id_beyond_the_range_to_the_cart_is_refused_politely(app, db, shop_world):
    client = sign_in(app, shop_world.users["buyer"])
    for raw in HUGE_IDS:
        response = client.post(
            "/cart/add", data={"variant_id": raw, "quantity": "1", "csrf_token": token_of(client)}
        )
        assert response.status_code == 302, raw
        page = client.get("/cart").get_data(as_text=True)
        assert "This product is not on sale any more." in page, raw


def test_a_cart_quantity_beyond_the_range_is_refused_politely(app, db, shop_world):
    client = sign_in(app, shop_world.users["buyer"])
    line = shop_world.ids["cart_line_id"]
    for raw in HUGE_IDS:
        response = client.post(
            f"/cart/lines/{line}", data={"quantity": raw, "csrf_token": token_of(client)}
        )
        assert response.status_code == 302, raw
        assert "Choose a quantity from 1 to" in client.get("/cart").get_data(as_text=True), raw


@pytest.mark.parametrize(
    "path, field, form_page",
    [
        ("/staff/reviews", "review_id", "/staff/reviews"),
        ("/staff/producers/suspend", "producer_id", "/staff/producers"),
        ("/staff/refunds", "sub_order_id", "/staff/refunds"),
    ],
)
def test_a_staff_form_id_beyond_the_range_is_refused_with_a_message(
    app, db, shop_world, path, field, form_page
):
    client = sign_in(app, shop_world.users["staff"])
    for raw in HUGE_IDS:
        token = token_of(client, form_page)
        response = client.post(path, data={field: raw, "reason": "Lạm dụng", "csrf_token": token})
        assert response.status_code == 302, (raw, response.status_code)
        page = client.get(response.location).get_data(as_text=True)
        assert "This record does not exist. Reload the page." in page, raw


@pytest.mark.parametrize(
    "path",
    [
        "/staff/audit?subject=product:{raw}",
        "/staff/audit?page={raw}",
        "/producer/orders?page={raw}",
        "/catalogue?page={raw}",
        "/catalogue?province={raw}",
        "/search?q=ca+phe&page={raw}",
        "/api/v1/products?page={raw}",
        "/p/ca-phe-hat?reviews_page={raw}",
    ],
)
def test_an_integer_beyond_the_range_in_a_query_string_is_never_a_server_error(
    app, db, shop_world, path
):
    role = "staff" if path.startswith("/staff") else "owner"
    client = sign_in(app, shop_world.users[role])
    for raw in HUGE_IDS:
        response = client.get(path.format(raw=raw))
        assert response.status_code in (200, 400, 404), (path, raw, response.status_code)
