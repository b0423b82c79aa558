"""Two app servers, one shop (issue #16, item 3).

Two gunicorn servers (production settings, processes of one thread each) on two ports share
what docs/deploy.md says servers share: the PostgreSQL database (with its search backend),
Redis (REDIS_URL: rate limits, and the page cache when there is one), one SECRET_KEY, the
media and scan folders (MEDIA_ROOT, SCANS_ROOT) and, with no SMTP server, the mail folder
(MAIL_OUTBOX_DIR). Nothing else: each has its own instance folder. A buyer's browser alternates between them, as behind a load balancer with no sticky
sessions, and every step must find the other server's work: the cart, the log-in, the
checkout, the log-in limit's count, a photo, and a staff revocation, which hides the product
on the other server at its very next request.

It runs in the PostgreSQL pass of `.ci/run` (it needs PostgreSQL's shared search and a Redis,
which `.ci/run` starts); with REQUIRE_POSTGRES=1 a missing Redis fails it instead of skipping.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import secrets
import threading
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from shop import clock, media
from shop.catalog.models import ProductImage, Variant
from shop.certification import scans
from shop.enums import Role
from shop.orders.models import Order
from tests import images
from tests.conftest import REQUIRE_POSTGRES
from tests.factories import PASSWORD, make_producer, make_product, make_user
from tests.load.server import ShopServer
from tests.load.shoppers import CSRF, HIDDEN, ORDER_PATH
from tests.load.world import DELIVERY

pytestmark = pytest.mark.postgres

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKERS = 2  # per server: two processes each, so "the other server" is also "another process"
LOGIN_LIMIT = 3  # failed log-ins per e-mail and address, counted over both servers
MEDIA_KEY = re.compile(r"/media/([0-9a-f]{40})-320\.webp")


class Browser:
    """One person's browser: one cookie jar for both servers (cookies ignore the port, as
    one host name behind a load balancer), English pages."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.http.cookies.set("lang", "en", domain="127.0.0.1", path="/")
        self.csrf = ""

    def _plain_http(self) -> None:
        """Production cookies are Secure; requests would keep them from plain http, so the
        loopback servers count as a secure origin (as for a browser on localhost)."""
        for cookie in self.http.cookies:
            cookie.secure = False

    def get(self, server: ShopServer, path: str, **kwargs) -> requests.Response:
        answer = self.http.get(server.base_url + path, allow_redirects=False, timeout=30, **kwargs)
        self._plain_http()
        token = (
            CSRF.search(answer.text)
            if "text/html" in answer.headers.get("Content-Type", "")
            else None
        )
        if token:
            self.csrf = token.group(1)
        return answer

    def post(self, server: ShopServer, path: str, data: dict, **kwargs) -> requests.Response:
        data = {**data, "csrf_token": self.csrf}
        answer = self.http.post(
            server.base_url + path, data=data, allow_redirects=False, timeout=30, **kwargs
        )
        self._plain_http()
        return answer

    def log_in(self, server: ShopServer, email: str, password: str = PASSWORD):
        self.get(server, "/login")
        return self.post(server, "/login", {"email": email, "password": password})


@pytest.fixture(scope="module")
def redis_url() -> str:
    """The Redis both servers share; CI (REQUIRE_POSTGRES=1) fails without one."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        message = f"Redis at {REDIS_URL} does not answer ({error}): start redis-server"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (REQUIRE_POSTGRES=1: the two-server test must run)")
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """The folders the servers share (on a real site: a mount every server has)."""
    return tmp_path_factory.mktemp("shared")


@pytest.fixture(scope="module")
def servers(_schema, redis_url, shared, tmp_path_factory):
    """Servers A and B: the same settings, each its own instance folder."""
    environment = {
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(shared / "media"),
        "SCANS_ROOT": str(shared / "scans"),
        "MAIL_OUTBOX_DIR": str(shared / "outbox"),  # no MAIL_SERVER: mail as files, shared
        "SEARCH_BACKEND": "postgres",
        "LOGIN_LIMIT_PER_EMAIL_AND_IP": f"{LOGIN_LIMIT} per 10 minutes",
        "LOGIN_LIMIT_PER_IP": "1000 per 10 minutes",  # runs of this test must not add up
    }
    pair = [
        ShopServer(
            _schema, tmp_path_factory.mktemp(f"instance-{name}"), workers=WORKERS, **environment
        )
        for name in "ab"
    ]
    problems: list[BaseException] = []
    starting = [threading.Thread(target=_start, args=(server, problems)) for server in pair]
    try:
        for thread in starting:  # both at once: they share nothing while starting
            thread.start()
        for thread in starting:
            thread.join()
        if problems:
            raise problems[0]
        yield pair
    finally:
        for server in pair:
            server.stop()


def _start(server: ShopServer, problems: list[BaseException]) -> None:
    try:
        server.start()
    except BaseException as error:  # noqa: BLE001 (reported by the fixture)
        problems.append(error)


@pytest.fixture
def shop(app, db, shared):
    """Two products of one producer, searchable in PostgreSQL, a buyer and a staff member.

    The servers run on the real date, so the certificates are decided a month before it (a
    fixed decision date would expire, 36 months on, and this test with it)."""
    app.config.update(
        SEARCH_BACKEND="postgres",
        MEDIA_ROOT=str(shared / "media"),
        SCANS_ROOT=str(shared / "scans"),
    )
    app.extensions.pop("search_backend", None)
    producer = make_producer(name="HTX Mật ong Tây Nguyên")
    run = secrets.token_hex(3)  # a product's slug and a buyer's e-mail new to Redis each run
    certificate = {"decision_date": clock.today() - dt.timedelta(days=30)}
    honey = make_product(
        producer,
        name="Mật ong rừng U Minh",
        slug=f"mat-ong-rung-u-minh-{run}",
        certificate=certificate,
        variants=[{"price": 320_000, "stock": 10, "sku": f"HONEY-{run}"}],
    )
    coffee = make_product(
        producer,
        name="Cà phê Robusta Ea Tu",
        slug=f"ca-phe-robusta-ea-tu-{run}",
        certificate=certificate,
        variants=[{"price": 150_000, "stock": 10, "sku": f"COFFEE-{run}"}],
    )
    buyer = make_user(email=f"mai-{run}@example.vn", full_name="Trần Thị Mai")
    staff = make_user(Role.STAFF, email=f"staff-{run}@example.vn")
    db.session.commit()
    return {
        "honey": honey,
        "coffee": coffee,
        "honey_variant": honey.variants[0].id,
        "producer": producer,
        "buyer": buyer.email,
        "staff": staff.email,
        "owner": producer.owner.email,
        "run": run,
    }


def add_to_cart(browser: Browser, server: ShopServer, slug: str, variant_id: int):
    browser.get(server, f"/p/{slug}")
    return browser.post(
        server,
        "/cart/add",
        {"variant_id": str(variant_id), "quantity": "1"},
        headers={"Accept": "application/json"},
    )


def test_a_cart_filled_on_one_server_is_the_same_cart_on_the_other(servers, shop):
    a, b = servers
    buyer = Browser()
    added = add_to_cart(buyer, a, shop["honey"].slug, shop["honey_variant"])
    assert added.status_code == 200 and added.json()["ok"] is True, added.text[:300]
    cart = buyer.get(b, "/cart")
    assert cart.status_code == 200
    assert "Mật ong rừng U Minh" in cart.text and "₫320,000" in cart.text
    coffee = shop["coffee"]
    assert add_to_cart(buyer, b, coffee.slug, coffee.variants[0].id).json()["ok"] is True
    both = buyer.get(a, "/cart").text
    assert "Mật ong rừng U Minh" in both and "Cà phê Robusta Ea Tu" in both
    assert "₫470,000" in both  # 320,000 + 150,000 đồng


def test_a_log_in_on_one_server_holds_on_the_other_and_checkout_crosses_both(
    servers, shop, db, shared
):
    a, b = servers
    buyer = Browser()
    assert add_to_cart(buyer, a, shop["honey"].slug, shop["honey_variant"]).json()["ok"] is True
    logged_in = buyer.log_in(b, shop["buyer"])
    assert logged_in.status_code == 302, logged_in.text[:500]
    account = buyer.get(a, "/account")
    assert account.status_code == 200 and shop["buyer"] in account.text
    assert "Mật ong rừng U Minh" in buyer.get(a, "/cart").text  # the guest cart came along

    buyer.get(a, "/checkout")
    details = buyer.post(a, "/checkout", DELIVERY)
    assert details.status_code == 302 and details.headers["Location"] == "/checkout/review"
    review = buyer.get(b, "/checkout/review")
    assert review.status_code == 200, review.text[:500]
    fields = {name: pattern.search(review.text).group(1) for name, pattern in HIDDEN.items()}
    placed = buyer.post(a, "/checkout/place", fields)
    assert placed.status_code == 302
    number = ORDER_PATH.match(placed.headers["Location"]).group(1)
    again = buyer.post(b, "/checkout/place", fields)  # Back and submit again, on the other
    assert again.headers.get("Location") == placed.headers["Location"]
    confirmation = buyer.get(b, placed.headers["Location"])
    assert confirmation.status_code == 200 and number in confirmation.text
    assert number in buyer.get(a, "/account/orders").text

    db.session.expire_all()
    assert db.session.scalars(sa.select(Order.number)).all() == [number]
    assert db.session.get(Variant, shop["honey_variant"]).stock == 9
    mail = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in (shared / "outbox").glob("*.eml")
    ]
    assert any(number in message.get_content() for message in mail)  # the confirmation
    assert not [p for server in servers for p in server.instance_path.rglob("*.eml")]
    buyer.get(b, "/account")
    assert buyer.post(b, "/logout", {}).status_code == 302
    assert buyer.get(a, "/account").status_code == 302  # logged out on both


def test_the_log_in_limit_counts_the_attempts_made_on_both_servers(servers, shop):
    a, b = servers
    guesser = Browser()
    email = f"nobody-{shop['run']}@example.vn"
    for server in [a, b, a][:LOGIN_LIMIT]:
        wrong = guesser.log_in(server, email, "not-the-password")
        assert wrong.status_code == 200 and "Wrong e-mail or password" in wrong.text
    for server in (b, a):  # each server alone has seen fewer than the limit
        throttled = guesser.log_in(server, email, "not-the-password")
        assert throttled.status_code == 429, server.base_url
        assert int(throttled.headers["Retry-After"]) > 0
    # the counter is per e-mail: the buyer's own log-in is not held back
    assert Browser().log_in(b, shop["buyer"]).status_code == 302


def test_a_photo_uploaded_on_one_server_is_served_by_the_other_and_a_scan_too(servers, shop, db):
    a, b = servers
    owner = Browser()
    assert owner.log_in(a, shop["owner"]).status_code == 302
    product_id = shop["honey"].id
    owner.get(a, f"/producer/products/{product_id}")
    upload = owner.post(
        a,
        f"/producer/products/{product_id}/images",
        {"alt_text": "Hũ mật ong"},
        files={"photo": ("mat-ong.png", images.png(size=(900, 600)), "image/png")},
    )
    assert upload.status_code == 302, upload.text[:500]
    page = Browser().get(b, f"/p/{shop['honey'].slug}")
    key = MEDIA_KEY.search(page.text).group(1)
    assert db.session.scalar(sa.select(ProductImage.key).where(ProductImage.key == key)) == key
    for server in (b, a):
        photo = Browser().get(server, f"/media/{key}-320.webp")
        assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/webp"
        assert photo.content[:4] == b"RIFF"

    certificate = shop["honey"].certificates[0]
    certificate.scan_path = scans.store_scan(images.jpeg(size=(600, 400))).path
    db.session.commit()
    staff = Browser()
    assert staff.log_in(b, shop["staff"]).status_code == 302
    for server in (a, b):
        drawn = staff.get(server, f"/staff/certificates/{certificate.id}/scan/pages/1.png")
        assert drawn.status_code == 200 and drawn.content[:8] == b"\x89PNG\r\n\x1a\n"


def visible_on(browser: Browser, server: ShopServer, slug: str) -> dict[str, bool]:
    """Where the product shows on one server, each asked once."""
    product_link = f'href="/p/{slug}"'
    return {
        "product page": browser.get(server, f"/p/{slug}").status_code == 200,
        "catalogue": product_link in browser.get(server, "/products").text,
        "search": product_link in browser.get(server, "/search?q=mat+ong").text,
        "api product": browser.get(server, f"/api/v1/products/{slug}").status_code == 200,
        "api list": f'"slug":"{slug}"'
        in browser.get(server, "/api/v1/products").text.replace(" ", ""),
        "api search": f'"slug":"{slug}"'
        in browser.get(server, "/api/v1/products?q=mat+ong").text.replace(" ", ""),
    }


def test_a_revocation_on_one_server_hides_the_product_on_the_other_at_its_next_request(
    servers, shop, db
):
    a, b = servers
    honey, coffee = shop["honey"], shop["coffee"]
    stored = media.store_image(images.png(size=(400, 300)))
    db.session.add(ProductImage(product=honey, key=stored.key, width=400, height=300))
    db.session.commit()
    visitor = Browser()
    everywhere = dict.fromkeys(visible_on(visitor, b, honey.slug), True)
    for server in (b, a, b):  # every worker of B has now shown it (and counted the catalogue)
        assert visible_on(visitor, server, honey.slug) == everywhere, server.base_url
    assert visitor.get(b, f"/media/{stored.key}-320.webp").status_code == 200

    staff = Browser()
    assert staff.log_in(a, shop["staff"]).status_code == 302
    certificate_id = honey.certificates[0].id
    staff.get(a, f"/staff/certificates/{certificate_id}")
    revoked = staff.post(
        a,
        f"/staff/certificates/{certificate_id}/revoke",
        {"reason": "Mẫu kiểm tra không đạt", "confirm": "y"},
    )
    assert revoked.status_code == 302
    assert "revoked" in staff.get(a, revoked.headers["Location"]).text

    nowhere = dict.fromkeys(everywhere, False)
    assert visible_on(visitor, b, honey.slug) == nowhere  # B's very next requests
    for server in (b, b, a):  # and every other worker of either server
        assert visible_on(visitor, server, honey.slug) == nowhere, server.base_url
    assert visitor.get(b, f"/media/{stored.key}-320.webp").status_code == 404
    refused = add_to_cart(visitor, b, honey.slug, shop["honey_variant"])
    assert refused.status_code in (400, 404) and '"ok":true' not in refused.text.replace(" ", "")
    # the rest of the catalogue is untouched on both
    for server in (a, b):
        assert visitor.get(server, f"/p/{coffee.slug}").status_code == 200
        assert f'href="/p/{coffee.slug}"' in visitor.get(server, "/products").text
