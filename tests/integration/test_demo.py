"""The demo catalogue: idempotent, varied, valid, and its never-listed products stay hidden."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from stdnum.vn import mst

from shop import clock, demo, geo
from shop.accounts.models import User
from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.services import listable_products, unlisted_reason
from shop.certification.models import Certificate
from shop.demo import DEMO_ACCOUNTS, NEVER_LISTED_SLUGS, load_demo
from shop.demo_data import PRODUCTS
from shop.enums import CertificateStatus, IssuingLevel, LegalForm, ProductStatus, Role
from shop.producers.models import Producer
from shop.text import slugify

MODELS = (Producer, Product, Variant, Certificate, User, ProductImage)
DEMO_SLUGS = {slugify(row.name) for row in PRODUCTS}


def counts(db) -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in MODELS
    }


def demo_products(db) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.slug.in_(DEMO_SLUGS))))


def listed_slugs(db) -> set[str]:
    return {product.slug for product, _ in db.session.execute(listable_products()).all()}


@pytest.fixture
def fast_pictures(monkeypatch):
    """Skip the slow part (drawing): one tiny picture per product (the test config hashes
    passwords cheaply). The full load, pictures and scrypt included, is tested once below."""
    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), (200, 150, 90)).save(buffer, "PNG")
    monkeypatch.setattr(demo, "_pictures", lambda row: [(buffer.getvalue(), row.name)])


@pytest.fixture
def loaded(db, fast_pictures, frozen_today):
    """The demo loaded and committed, as `flask demo load` leaves it."""
    load_demo()
    db.session.commit()
    return db


def test_loading_twice_creates_nothing_new_and_stores_the_pictures(app, db, frozen_today):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # as in production
    created = load_demo()
    db.session.commit()
    first = counts(db)

    assert created == len(PRODUCTS)
    assert load_demo() == 0
    db.session.commit()
    assert counts(db) == first
    staff = db.session.scalar(sa.select(User).where(User.role == Role.STAFF))
    assert staff.password_hash.startswith("scrypt:")

    multi_pack = sum(1 for row in PRODUCTS if len(row.variants) > 1)
    assert first["ProductImage"] == len(PRODUCTS) + multi_pack
    media = Path(app.instance_path) / "media"
    for image in db.session.scalars(sa.select(ProductImage)):
        assert (image.width, image.height) == (1200, 900)
        assert (media / image.key[:2] / f"{image.key}-320.webp").is_file()
        assert image.alt_text.startswith(image.product.name)


def test_load_demo_flushes_but_leaves_the_commit_to_the_caller(db, fast_pictures, frozen_today):
    load_demo()
    assert counts(db)["Product"] == len(PRODUCTS)
    db.session.rollback()
    assert counts(db)["Product"] == 0


def test_a_changed_demo_password_is_restored_by_the_next_load(loaded):
    staff = loaded.session.scalar(sa.select(User).where(User.email == "staff@demo.cho-ocop.vn"))
    staff.set_password("something-else")
    loaded.session.commit()

    load_demo()
    assert staff.check_password(DEMO_ACCOUNTS[-1].password)


def test_the_producers_are_varied_and_valid(loaded):
    producers = list(loaded.session.scalars(sa.select(Producer)))

    assert len(producers) >= 12
    assert len({p.province_code for p in producers}) >= 10
    assert {p.legal_form for p in producers} == set(LegalForm)
    for producer in producers:
        assert len(producer.tax_code) == 10 and mst.is_valid(producer.tax_code), producer.slug
        assert geo.ward_in_province(producer.ward_code, producer.province_code), producer.slug
        assert re.fullmatch(r"\+84[35789]\d{8}", producer.phone), producer.slug
        assert producer.owner.role == Role.PRODUCER
        assert producer.street and producer.description
    assert len({p.tax_code for p in producers}) == len(producers)


def test_the_products_are_varied_and_complete(loaded):
    products = demo_products(loaded)
    sets = {p.product_set_code for p in products}

    assert len(products) == len(PRODUCTS) >= 44
    assert len(sets) >= 10
    assert not sets & {25, 26}
    assert all(p.product_set.shippable for p in products)
    for product in products:
        assert product.status == ProductStatus.ACTIVE
        assert 1 <= len(product.variants) <= 3, product.slug
        assert product.images and product.description
        for variant in product.variants:
            assert variant.price > 0 and variant.price % 1000 == 0
            assert 0 <= variant.stock <= 120 and variant.weight_grams > 0
    stocks = [v.stock for p in products for v in p.variants]
    assert 0 in stocks and any(0 < s <= 5 for s in stocks)


def test_the_certificates_are_plausible(loaded, frozen_today):
    today = clock.today()
    staff = loaded.session.scalar(sa.select(User).where(User.role == Role.STAFF))
    approved = [
        c for p in demo_products(loaded) if p.slug not in NEVER_LISTED_SLUGS for c in p.certificates
    ]

    assert {c.stars for c in approved} == {3, 4, 5}
    for c in approved:
        assert c.status == CertificateStatus.APPROVED
        assert 60 <= (today - c.decision_date).days <= 900, c.number
        assert c.reviewer == staff and c.reviewed_at is not None
        assert c.decision_number.split("/")[0].isdigit()
        if c.stars == 5:
            assert c.issuing_level == IssuingLevel.NATIONAL
            assert c.issuing_body.startswith("Bộ Nông nghiệp và ")
        elif c.issuing_level == IssuingLevel.DISTRICT:
            assert c.stars == 3 and c.issuing_body.startswith("UBND ")
            assert c.decision_date < demo.PROVINCES_MERGED
        else:
            assert c.issuing_level == IssuingLevel.PROVINCE
            assert c.issuing_body.startswith(("UBND tỉnh ", "UBND thành phố "))
    assert any(c.issuing_level == IssuingLevel.DISTRICT for c in approved)


def test_the_never_listed_products_are_unlisted_for_the_right_reasons(loaded):
    by_slug = {p.slug: p for p in demo_products(loaded)}
    reasons = {slug: unlisted_reason(by_slug[slug]) for slug in NEVER_LISTED_SLUGS}

    assert reasons == {
        demo.EXPIRED: "certificate_expired",
        demo.REVOKED: "certificate_revoked",
        demo.PENDING: "certificate_pending",
        demo.REJECTED: "certificate_rejected",
    }
    for slug in (demo.REVOKED, demo.REJECTED):
        assert by_slug[slug].certificates[0].review_reason
    for slug in NEVER_LISTED_SLUGS:
        assert by_slug[slug].variants
    assert listed_slugs(loaded) == DEMO_SLUGS - set(NEVER_LISTED_SLUGS)


def test_the_storefront_never_shows_the_never_listed_products(loaded, client):
    by_slug = {p.slug: p for p in demo_products(loaded)}
    home = client.get("/").get_data(as_text=True)

    for slug in NEVER_LISTED_SLUGS:
        name = by_slug[slug].name
        assert client.get(f"/p/{slug}").status_code == 404
        assert f"/p/{slug}" not in home and f">{name}<" not in home
        found = client.get("/search", query_string={"q": name}).get_data(as_text=True)
        assert f"/p/{slug}" not in found and f">{name}<" not in found
    # …while the same pages do show a listed product.
    listed = by_slug["nuoc-mam-nhi-ca-com-phu-quoc-43-do-dam"]
    found = client.get("/search", query_string={"q": listed.name}).get_data(as_text=True)
    assert f"/p/{listed.slug}" in found
    for slug in DEMO_SLUGS - set(NEVER_LISTED_SLUGS):
        assert client.get(f"/p/{slug}").status_code == 200, slug


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.email.split("@")[0])
def test_each_demo_account_logs_in_through_the_form(loaded, app, account):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    response = client.post(
        "/login", data={"email": account.email, "password": account.password, "csrf_token": token}
    )

    assert response.status_code == 302
    assert account.full_name in client.get(response.headers["Location"]).get_data(as_text=True)
    user = loaded.session.scalar(sa.select(User).where(User.email == account.email))
    assert user.role == Role(account.role)


def test_the_demo_accounts_are_four_and_each_producer_owner_has_a_producer(loaded):
    assert sorted(a.role for a in DEMO_ACCOUNTS) == ["customer", "producer", "producer", "staff"]
    owners = [a for a in DEMO_ACCOUNTS if a.role == "producer"]
    producers = [
        loaded.session.scalar(sa.select(User).where(User.email == a.email)).producer for a in owners
    ]
    assert all(producers) and producers[0] != producers[1]
    assert all(
        a.email.endswith("@demo.cho-ocop.vn") and len(a.password) >= 8 for a in DEMO_ACCOUNTS
    )
