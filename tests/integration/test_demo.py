"""The demo catalogue: made through the shop's own use cases, idempotent, varied, valid, and its
never-listed products stay hidden for reasons the shop itself gave."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from stdnum.vn import mst

from shop import clock, demo, geo
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.services import listable_products, unlisted_reason
from shop.certification.models import Certificate
from shop.demo import DEMO_ACCOUNTS, NEVER_LISTED_SLUGS, load_demo
from shop.demo.data import PRODUCERS, PRODUCTS
from shop.demo.programme import DUE
from shop.enums import CertificateStatus, IssuingLevel, LegalForm, ProductStatus, Role
from shop.mail import OutboxMessage
from shop.producers.models import Producer
from shop.text import slugify
from tests.factories import make_producer, make_user

MODELS = (
    Producer,
    Product,
    Variant,
    Certificate,
    User,
    ProductImage,
    AuditEntry,
    OutboxMessage,
)
DEMO_SLUGS = {slugify(row.name) for row in PRODUCTS}
# The programme office's products (shop/demo/programme.py): certificates due for renewal,
# three of them with a renewal submitted (approved, waiting, sent back).
PROGRAMME_SLUGS = {slugify(row.name) for row, _stage in DUE}
RENEWALS = sum(1 for _row, stage in DUE if stage != "none")
STAFF_EMAIL = "staff@demo.cho-ocop.vn"


def counts(db) -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in MODELS
    }


def demo_products(db) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.slug.in_(DEMO_SLUGS))))


def listed_slugs(db) -> set[str]:
    return {product.slug for product, _ in db.session.execute(listable_products()).all()}


def history(db, certificate: Certificate) -> list[tuple[str, str, str | None]]:
    """(action, actor's e-mail, reason) of the certificate's audit entries, oldest first."""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.subject_type == "Certificate", AuditEntry.subject_id == certificate.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [(e.action, e.actor.email, e.reason) for e in entries]


def local_day(moment: dt.datetime) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).date()


@pytest.fixture
def loaded(demo_loaded):
    """The demo as `flask demo load` leaves it, with tiny drawings (see tests/conftest.py)."""
    return demo_loaded


def test_loading_twice_creates_nothing_new_and_stores_the_drawings(app, db, frozen_today):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # as in production
    created = load_demo()
    first = counts(db)

    assert created == len(PRODUCTS)
    assert load_demo() == 0
    assert counts(db) == first
    staff = db.session.scalar(sa.select(User).where(User.role == Role.STAFF))
    assert staff.password_hash.startswith("scrypt:")

    multi_pack = sum(1 for row in PRODUCTS if len(row.variants) > 1)
    assert first["ProductImage"] == len(PRODUCTS) + multi_pack + len(DUE)
    media = Path(app.instance_path) / "media"
    for image in db.session.scalars(sa.select(ProductImage)):
        assert (image.width, image.height) == (1200, 900)
        assert (media / image.key[:2] / f"{image.key}-320.webp").is_file()
        assert image.alt_text.startswith(image.product.name)
    certificates = list(db.session.scalars(sa.select(Certificate)))
    scans = len(PRODUCTS) + len(DUE) + RENEWALS
    assert len({c.scan_path for c in certificates}) == scans  # one scan each
    for certificate in certificates:
        assert certificate.scan_type == "image/jpeg"
        with Image.open(Path(app.instance_path) / "scans" / certificate.scan_path) as scan:
            assert (scan.format, scan.size) == ("JPEG", (1600, 1131))


def test_a_failure_half_way_leaves_nothing_and_the_next_load_makes_everything(
    db, fast_demo, frozen_today, monkeypatch
):
    from shop.producers import listing_services

    change_status = listing_services.change_status

    def publish_but_fail_on_the_tenth(product, move, actor):
        if product.name == "Tiêu sọ trắng Phú Quốc":  # PRODUCTS[9]
            raise RuntimeError("the machine stopped")
        change_status(product, move, actor)

    monkeypatch.setattr(listing_services, "change_status", publish_but_fail_on_the_tenth)
    with pytest.raises(RuntimeError, match="the machine stopped"):
        load_demo()

    assert set(counts(db).values()) == {0}  # no account, producer, product, entry or e-mail

    monkeypatch.setattr(listing_services, "change_status", change_status)
    assert load_demo() == len(PRODUCTS)
    products = demo_products(db)
    assert len(products) == len(PRODUCTS)
    assert all(len(p.certificates) == 1 for p in products)
    assert listed_slugs(db) == (DEMO_SLUGS | PROGRAMME_SLUGS) - set(NEVER_LISTED_SLUGS)


def test_a_refusal_by_the_shop_stops_the_demo_saying_what_it_was_making(app, db, fast_demo):
    make_producer(name="Một hợp tác xã khác", slug="htx-ca-phe-ea-tul")  # the demo's address
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["demo", "load"])

    assert result.exit_code == 1
    assert (
        "The demo could not be loaded: the producer Hợp tác xã Nông nghiệp Cà phê Ea Tul: "
        "Một nhà sản xuất khác đã dùng địa chỉ này."
    ) in result.output
    assert counts(db)["Product"] == 0
    assert (
        db.session.scalar(sa.select(User).where(User.email == "htx.caphe@demo.cho-ocop.vn")) is None
    )


def test_an_account_that_is_not_a_producer_is_not_loaded_over(app, db, fast_demo):
    make_user(email="htx.caphe@demo.cho-ocop.vn")  # a customer took a demo owner's e-mail
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["demo", "load"])

    assert result.exit_code == 1
    assert "htx.caphe@demo.cho-ocop.vn exists but owns no producer" in result.output
    assert counts(db)["Product"] == 0


def test_a_changed_demo_password_is_restored_by_the_next_load(loaded):
    staff = loaded.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL))
    staff.set_password("something-else")
    loaded.session.commit()

    load_demo()
    assert staff.check_password("demo-staff-2026")


def test_every_certificate_went_through_the_review_use_cases_in_the_audit_log(loaded):
    special = {
        demo.REVOKED: ["certificate.submitted", "certificate.approved", "certificate.revoked"],
        demo.REJECTED: ["certificate.submitted", "certificate.rejected"],
        demo.PENDING: [
            "certificate.submitted",
            "certificate.changes_requested",
            "certificate.resubmitted",
        ],
    }
    producer_actions = {"certificate.submitted", "certificate.resubmitted"}
    for product in demo_products(loaded):
        (certificate,) = product.certificates
        entries = history(loaded, certificate)
        expected = special.get(product.slug, ["certificate.submitted", "certificate.approved"])

        assert [action for action, _, _ in entries] == expected, product.slug
        for action, actor, _reason in entries:
            owner = product.producer.owner.email
            assert actor == (owner if action in producer_actions else STAFF_EMAIL), action
    reasons = {
        slug: history(loaded, p.certificates[0])[-1][2]
        for p in demo_products(loaded)
        if (slug := p.slug) in special
    }
    assert reasons == {
        demo.REVOKED: demo.REVOKE_REASON,
        demo.REJECTED: demo.REJECT_REASON,
        demo.PENDING: None,  # the producer's resubmission gives no reason
    }


def test_each_review_told_the_producer_by_e_mail(loaded):
    reviews = loaded.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.actor.has(User.email == STAFF_EMAIL))
        .where(AuditEntry.action.like("certificate.%") | AuditEntry.action.like("inspection.%"))
    )
    recipients = set(loaded.session.scalars(sa.select(OutboxMessage.recipient)))

    # 51 approvals, a revocation, a rejection, a request for changes; the programme office's
    # 4 approvals, a renewal approved and one sent back, 3 inspections planned, 2 recorded
    assert reviews == 54 + 11
    # no mail for an inspection; the demo buyer hears the outcome of her closed label report
    assert counts(loaded)["OutboxMessage"] == 54 + 6 + 1
    assert recipients == {row.owner_email for row in PRODUCERS} | {"khach@demo.cho-ocop.vn"}


def test_the_story_happened_on_past_days_in_an_order_the_shop_allows(loaded):
    today_starts = clock.start_of_day_utc(clock.today())
    for product in demo_products(loaded):
        (certificate,) = product.certificates
        stamps = list(
            loaded.session.scalars(
                sa.select(AuditEntry.at)
                .where(AuditEntry.subject_type == "Certificate")
                .where(AuditEntry.subject_id == certificate.id)
                .order_by(AuditEntry.id)
            )
        )
        producer = product.producer

        assert producer.owner.created_at <= producer.created_at < product.created_at
        assert product.created_at < stamps[0] and stamps == sorted(stamps), product.slug
        assert stamps[-1] < today_starts, product.slug
    reviewed = {
        local_day(c.reviewed_at)
        for p in demo_products(loaded)
        if p.slug not in NEVER_LISTED_SLUGS
        for c in p.certificates
    }
    assert reviewed == {dt.date(2026, 10, 31)}  # thirty days before the frozen today


def test_the_expired_certificate_was_approved_while_valid_and_ran_out_since(loaded):
    product = loaded.session.scalar(sa.select(Product).where(Product.slug == demo.EXPIRED))
    (certificate,) = product.certificates

    assert certificate.status == CertificateStatus.APPROVED
    assert certificate.decision_date == dt.date(2023, 11, 16)
    assert certificate.expires_on == dt.date(2026, 11, 16)
    assert local_day(certificate.reviewed_at) == dt.date(2026, 10, 29)
    assert unlisted_reason(product) == "certificate_expired"


def test_the_revoked_certificate_shows_its_day_and_reason_on_the_public_page(loaded, english):
    html = english.get("/verify/OCOP-TH-2025-0023").get_data(as_text=True)

    assert "Revoked on 18/11/2026" in html
    assert demo.REVOKE_REASON in html


def test_the_pending_certificate_waits_for_staff_with_its_scan(loaded, client, login):
    staff = loaded.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL))
    pending = loaded.session.scalar(
        sa.select(Certificate).where(Certificate.status == CertificateStatus.PENDING)
    )
    login(staff, "demo-staff-2026")

    queue = client.get("/staff/certificates").get_data(as_text=True)
    page = client.get(f"/staff/certificates/{pending.id}").get_data(as_text=True)
    with client.get(f"/staff/certificates/{pending.id}/scan") as scan:
        scan_status, scan_type = scan.status_code, scan.mimetype

    assert pending.product.slug == demo.PENDING
    assert f"/staff/certificates/{pending.id}" in queue
    assert f'<img src="/staff/certificates/{pending.id}/scan/pages/1.png"' in page
    assert f'href="/staff/certificates/{pending.id}/scan" download' in page
    assert (scan_status, scan_type) == (200, "image/png")  # fast_demo's tiny scan
    assert pending.review_reason == demo.data.CHANGES_MESSAGE


def test_the_producers_are_varied_and_valid(loaded):
    producers = list(loaded.session.scalars(sa.select(Producer)))

    assert len(producers) >= 12
    assert len({p.province_code for p in producers}) >= 10
    assert {p.legal_form for p in producers} == set(LegalForm)
    assert {p.slug for p in producers} == {row.slug for row in PRODUCERS}
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
    skus = {v.sku for p in products for v in p.variants}
    assert {"EATUL-CPRRMCMG-1", "EATUL-CPRRMCMG-2", "BNPQ-NMNCCPQ4DD-1"} <= skus


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
        assert c.submitted_at < c.reviewed_at
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
    revoked, rejected = (
        by_slug[demo.REVOKED].certificates[0],
        by_slug[demo.REJECTED].certificates[0],
    )
    assert revoked.revoke_reason == demo.REVOKE_REASON and revoked.revoked_at is not None
    assert rejected.review_reason == demo.REJECT_REASON
    for slug in NEVER_LISTED_SLUGS:
        assert by_slug[slug].variants
    assert listed_slugs(loaded) == (DEMO_SLUGS | PROGRAMME_SLUGS) - set(NEVER_LISTED_SLUGS)


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
    for slug in (DEMO_SLUGS | PROGRAMME_SLUGS) - set(NEVER_LISTED_SLUGS):
        assert client.get(f"/p/{slug}").status_code == 200, slug
    assert client.get("/producers/htx-ca-phe-ea-tul").status_code == 200


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


def test_the_demo_accounts_are_five_and_each_producer_owner_has_a_producer(loaded):
    roles = sorted(a.role for a in DEMO_ACCOUNTS)
    assert roles == ["customer", "producer", "producer", "producer", "staff"]
    owners = [a for a in DEMO_ACCOUNTS if a.role == "producer"]
    producers = [
        loaded.session.scalar(sa.select(User).where(User.email == a.email)).producer for a in owners
    ]
    assert all(producers) and len(set(producers)) == 3
    assert all(
        a.email.endswith("@demo.cho-ocop.vn") and len(a.password) >= 8 for a in DEMO_ACCOUNTS
    )


def test_the_programme_office_has_renewals_at_each_stage_and_inspections(loaded, frozen_today):
    from shop.programme import renewals, services

    states = {d.certificate.product.name: d.state for d in renewals.due()}
    assert states == {
        "Chuối sấy dẻo Ea Tul": "approved",
        "Bơ sấy giòn Cư M'gar": "submitted",
        "Sim rừng sấy khô đảo Ngọc": "changes_requested",
        "Bánh tam giác mạch Đồng Văn": "none",
    }
    outcomes = sorted(i.outcome.value for i in services.inspections())
    assert outcomes == ["fix_by_deadline", "passed", "pending"]
    assert [i.subject_name for i in services.overdue_fixes()] == ["Tiêu đen Phú Quốc"]
    assert all(len(i.attachments) == 1 for i in services.inspections() if i.done_on)


def test_the_demo_has_a_fair_collective_marks_and_buyers_label_reports(loaded, client):
    from shop.events.models import EventEntry, TradeEvent
    from shop.marks.models import CollectiveMark, ProductMark
    from shop.reports.models import LabelReport

    db = loaded
    names = set(db.session.scalars(sa.select(TradeEvent.name)))
    assert "Hội chợ OCOP và đặc sản vùng miền Đắk Lắk 2026" in names
    assert db.session.scalar(sa.select(sa.func.count(EventEntry.id))) >= 2
    numbers = set(db.session.scalars(sa.select(CollectiveMark.registration_number)))
    assert numbers == {"00001", "00005"}
    assert db.session.scalar(sa.select(sa.func.count(ProductMark.id))) == 4
    statuses = sorted(db.session.scalars(sa.select(LabelReport.status)))
    assert statuses == ["closed", "new", "new"]
    assert "Hội chợ OCOP và đặc sản vùng miền Đắk Lắk 2026" in client.get("/events").get_data(
        as_text=True
    )
