"""The page cache (shop/pagecache.py): served from the store, never stale, never personal.

Each change a storefront page can show is made through its real service after the page was
cached (`X-Cache: hit` proves it was), and the very next request must show the change.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import secrets
import uuid

import pytest
import sqlalchemy as sa

from shop import clock, create_app
from shop.catalog.models import Variant
from shop.certification import services as certificates
from shop.enums import CertificateStatus, OrderStatus, ProducerStatus, Role
from shop.extensions import db as _db
from shop.pagecache import CacheVersion, cache
from shop.producers import listing_services as listings
from shop.producers import services as producers
from shop.reviews import services as reviews
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import make_certificate, make_product, make_user
from tests.images import jpeg
from tests.integration.test_buyer_orders import place_for, walk

S = OrderStatus
PRODUCT = "/p/tra-shan-tuyet"


@pytest.fixture
def tea(db, frozen_today):
    product = make_product(
        name="Trà Shan tuyết Tà Xùa",
        slug="tra-shan-tuyet",
        certificate={"stars": 5},
        variants=[{"price": 250_000, "stock": 5, "label": "Hộp 100g"}],
    )
    db.session.commit()
    return product


@pytest.fixture
def staff(db):
    user = make_user(Role.STAFF, full_name="Trần An")
    db.session.commit()
    return user


@pytest.fixture
def another_app(app, tmp_path):
    """Another app (another worker or server) on the same database; its pool closed after."""
    made = []

    def make(name: str, **config):
        other = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            INSTANCE_PATH=str(tmp_path / name),
            **config,
        )
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


def new_client(app, language: str | None = "en"):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    if language:
        client.set_cookie("lang", language)
    return client


def cached(client, path: str) -> str:
    """GET `path` until it comes from the cache; its text."""
    client.get(path)
    answer = client.get(path)
    assert answer.headers["X-Cache"] == "hit", answer.headers.get("X-Cache")
    return answer.get_data(as_text=True)


def next_answer(client, path: str):
    answer = client.get(path)
    assert answer.headers["X-Cache"] in ("miss", "bypass")
    return answer


def version(db) -> int:
    db.session.rollback()  # a new transaction: see what is committed now
    return db.session.scalar(sa.select(sa.func.sum(CacheVersion.n)))


# --- stale on the very next request, for every kind of change -------------------------------


def test_a_revoked_certificate_takes_the_product_off_cached_pages(db, app, tea, staff):
    client = new_client(app)
    assert "Trà Shan tuyết" in cached(client, PRODUCT)
    assert "Trà Shan tuyết" in cached(client, "/products")
    assert "tra-shan-tuyet" in cached(client, "/api/v1/products")
    assert "tra-shan-tuyet" in cached(client, "/sitemap-products-1.xml")

    certificates.decide(tea.certificates[0], staff, "revoke", reason="Hồ sơ giả mạo")

    assert client.get(PRODUCT).status_code == 404
    assert "Trà Shan tuyết" not in next_answer(client, "/products").get_data(as_text=True)
    assert "tra-shan-tuyet" not in next_answer(client, "/api/v1/products").get_data(as_text=True)
    sitemap = next_answer(client, "/sitemap-products-1.xml")
    assert "tra-shan-tuyet" not in sitemap.get_data(as_text=True)


def test_an_approval_puts_the_product_on_cached_pages(db, app, frozen_today, staff):
    product = make_product(name="Mật ong bạc hà", slug="mat-ong", certificate=False)
    certificate = make_certificate(product, status=CertificateStatus.PENDING)
    db.session.commit()
    client = new_client(app)
    assert "Mật ong bạc hà" not in cached(client, "/products")
    assert client.get("/p/mat-ong").status_code == 404

    certificates.decide(certificate, staff, "approve")

    assert "Mật ong bạc hà" in next_answer(client, "/products").get_data(as_text=True)
    assert client.get("/p/mat-ong").status_code == 200


def test_a_suspended_producer_disappears_from_cached_pages(db, app, tea, staff):
    client = new_client(app)
    slug = tea.producer.slug
    assert "Trà Shan tuyết" in cached(client, f"/producers/{slug}")
    assert "Trà Shan tuyết" in cached(client, "/")

    producers.set_producer_status(tea.producer, ProducerStatus.SUSPENDED, staff, "Vi phạm")

    assert client.get(f"/producers/{slug}").status_code == 404
    assert "Trà Shan tuyết" not in next_answer(client, "/").get_data(as_text=True)
    assert client.get(PRODUCT).status_code == 404


def test_a_hidden_product_disappears_from_cached_pages(db, app, tea):
    client = new_client(app)
    assert "Trà Shan tuyết" in cached(client, "/products")
    cached(client, PRODUCT)

    listings.change_status(tea, "hide", tea.producer.owner)

    assert "Trà Shan tuyết" not in next_answer(client, "/products").get_data(as_text=True)
    assert client.get(PRODUCT).status_code == 404


def test_a_new_price_shows_at_once(db, app, tea):
    client = new_client(app)
    assert "₫250,000" in cached(client, PRODUCT)
    variant = tea.variants[0]
    details = listings.VariantDetails(
        label=variant.label, sku=variant.sku, price=199_000, stock=5, weight_grams=500
    )

    listings.update_variant(variant, details, tea.producer.owner)

    page = next_answer(client, PRODUCT).get_data(as_text=True)
    assert "₫199,000" in page and "₫250,000" not in page
    api = next_answer(client, "/api/v1/products/tra-shan-tuyet").get_json()
    assert "199000" in str(api) and "250000" not in str(api)


def test_an_order_taking_stock_shows_at_once(db, app, tea):
    client = new_client(app)
    assert "Only 5 left" in cached(client, PRODUCT)
    buyer = make_user(full_name="Trần Thị Mai")
    db.session.commit()

    place_for(db, buyer, (tea, 2))  # checkout's conditional stock UPDATE, not a flush

    page = next_answer(client, PRODUCT).get_data(as_text=True)
    assert "Only 3 left" in page and "Only 5 left" not in page


def test_a_new_photo_shows_at_once(db, app, tea):
    client = new_client(app)
    before = cached(client, PRODUCT)
    assert "/media/" not in before

    image = listings.add_image(tea, jpeg(), "Hộp trà", tea.producer.owner)

    page = next_answer(client, PRODUCT).get_data(as_text=True)
    assert image.key in page


def test_a_new_review_shows_at_once(db, app, tea):
    buyer = make_user(full_name="Trần Thị Mai")
    db.session.commit()
    order = place_for(db, buyer, (tea, 1))
    walk(order.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    client = new_client(app)
    assert "No buyer reviews yet" in cached(client, PRODUCT)

    reviews.post_review(order.lines[0], buyer, 5, "Trà thơm, giao nhanh.")
    db.session.commit()

    page = next_answer(client, PRODUCT).get_data(as_text=True)
    assert "Trà thơm, giao nhanh." in page and "1 buyer review" in page


def test_a_certificate_expiring_today_leaves_cached_pages_at_vietnam_midnight(db, app):
    with clock.frozen(dt.datetime(2026, 11, 30, 23, 59)):
        make_product(
            name="Trà Shan tuyết Tà Xùa",
            slug="tra-shan-tuyet",
            certificate={"expires_on": dt.date(2026, 11, 30)},
        )
        db.session.commit()
        before = version(db)
        client = new_client(app)
        assert "Trà Shan tuyết" in cached(client, "/products")
        assert "Trà Shan tuyết" in cached(client, PRODUCT)
    # 17:00 UTC is midnight in Vietnam: nothing was written, only the date moved.
    with clock.frozen(dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)):
        assert clock.today() == dt.date(2026, 12, 1)
        assert "Trà Shan tuyết" not in next_answer(client, "/products").get_data(as_text=True)
        assert client.get(PRODUCT).status_code == 404
        assert version(db) == before


# --- the version: raised in the changing transaction, by writes to public tables only -------


def test_the_version_rises_with_the_commit_and_not_before(db, app, tea):
    before = version(db)
    db.session.execute(sa.update(Variant).values(stock=Variant.stock + 1))
    other = sa.orm.Session(_db.engine)
    try:
        assert (
            other.scalar(sa.select(sa.func.sum(CacheVersion.n))) == before
        )  # a reader before the commit
    finally:
        other.close()
    db.session.commit()
    assert version(db) == before + 1


def test_a_rolled_back_change_and_a_cart_leave_the_version_alone(db, app, tea):
    before = version(db)
    db.session.execute(sa.update(Variant).values(stock=0))
    db.session.rollback()
    assert version(db) == before
    client = new_client(app)
    cached(client, PRODUCT)
    token = csrf_from(client.get(PRODUCT).get_data(as_text=True))
    client.post(
        "/cart/add",
        data={"variant_id": tea.variants[0].id, "quantity": 1, "csrf_token": token},
    )
    assert version(db) == before
    client.get(PRODUCT)  # the flash of the addition: not from the cache
    answer = client.get(PRODUCT)
    assert answer.headers["X-Cache"] == "hit"
    assert 'data-testid="cart-count">1<' in answer.get_data(as_text=True)


def test_a_change_through_one_app_is_seen_by_another_at_its_next_request(db, app, tea, another_app):
    """Two workers: two apps on one database, each with its own in-process store."""
    other = another_app("other")
    first, second = new_client(app), new_client(other)
    assert "₫250,000" in cached(first, PRODUCT)
    with other.app_context():
        assert "₫250,000" in cached(second, PRODUCT)

    token = csrf_from(first.get("/login").get_data(as_text=True))
    first.post(
        "/login",
        data={"email": tea.producer.owner.email, "password": "mat-khau-123", "csrf_token": token},
    )
    variant = tea.variants[0]
    token = csrf_from(
        first.get(f"/producer/products/{tea.id}/variants/{variant.id}").get_data(as_text=True)
    )
    answer = first.post(
        f"/producer/products/{tea.id}/variants/{variant.id}",
        data={
            "label": variant.label,
            "sku": variant.sku,
            "price": "180000",
            "stock": "5",
            "weight_grams": "500",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)

    with other.app_context():
        page = next_answer(second, PRODUCT).get_data(as_text=True)
    assert "₫180,000" in page and "₫250,000" not in page


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")


def test_two_apps_share_one_redis_store_and_see_each_others_changes(db, tea, another_app):
    import redis

    redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}:"

    def server(name):
        return another_app(name, REDIS_URL="redis://127.0.0.1:6379/0", CACHE_KEY_PREFIX=prefix)

    one, two = server("one"), server("two")
    first, second = new_client(one), new_client(two)
    with one.app_context():
        assert first.get(PRODUCT).headers["X-Cache"] == "miss"
    with two.app_context():
        shared = second.get(PRODUCT)
        assert shared.headers["X-Cache"] == "hit"  # stored by the other server
        assert type(cache.cache).__name__ == "RedisCache"
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(store.scan_iter(f"{prefix}*"))
    assert keys and all(0 < store.ttl(key) <= 600 for key in keys)  # every entry expires

    listings.change_status(tea, "hide", tea.producer.owner)

    with two.app_context():
        assert second.get(PRODUCT).status_code == 404
    with one.app_context():
        assert first.get(PRODUCT).status_code == 404
    for key in store.scan_iter(f"{prefix}*"):
        store.delete(key)


# --- nothing personal is stored or served to another person ----------------------------------


def add_to_cart(client, tea, quantity: int) -> None:
    token = csrf_from(client.get("/").get_data(as_text=True))
    answer = client.post(
        "/cart/add",
        data={"variant_id": tea.variants[0].id, "quantity": quantity, "csrf_token": token},
    )
    assert answer.status_code == 302


def cart_count(html: str) -> str:
    return re.search(r'data-testid="cart-count">([^<]*)<', html).group(1)


def test_two_visitors_get_their_own_cart_count_and_token_from_one_cached_page(db, app, tea):
    mai, lan = new_client(app, "vi"), new_client(app, "vi")
    add_to_cart(mai, tea, 2)
    add_to_cart(lan, tea, 3)
    mai.get("/products")  # the flashed "added" message, then the page is stored
    lan.get("/products")
    first = mai.get("/products")
    second = lan.get("/products")
    assert {first.headers["X-Cache"], second.headers["X-Cache"]} <= {"miss", "hit"}
    assert second.headers["X-Cache"] == "hit"
    mai_page, lan_page = first.get_data(as_text=True), second.get_data(as_text=True)
    assert (cart_count(mai_page), cart_count(lan_page)) == ("2", "3")
    mai_token, lan_token = csrf_from(mai_page), csrf_from(lan_page)
    assert mai_token != lan_token
    assert "pc:" not in lan_page  # no marker left

    def switch(client, token):
        return client.post("/language", data={"language": "en", "next": "/", "csrf_token": token})

    assert switch(lan, mai_token).status_code == 400  # another visitor's token
    assert switch(lan, lan_token).status_code == 302  # its own


def test_a_vietnamese_and_an_english_visitor_each_get_their_language(db, app, tea):
    vi, en = new_client(app, "vi"), new_client(app, "en")
    vi_page, en_page = cached(vi, "/products"), cached(en, "/products")
    assert '<html lang="vi">' in vi_page and "Giỏ hàng" in vi_page
    assert '<html lang="en">' in en_page and "Cart" in en_page and "Giỏ hàng" not in en_page
    anonymous = new_client(app, None)  # no choice yet: Vietnamese
    assert '<html lang="vi">' in cached(anonymous, "/products")


def test_a_stored_page_sets_no_cookie_of_another_visitor(db, app, tea):
    first, second = new_client(app), new_client(app)
    stored = first.get(PRODUCT)
    assert stored.headers["X-Cache"] == "miss"
    served = second.get(PRODUCT)
    assert served.headers["X-Cache"] == "hit"
    mine, theirs = stored.headers.getlist("Set-Cookie"), served.headers.getlist("Set-Cookie")
    assert mine and theirs and not set(mine) & set(theirs)


def test_signed_in_visitors_and_flashed_messages_bypass_the_cache(db, app, tea, login, client):
    client.set_cookie("lang", "en")
    cached(client, PRODUCT)
    buyer = make_user(full_name="Trần Thị Mai")
    db.session.commit()
    login(buyer)
    page = client.get(PRODUCT)
    assert page.headers["X-Cache"] == "bypass"
    assert "Trần Thị Mai" in page.get_data(as_text=True)
    stranger = new_client(app)
    assert "Trần Thị Mai" not in cached(stranger, PRODUCT)


def test_errors_redirects_and_unknown_arguments_are_never_stored(db, app, frozen_today):
    client = new_client(app)
    for _ in range(2):
        missing = client.get("/p/not-yet")
        assert missing.status_code == 404 and missing.headers["X-Cache"] == "bypass"
        assert cart_count(missing.get_data(as_text=True)) == "0"  # filled, not a marker
        bad = client.get("/products?stars=9")
        assert bad.status_code == 400 and bad.headers["X-Cache"] == "bypass"
        odd = client.get("/products?utm_source=tv")
        assert odd.status_code == 200 and odd.headers["X-Cache"] == "bypass"
        search = client.get("/api/v1/products?q=tra")  # the index follows the commit: not kept
        assert search.status_code == 200 and search.headers["X-Cache"] == "bypass"
    make_product(name="Mắm tôm", slug="not-yet")
    db.session.commit()
    assert client.get("/p/not-yet").status_code == 200


def test_a_flood_of_query_strings_stays_within_the_bound(db, tea, another_app):
    small = another_app("small", CACHE_THRESHOLD=20)
    client = new_client(small)
    with small.app_context():
        for n in range(1, 120):
            assert client.get(f"/products?page={n}").status_code == 200
        for _ in range(50):
            client.get(f"/products?x{secrets.token_hex(4)}=1")
        stored = cache.cache._cache  # SimpleCache's dict
        assert 0 < len(stored) <= 21


# --- conditional GETs and compression --------------------------------------------------------


def test_an_unchanged_page_answers_304_and_a_change_gives_a_new_etag(db, app, tea):
    client = new_client(app)
    cached(client, PRODUCT)
    etag = client.get(PRODUCT).headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(PRODUCT, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["X-Cache"] == "hit"

    add_to_cart(client, tea, 1)  # a personal value changed: the page kept by the browser is old
    client.get(PRODUCT)  # the flash
    assert client.get(PRODUCT, headers={"If-None-Match": etag}).status_code == 200
    etag = client.get(PRODUCT).headers["ETag"]
    assert client.get(PRODUCT, headers={"If-None-Match": etag}).status_code == 304

    listings.change_status(tea, "hide", tea.producer.owner)
    listings.change_status(tea, "show", tea.producer.owner)
    fresh = client.get(PRODUCT, headers={"If-None-Match": etag})
    # the same page again (hidden, then shown): a new version, the same bytes, still 304
    assert fresh.status_code == 304 and fresh.headers["X-Cache"] == "miss"
    variant = tea.variants[0]
    details = listings.VariantDetails(
        label=variant.label, sku=variant.sku, price=199_000, stock=5, weight_grams=500
    )
    listings.update_variant(variant, details, tea.producer.owner)
    changed = client.get(PRODUCT, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_another_visitors_etag_does_not_get_a_304(db, app, tea):
    first, second = new_client(app), new_client(app)
    etag = cached(first, PRODUCT) and first.get(PRODUCT).headers["ETag"]
    assert second.get(PRODUCT, headers={"If-None-Match": etag}).status_code == 200


def test_the_api_answers_304_with_its_etag(db, app, tea):
    client = new_client(app)
    cached(client, "/api/v1/products")
    answer = client.get("/api/v1/products")
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/products", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_cached_pages_are_gzipped_for_browsers_that_accept_it(db, app, tea):
    client = new_client(app)
    gz = {"Accept-Encoding": "gzip"}
    client.get(PRODUCT, headers=gz)
    answer = client.get(PRODUCT, headers=gz)
    assert answer.headers["X-Cache"] == "hit"
    assert answer.headers["Content-Encoding"] == "gzip"
    assert {"Accept-Encoding", "Cookie"} <= set(answer.vary)
    html = gzip.decompress(answer.get_data()).decode()
    assert "Trà Shan tuyết" in html and "pc:" not in html
    again = client.get(PRODUCT, headers={**gz, "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_the_switch_turns_the_cache_off(db, tea, another_app):
    off = another_app("off", PAGE_CACHE=False)
    client = new_client(off)
    with off.app_context():
        assert "X-Cache" not in client.get(PRODUCT).headers
        assert "X-Cache" not in client.get(PRODUCT).headers


# --- the version row under concurrent orders -------------------------------------------------


def place_one(app, variant_id: int) -> bool:
    """A guest's order of one unit, in its own app context (a worker); False if refused."""
    from shop import geo
    from shop.cart import services as carts
    from shop.cart.models import Cart, CartLine
    from shop.checkout.services import Delivery, place_order
    from shop.enums import PaymentMethod
    from shop.errors import Refused

    with app.app_context():
        cart = Cart(token=secrets.token_urlsafe(32))
        _db.session.add(cart)
        _db.session.add(CartLine(cart=cart, variant_id=variant_id, quantity=1))
        _db.session.commit()
        delivery = Delivery(
            "Trần Thị Mai", "+84987654321", "mai@example.vn", "15 Lê Duẩn", geo.wards(66)[0][0], 66
        )
        try:
            place_order(
                cart, delivery, PaymentMethod.COD, secrets.token_hex(16), carts.view(cart).total
            )
        except Refused:
            _db.session.rollback()
            return False
        finally:
            _db.session.remove()
        return True


def test_orders_placed_at_once_each_raise_the_version_once_and_never_oversell(db, app, tea):
    from tests.concurrency import Race

    variant_id = tea.variants[0].id  # 5 in stock
    before = version(db)
    placed: list[bool] = []
    with Race(db, rows=[(Variant, variant_id)]) as race:
        for _ in range(8):
            race.start(lambda: placed.append(place_one(app, variant_id)))
    assert sorted(placed) == [False] * 3 + [True] * 5
    assert version(db) == before + 5  # one raise per placed order, none for a refused one
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 0
