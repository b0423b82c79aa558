"""Every producer and staff route, for every kind of visitor (parametrized from the URL map).

Routes are read from the application, so a new producer or staff route is covered the day it
is added; a route whose URL parameters this test cannot fill fails loudly.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop import create_app
from shop.catalog.models import ProductImage, ProductRevision
from shop.enums import CertificateStatus, Role
from tests.conftest import csrf_from
from tests.factories import make_producer, make_product, make_user

PUBLIC = {"producers.signup"}


def _rules():
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_PATH="/tmp/access-map")
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/producer/", "/staff/")) or rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method))
    return sorted(found)


ROUTES = _rules()
ROLES = ["anonymous", "customer", "owner", "other_producer", "staff"]


@pytest.fixture
def world(app, db, frozen_today):
    from shop.certification.scans import store_scan
    from tests.scans import PDF

    scan = store_scan(PDF)
    owner = make_producer()
    product = make_product(
        owner,
        certificate={
            "status": CertificateStatus.CHANGES_REQUESTED,
            "scan_path": scan.path,
            "scan_type": scan.content_type,
        },
    )
    image = ProductImage(product=product, key="a" * 40, width=10, height=10, position=0)
    db.session.add(image)
    other = make_producer()
    make_product(other)
    users = {
        "customer": make_user(),
        "owner": owner.owner,
        "other_producer": other.owner,
        "staff": make_user(Role.STAFF),
    }
    on_sale = make_product(owner)
    revision = ProductRevision(
        product=on_sale,
        name="Tên mới chờ duyệt",
        product_set_code=on_sale.product_set_code,
        proposed_by_id=owner.owner.id,
    )
    db.session.add(revision)
    db.session.commit()
    order_values = _an_order(db, on_sale)
    payout_values = _a_payout_batch(db, owner)
    fairs_values = _fairs_world(db, on_sale, users["staff"])
    inspection_values = _an_inspection(db, on_sale, users["staff"])
    values = {
        "product_id": product.id,
        "certificate_id": product.certificates[0].id,
        "variant_id": product.variants[0].id,
        "image_id": image.id,
        "action": None,  # filled per endpoint below
        "direction": "up",
        "page": 1,
        "revision_id": revision.id,
        **order_values,
        **payout_values,
        "month": "2026-11",
        **fairs_values,
        **inspection_values,
    }
    return users, values


def _fairs_world(db, product, staff):
    """A label report with a photo, an upcoming event, a mark (shop.reports/events/marks)."""
    import datetime as dt

    from shop import clock
    from shop.events.services import EventDetails, publish
    from shop.marks.services import MarkDetails, record
    from shop.reports.services import NewReport, report_product
    from tests.images import png

    report = report_product(
        product, product.certificates[0], NewReport(kind="wrong_stars", photo=png()), None
    )
    event = publish(
        EventDetails(
            "Hội chợ OCOP",
            "fair",
            66,
            "Quảng trường",
            clock.today(),
            clock.today() + dt.timedelta(3),
        ),
        staff,
    )
    mark = record(MarkDetails("Cà phê Buôn Ma Thuột", "gi", "00001", "Hội Cà phê"), staff)
    return {"report_id": report.id, "event_id": event.id, "mark_id": mark.id}


def _an_inspection(db, product, staff):
    """A recorded inspection with one photo (the programme office, issue #17)."""
    from shop.clock import today as frozen_day
    from shop.programme import services
    from shop.programme.models import InspectionOutcome
    from tests.scans import png_bytes

    inspection = services.plan_inspection(product, "routine", frozen_day(), staff)
    record = services.Record(
        inspection.planned_on,
        "Lê Kiểm",
        "Đạt",
        InspectionOutcome.FIX_BY_DEADLINE,
        fix_deadline=inspection.planned_on.replace(year=inspection.planned_on.year + 1),
        files=[png_bytes()],
    )
    services.record_inspection(inspection, staff, record)
    return {"inspection_id": inspection.id, "attachment_id": inspection.attachments[0].id}


def _an_order(db, product):
    from shop import geo
    from shop.cart.models import Cart, CartLine
    from shop.checkout.services import Delivery, place_order
    from shop.enums import PaymentMethod

    cart = Cart(token="x" * 43)
    db.session.add(cart)
    db.session.add(CartLine(cart=cart, variant_id=product.variants[0].id, quantity=1))
    db.session.commit()
    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", geo.wards(66)[0][0], 66
    )
    order = place_order(cart, delivery, PaymentMethod.BANK_TRANSFER, "a" * 32, 150_000 + 30_000)
    return {"number": order.number, "sub_order_id": order.sub_orders[0].id}


def _a_payout_batch(db, producer):
    import datetime as dt

    from shop.payouts.models import PayoutBatch, PayoutLine

    batch = PayoutBatch(created_at=dt.datetime(2026, 11, 29, 3, 0))
    db.session.add(batch)
    db.session.flush()
    line = PayoutLine(
        batch_id=batch.id,
        producer_id=producer.id,
        amount=250_000,
        bank_bin="970436",
        account_number="0071000123456",
        holder_name="HOP TAC XA",
    )
    db.session.add(line)
    db.session.commit()
    return {"batch_id": batch.id, "line_id": line.id}


ACTIONS = {
    "certification.decide": "approve",
    "producers.change_status": "hide",
    "revisions.decide": "refuse",
}


def _url(app, endpoint, values):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    args = {}
    for name in rule.arguments:
        value = ACTIONS.get(endpoint) if name == "action" else values.get(name)
        assert value is not None, f"{endpoint}: this test cannot fill <{name}>; teach it how"
        args[name] = value
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **args)


def _expected(endpoint: str, role: str, url: str) -> set[int]:
    staff_route = url.startswith("/staff/")
    # A producer URL that names one of the owner's things (an id in the path) is the owner's.
    own_only = any(part.isdigit() for part in url.split("/"))
    if role == "anonymous":
        return {302}
    if role == "customer":
        return {403}
    if staff_route:
        return {403} if role != "staff" else {200, 302, 400}
    if role == "staff":
        return {403}
    if role == "other_producer" and own_only:
        return {404}
    return {200, 302, 400}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint, method", ROUTES)
def test_every_producer_and_staff_route_answers_each_role_as_it_should(
    app, db, client, login, world, endpoint, method, role
):
    users, values = world
    if role != "anonymous":
        login(users[role])
    url = _url(app, endpoint, values)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_from(client.get("/").get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token})
    response.close()
    assert response.status_code in _expected(endpoint, role, url), (url, method, role)
    if role == "anonymous":
        assert "/login" in response.headers["Location"]


def test_the_route_list_is_not_empty():
    assert len(ROUTES) > 20
    assert {e for e, _ in ROUTES} >= {
        "producers.dashboard",
        "certification.review_queue",
        "certification.decide",
    }


# The back office's addresses, written out: its actions live beside their domains
# (certification, orders, payments, producers, catalog, reviews) but keep these URLs, and the
# sweep above checks each for every role (a customer and a producer get 403).
STAFF_URLS = {
    ("/staff/", "GET"),
    ("/staff/audit", "GET"),
    ("/staff/certificates", "GET"),
    ("/staff/certificates/<int:certificate_id>", "GET"),
    ("/staff/certificates/<int:certificate_id>/<action>", "POST"),
    ("/staff/certificates/<int:certificate_id>/scan", "GET"),
    ("/staff/certificates/<int:certificate_id>/scan/pages/<int:page>.png", "GET"),
    ("/staff/certificates/all", "GET"),
    ("/staff/certificates/expiring", "GET"),
    ("/staff/money", "GET"),
    ("/staff/money/adjustments", "POST"),
    ("/staff/money/cod", "GET"),
    ("/staff/money/cod", "POST"),
    ("/staff/money/tax", "GET"),
    ("/staff/money/tax.csv", "GET"),
    ("/staff/events", "GET"),
    ("/staff/events", "POST"),
    ("/staff/events/<int:event_id>/cancel", "POST"),
    ("/staff/marks", "GET"),
    ("/staff/marks", "POST"),
    ("/staff/marks/<int:mark_id>", "GET"),
    ("/staff/marks/<int:mark_id>/allow", "POST"),
    ("/staff/marks/<int:mark_id>/withdraw", "POST"),
    ("/staff/orders", "GET"),
    ("/staff/orders/<number>", "GET"),
    ("/staff/orders/<number>/confirm-transfer", "POST"),
    ("/staff/payouts", "GET"),
    ("/staff/payouts", "POST"),
    ("/staff/payouts/<int:batch_id>", "GET"),
    ("/staff/payouts/<int:batch_id>/bank.csv", "GET"),
    ("/staff/payouts/lines/<int:line_id>/failed", "POST"),
    ("/staff/payouts/lines/<int:line_id>/paid", "POST"),
    ("/staff/producers", "GET"),
    ("/staff/producers/reactivate", "POST"),
    ("/staff/producers/suspend", "POST"),
    ("/staff/refunds", "GET"),
    ("/staff/reports", "GET"),
    ("/staff/reports/<int:report_id>", "GET"),
    ("/staff/reports/<int:report_id>/close", "POST"),
    ("/staff/reports/<int:report_id>/inspect", "POST"),
    ("/staff/reports/<int:report_id>/photo.jpg", "GET"),
    ("/staff/refunds", "POST"),
    ("/staff/reviews", "GET"),
    ("/staff/reviews", "POST"),
    ("/staff/revisions/", "GET"),
    ("/staff/revisions/<int:revision_id>", "GET"),
    ("/staff/revisions/<int:revision_id>/<any(approve, refuse):action>", "POST"),
    ("/staff/programme/report", "GET"),
    ("/staff/programme/report.csv", "GET"),
    ("/staff/programme/renewals", "GET"),
    ("/staff/programme/renewals/<int:certificate_id>/remind", "POST"),
    ("/staff/programme/inspections", "GET"),
    ("/staff/programme/inspections/new", "GET"),
    ("/staff/programme/inspections/new", "POST"),
    ("/staff/programme/inspections/<int:inspection_id>", "GET"),
    ("/staff/programme/inspections/<int:inspection_id>/record", "POST"),
    ("/staff/programme/inspections/<int:inspection_id>/fixed", "POST"),
    ("/staff/programme/inspections/<int:inspection_id>/files/<int:attachment_id>", "GET"),
    (
        "/staff/programme/inspections/<int:inspection_id>/files/<int:attachment_id>/<int:page>.png",
        "GET",
    ),
}


def test_the_back_office_keeps_its_addresses_and_the_sweep_covers_each():
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_PATH="/tmp/access-map")
    staff_rules = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                staff_rules[(rule.rule, method)] = rule.endpoint
    assert set(staff_rules) == STAFF_URLS
    assert {(endpoint, method) for (_, method), endpoint in staff_rules.items()} <= set(ROUTES)


@pytest.mark.parametrize("role", ["customer", "owner"])
def test_a_customer_or_producer_gets_403_on_every_back_office_page(
    app, db, client, login, world, role
):
    users, values = world
    login(users[role])
    token = csrf_from(client.get("/").get_data(as_text=True))
    answered = []
    for endpoint, method in ROUTES:
        url = _url(app, endpoint, values)
        if not url.startswith("/staff/"):
            continue
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        response.close()
        if response.status_code != 403:
            answered.append((method, url, response.status_code))
    assert answered == []


def test_a_refused_post_changed_nothing(db, client, login, world):
    users, values = world
    from shop.catalog.models import Product

    login(users["other_producer"])
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post(f"/producer/products/{values['product_id']}/hide", data={"csrf_token": token})
    product = db.session.get(Product, values["product_id"])
    db.session.refresh(product)
    assert product.status.value == "active"
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 1
