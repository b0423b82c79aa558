"""Shared fixtures of the security sweep: a small shop with one of everything, and snapshots.

`shop_world` builds, through the factories and the real services, every kind of row a route
may act on (a listed product with a photo, a certificate waiting for changes with its scan, a
delivered order with a reviewed and an unreviewed line, a buyer's cart, a reset token), so a
test can fill any URL parameter with a real id and the route would otherwise act.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from shop.extensions import db as _db
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_producer, make_product, make_user

DAK_LAK = 66


@dataclass
class World:
    """Who is who, and the ids a URL can name."""

    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)


def sign_in(app, user=None, *, language: str = "en") -> IsolatedClient:
    """A new client (English unless asked), logged in as `user` through the real form."""
    _db.session.commit()
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", language)
    if user is not None:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        answer = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def token_of(client, path: str = "/") -> str:
    """A valid CSRF token of this client's session (from a page with a form)."""
    return csrf_from(client.get(path).get_data(as_text=True))


def place_for(buyer, *lines, method=None, note: str = "", street: str = "15 Lê Duẩn"):
    """Place an order as `buyer` for (product, quantity) pairs, through place_order()."""
    from shop import geo
    from shop.cart import services as carts
    from shop.cart.models import Cart, CartLine
    from shop.checkout.services import Delivery, place_order
    from shop.enums import PaymentMethod

    cart = Cart(token=secrets.token_urlsafe(32))
    _db.session.add(cart)
    for product, quantity in lines:
        _db.session.add(CartLine(cart=cart, variant_id=product.variants[0].id, quantity=quantity))
    _db.session.commit()
    delivery = Delivery(
        buyer.full_name,
        "+84987654321",
        buyer.email,
        street,
        geo.wards(DAK_LAK)[0][0],
        DAK_LAK,
        note=note,
    )
    return place_order(
        cart,
        delivery,
        method or PaymentMethod.BANK_TRANSFER,
        secrets.token_hex(16),
        carts.view(cart).total,
        user_id=buyer.id,
    )


def deliver(sub_order) -> None:
    """Move a shipment to delivered, as its producer would."""
    from shop.enums import OrderStatus as S
    from shop.orders import states

    for target in (S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED):
        extra = {"carrier": "Giao Hàng Nhanh", "tracking_number": "GHN1"}
        states.transition(
            sub_order,
            target,
            role="producer",
            actor_id=None,
            **(extra if target == S.SHIPPED else {}),
        )


@pytest.fixture
def shop_world(app, db, frozen_today, fast_demo) -> World:
    from shop import media
    from shop.accounts.services import make_reset_token
    from shop.cart.models import Cart, CartLine
    from shop.catalog.models import ProductImage, ProductRevision
    from shop.certification.scans import store_scan
    from shop.enums import CertificateStatus, PaymentMethod, Role
    from shop.reviews import services as reviews
    from tests import images
    from tests.scans import PDF

    owner_producer = make_producer(name="HTX Cà phê Thử")
    coffee = make_product(owner_producer, name="Cà phê hạt", slug="ca-phe-hat")
    tea = make_product(owner_producer, name="Trà sen", slug="tra-sen")
    stored = media.store_image(images.png())
    image = ProductImage(
        product=coffee, key=stored.key, width=stored.width, height=stored.height, position=0
    )
    db.session.add(image)
    scan = store_scan(PDF)
    waiting = make_product(
        owner_producer,
        name="Mật ong chờ",
        slug="mat-ong-cho",
        certificate={
            "status": CertificateStatus.CHANGES_REQUESTED,
            "scan_path": scan.path,
            "scan_type": scan.content_type,
        },
    )
    other = make_producer(name="HTX Khác")
    make_product(other, name="Nước mắm khác", slug="nuoc-mam-khac")
    buyer = make_user(full_name="Trần Thị Mai", email="mai@example.vn")
    staff = make_user(Role.STAFF, full_name="Kiểm Duyệt", email="staff@example.vn")
    revision = ProductRevision(  # a rename of the tea waiting for staff
        product=tea, name="Trà sen Tây Hồ", product_set_code=11, proposed_by=owner_producer.owner
    )
    db.session.add(revision)
    db.session.commit()

    delivered = place_for(buyer, (coffee, 1), (tea, 1), method=PaymentMethod.COD)
    deliver(delivered.sub_orders[0])
    db.session.commit()
    reviewed_line, free_line = delivered.lines[0], delivered.lines[1]
    review = reviews.post_review(reviewed_line, buyer, 5, "Ngon.")
    db.session.commit()
    open_order = place_for(buyer, (coffee, 1))

    cart = Cart(token=secrets.token_urlsafe(32), user_id=buyer.id)
    db.session.add(cart)
    cart_line = CartLine(cart=cart, variant_id=tea.variants[0].id, quantity=1)
    db.session.add(cart_line)
    from shop.checkout.models import Address
    from shop.privacy.consents import unsubscribe_token

    address = Address(
        user_id=buyer.id,
        full_name="Trần Thị Mai",
        phone="+84987654321",
        street="15 Lê Duẩn",
        ward_code=delivered.ward_code,
        province_code=delivered.province_code,
    )
    db.session.add(address)
    from shop.payouts.models import PayoutBatch, PayoutLine

    batch = PayoutBatch(created_by_id=staff.id)
    db.session.add(batch)
    db.session.flush()
    payout_line = PayoutLine(
        batch_id=batch.id,
        producer_id=owner_producer.id,
        amount=150_000,
        bank_bin="970436",
        account_number="0071000123456",
        holder_name="HTX CA PHE THU",
    )
    db.session.add(payout_line)
    db.session.commit()
    inspection = _an_inspection(coffee, staff)
    fairs_ids = _fairs_world(coffee, staff)

    return World(
        users={
            "buyer": buyer,
            "owner": owner_producer.owner,
            "other_producer": other.owner,
            "staff": staff,
        },
        products={"coffee": coffee, "tea": tea, "waiting": waiting},
        ids={
            "product_id": coffee.id,
            "variant_id": coffee.variants[0].id,
            "image_id": image.id,
            "image_key": image.key,
            "certificate_id": waiting.certificates[0].id,
            "revision_id": revision.id,
            "number": open_order.number,
            "sub_order_id": open_order.sub_orders[0].id,
            "delivered_number": delivered.number,
            "order_line_id": free_line.id,
            "review_id": review.id,
            "cart_line_id": cart_line.id,
            "reset_token": make_reset_token(buyer),
            "address_id": address.id,
            "unsubscribe_token": unsubscribe_token(buyer),
            "batch_id": batch.id,
            "line_id": payout_line.id,
            "month": "2026-11",
            "inspection_id": inspection.id,
            "attachment_id": inspection.attachments[0].id,
            "slug": coffee.slug,  # a product page's own forms (the label report)
            **fairs_ids,
        },
    )


def _fairs_world(product, staff) -> dict[str, int]:
    """A label report with a photo, an upcoming event, a collective mark (issue #17)."""
    import datetime as dt

    from shop import clock
    from shop.events.services import EventDetails, publish
    from shop.marks.services import MarkDetails, record
    from shop.reports.services import NewReport, report_product
    from tests import images

    report = report_product(
        product, product.certificates[0], NewReport("other", photo=images.png()), None
    )
    today = clock.today()
    event = publish(
        EventDetails("Hội chợ OCOP", "fair", 66, "Quảng trường", today, today + dt.timedelta(3)),
        staff,
    )
    mark = record(MarkDetails("Cà phê Buôn Ma Thuột", "gi", "00005", "UBND tỉnh Đắk Lắk"), staff)
    return {"report_id": report.id, "event_id": event.id, "mark_id": mark.id}


def _an_inspection(product, staff):
    """An inspection of the coffee recorded with one photo (the programme office, issue #17)."""
    from shop import clock
    from shop.programme import services
    from shop.programme.models import InspectionOutcome
    from tests.scans import png_bytes

    inspection = services.plan_inspection(product, "routine", clock.today(), staff)
    services.record_inspection(
        inspection,
        staff,
        services.Record(
            clock.today(),
            "Lê Kiểm",
            "Đạt",
            InspectionOutcome.PASSED,
            files=[png_bytes()],
        ),
    )
    return inspection


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, as comparable tuples (the database is small in these tests)."""
    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        result = db.session.execute(sa.select(table)).all()
        rows[table.name] = sorted((tuple(map(repr, row)) for row in result), key=repr)
    db.session.rollback()
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]
