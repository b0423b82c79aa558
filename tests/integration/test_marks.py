"""Collective trademarks and geographical indications (issue #17, item 6): staff record them
and the producers allowed to use them; a producer marks its own products with an allowed mark
only; the product page shows the mark and the catalogue (and the API) filter by it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import Role
from shop.errors import Refused
from shop.marks import services
from shop.marks.models import CollectiveMark, MarkUser, ProductMark
from tests.conftest import csrf_from
from tests.factories import make_producer, make_product, make_user

GI = services.MarkDetails(
    "Cà phê Buôn Ma Thuột", "gi", "00005", "UBND tỉnh Đắk Lắk", "Chỉ dẫn địa lý số 00005."
)


@pytest.fixture
def world(db, frozen_today):
    staff = make_user(Role.STAFF)
    allowed = make_producer(name="HTX Cà phê Ea Tu")
    coffee = make_product(allowed, name="Cà phê Ea Tu", slug="ca-phe-ea-tu")
    plain = make_product(allowed, name="Cà phê thường", slug="ca-phe-thuong")
    outsider = make_producer(name="Cơ sở Khác")
    other_coffee = make_product(outsider, name="Cà phê khác", slug="ca-phe-khac")
    db.session.commit()
    return staff, allowed, coffee, plain, outsider, other_coffee


def test_staff_record_a_mark_through_the_form_and_its_number_is_unique(db, client, login, world):
    staff = world[0]
    login(staff)
    token = csrf_from(client.get("/staff/marks").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "name": "Nước mắm Phú Quốc",
        "kind": "gi",
        "registration_number": "00001",
        "holder": "Hội sản xuất nước mắm Phú Quốc",
    }
    assert client.post("/staff/marks", data=data).status_code == 302
    again = client.post("/staff/marks", data={**data, "name": "Khác"})
    assert again.status_code == 400
    [mark] = db.session.scalars(sa.select(CollectiveMark)).all()
    assert (mark.slug, mark.registration_number, mark.kind) == ("nuoc-mam-phu-quoc", "00001", "gi")
    assert db.session.scalar(sa.select(AuditEntry.action)) == "mark.recorded"


def test_only_an_allowed_producer_marks_its_own_product_and_the_page_shows_it(
    db, client, login, world
):
    staff, allowed, coffee, _plain, outsider, other_coffee = world
    mark = services.record(GI, staff)
    services.allow(mark, allowed, staff)
    with pytest.raises(Refused):
        services.set_product_mark(other_coffee, mark, outsider.owner)  # not allowed
    with pytest.raises(Refused):
        services.set_product_mark(coffee, mark, outsider.owner)  # not its product
    login(allowed.owner)
    token = csrf_from(client.get("/producer/marks").get_data(as_text=True))
    response = client.post(
        "/producer/marks", data={"csrf_token": token, "product_id": coffee.id, "mark_id": mark.id}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ProductMark.product_id)) == coffee.id
    page = client.get("/p/ca-phe-ea-tu").get_data(as_text=True)
    assert 'data-testid="product-mark"' in page and "Cà phê Buôn Ma Thuột" in page
    assert 'data-testid="product-mark"' not in client.get("/p/ca-phe-thuong").get_data(as_text=True)


def test_another_producer_posting_for_a_product_not_its_own_gets_404(db, client, login, world):
    staff, allowed, coffee, _plain, outsider, _other = world
    mark = services.record(GI, staff)
    services.allow(mark, allowed, staff)
    services.allow(mark, outsider, staff)
    login(outsider.owner)
    token = csrf_from(client.get("/producer/marks").get_data(as_text=True))
    response = client.post(
        "/producer/marks", data={"csrf_token": token, "product_id": coffee.id, "mark_id": mark.id}
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ProductMark.id))) == 0


def test_the_catalogue_and_the_api_filter_by_the_mark(db, client, world):
    staff, allowed, coffee, _plain, _outsider, _other = world
    mark = services.record(GI, staff)
    services.allow(mark, allowed, staff)
    services.set_product_mark(coffee, mark, allowed.owner)
    page = client.get("/products?mark=ca-phe-buon-ma-thuot").get_data(as_text=True)
    assert "Cà phê Ea Tu" in page
    assert "Cà phê thường" not in page and "Cà phê khác" not in page
    everything = client.get("/products").get_data(as_text=True)
    assert (
        "Cà phê thường" in everything and 'href="/products?mark=ca-phe-buon-ma-thuot"' in everything
    )
    unknown = client.get("/products?mark=khong-co").get_data(as_text=True)
    assert "Cà phê Ea Tu" not in unknown
    api = client.get("/api/v1/products?mark=ca-phe-buon-ma-thuot").get_json()
    assert [item["name"] for item in api["items"]] == ["Cà phê Ea Tu"]


def test_withdrawing_the_permission_unmarks_the_producers_products_in_the_same_step(db, world):
    staff, allowed, coffee, plain, _outsider, _other = world
    mark = services.record(GI, staff)
    services.allow(mark, allowed, staff)
    services.set_product_mark(coffee, mark, allowed.owner)
    services.set_product_mark(plain, mark, allowed.owner)
    assert services.withdraw(mark, allowed, staff, "Hết hạn hợp đồng") == 2
    assert db.session.scalar(sa.select(sa.func.count(ProductMark.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(MarkUser.id))) == 0
    with pytest.raises(Refused):
        services.set_product_mark(coffee, mark, allowed.owner)


def test_every_mark_action_is_in_the_audit_log_in_words(db, client, login, world):
    staff, allowed, coffee, _plain, _outsider, _other = world
    mark = services.record(GI, staff)
    services.allow(mark, allowed, staff)
    services.set_product_mark(coffee, mark, allowed.owner)
    services.set_product_mark(coffee, None, allowed.owner)
    login(staff)
    client.set_cookie("lang", "en")
    log = client.get("/staff/audit").get_data(as_text=True)
    assert "recorded the collective mark Cà phê Buôn Ma Thuột" in log
    assert "allowed HTX Cà phê Ea Tu to use the mark Cà phê Buôn Ma Thuột" in log
    assert "marked Cà phê Ea Tu with Cà phê Buôn Ma Thuột" in log
    assert "removed the mark Cà phê Buôn Ma Thuột from Cà phê Ea Tu" in log
