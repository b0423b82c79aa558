"""Security headers on every kind of response, and no inline script in the pages themselves.

A Content-Security-Policy whose script-src allows no inline script, nosniff, frame denial and a
referrer policy on pages, forms, error pages, the API, images and feeds; HSTS only when the
production configuration is used (its cookies are Secure, so it is served over HTTPS).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from shop import create_app
from tests.security.conftest import sign_in

UNSAFE_SCRIPT_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def check_headers(response, *, hsts: bool = False) -> None:
    headers = response.headers
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, "no script-src nor default-src"
    assert not UNSAFE_SCRIPT_SOURCES & set(scripts), scripts
    assert csp.get("object-src") == ["'none'"] or csp.get("default-src") == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("style-src", [])
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY" or csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    assert headers.get("Referrer-Policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    if hsts:
        value = headers.get("Strict-Transport-Security", "")
        assert value.startswith("max-age="), value
        assert int(value.split(";")[0].removeprefix("max-age=")) >= 180 * 24 * 3600
    else:
        assert "Strict-Transport-Security" not in headers


class InlineScriptFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline script of any kind."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self._in_inline_script = attributes.get("type") not in {"application/ld+json"}
            if self._in_inline_script:
                self.found.append(f"<script> without src: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event handler")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style" or "style" in attributes:
            self.found.append(f"inline style on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_script_in(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.found


def pages(world) -> dict[str, tuple[str | None, str, int]]:
    """name → (who asks, path, expected status)."""
    ids = world.ids
    return {
        "home": (None, "/", 200),
        "catalogue": (None, "/products?sort=price_asc", 200),
        "product": (None, "/p/ca-phe-hat", 200),
        "producer page": (None, "/producers/htx-ca-phe-thu-1", None),
        "search": (None, "/search?q=ca+phe", 200),
        "log-in form": (None, "/login", 200),
        "registration form": (None, "/register", 200),
        "producer sign-up form": (None, "/producer/join", 200),
        "verify": (None, "/verify", 200),
        "not found page": (None, "/no/such/page", 404),
        "method not allowed page": (None, "/logout", 405),
        "bad filter page": (None, "/products?page=abc", None),
        "cart": ("buyer", "/cart", 200),
        "checkout form": ("buyer", "/checkout", 200),
        "buyer order": ("buyer", f"/orders/{ids['number']}", 200),
        "buyer order history": ("buyer", "/account/orders", 200),
        "producer dashboard": ("owner", "/producer/", 200),
        "product edit form": ("owner", f"/producer/products/{ids['product_id']}", 200),
        "producer order": ("owner", f"/producer/orders/{ids['sub_order_id']}", 200),
        "packing slip": ("owner", f"/producer/orders/{ids['sub_order_id']}/packing-slip", 200),
        "sales chart": ("owner", "/producer/orders/sales", 200),
        "staff queue": ("staff", "/staff/certificates", 200),
        "staff order": ("staff", f"/staff/orders/{ids['number']}", 200),
        "forbidden page": ("buyer", "/staff/", 403),
        "api list": (None, "/api/v1/products", 200),
        "api not found": (None, "/api/v1/products/no-such-product", 404),
        "openapi": (None, "/api/v1/openapi.json", 200),
        "suggest": (None, "/search/suggest?q=ca", 200),
        "webp image": (None, f"/media/{ids['image_key']}-320.webp", 200),
        "jpeg image": (None, f"/media/{ids['image_key']}.jpg", 200),
        "missing image": (None, "/media/abc123-320.webp", 404),
        "robots": (None, "/robots.txt", 200),
        "sitemap": (None, "/sitemap.xml", 200),
        "csv export": ("owner", "/producer/orders.csv", 200),
        "static file": (None, "/static/css/shop.css", 200),
    }


def test_every_kind_of_response_carries_the_security_headers(app, db, shop_world):
    clients = {None: sign_in(app)}
    for role in ("buyer", "owner", "staff"):
        clients[role] = sign_in(app, shop_world.users[role])
    checked = []
    for name, (who, path, status) in pages(shop_world).items():
        response = clients[who].get(path)
        response.get_data()
        if status is not None:
            assert response.status_code == status, (name, path, response.status_code)
        assert response.status_code < 500, (name, path)
        try:
            check_headers(response)
        except AssertionError as error:
            raise AssertionError(f"{name} ({path}): {error}") from None
        if response.mimetype == "text/html":
            found = inline_script_in(response.get_data(as_text=True))
            assert found == [], (name, path, found)
        response.close()  # file responses (images, static) hold an open file
        checked.append(name)
    assert len(checked) == len(pages(shop_world))


def test_the_inline_script_finder_finds_what_the_csp_would_block():
    assert inline_script_in("<script>alert(1)</script>")
    assert inline_script_in('<img src="x" onerror="alert(1)">')
    assert inline_script_in('<a href=" JavaScript:alert(1)">x</a>')
    assert inline_script_in('<p style="color:red">x</p>')
    assert inline_script_in('<script src="/static/js/search.js" defer></script>') == []


@pytest.fixture
def production_app(app, monkeypatch, tmp_path):
    """The production configuration on the test database (it needs these two settings)."""
    monkeypatch.setenv("SECRET_KEY", "production-secret-for-the-test")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    production = create_app("production", INSTANCE_PATH=str(tmp_path / "production"))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    yield production
    with production.app_context():  # close its own pool (PostgreSQL connections)
        from shop.extensions import db

        db.engine.dispose()


@pytest.mark.parametrize(
    "path, status",
    [("/", 200), ("/login", 200), ("/no/such/page", 404), ("/api/v1/provinces", 200)],
)
def test_production_adds_hsts_and_secure_cookies(db, shop_world, production_app, path, status):
    client = production_app.test_client()
    response = client.get(path, base_url="https://shop.example")
    assert response.status_code == status
    check_headers(response, hsts=True)
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie and "HttpOnly" in cookie, cookie


def test_no_hsts_outside_production(client, db):
    response = client.get("/")
    assert "Strict-Transport-Security" not in response.headers
