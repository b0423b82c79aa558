"""Trade fairs and promotion events (issue #17, item 5): staff publish, producers sign their
own products up, the storefront lists what is to come and the product page says where to meet
the producer; a past event disappears by Vietnam's date, with no job."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import Role
from shop.errors import Refused
from shop.events import services
from shop.events.models import EventEntry, TradeEvent
from tests.conftest import csrf_from
from tests.factories import make_producer, make_product, make_user

DAK_LAK = 66
FIRST, LAST = dt.date(2026, 12, 10), dt.date(2026, 12, 13)


def details(**changed) -> services.EventDetails:
    values = {
        "name": "Hội chợ OCOP Đắk Lắk 2026",
        "kind": "fair",
        "province_code": DAK_LAK,
        "place": "Quảng trường 10/3, Buôn Ma Thuột",
        "starts_on": FIRST,
        "ends_on": LAST,
        "description": "Hơn 200 gian hàng.",
    }
    return services.EventDetails(**{**values, **changed})


@pytest.fixture
def world(db, frozen_today):
    staff = make_user(Role.STAFF)
    producer = make_producer(name="HTX Cà phê Ea Tu")
    product = make_product(producer, name="Cà phê Ea Tu", slug="ca-phe-ea-tu")
    other = make_producer()
    db.session.commit()
    return staff, producer, product, other


def test_staff_publish_an_event_through_the_form_and_the_storefront_lists_it(
    db, client, login, world
):
    staff = world[0]
    login(staff)
    token = csrf_from(client.get("/staff/events").get_data(as_text=True))
    response = client.post(
        "/staff/events",
        data={
            "csrf_token": token,
            "name": "Hội chợ OCOP Đắk Lắk 2026",
            "kind": "fair",
            "province_code": str(DAK_LAK),
            "place": "Quảng trường 10/3",
            "starts_on": "10/12/2026",
            "ends_on": "13/12/2026",
        },
    )
    assert response.status_code == 302
    [event] = db.session.scalars(sa.select(TradeEvent)).all()
    assert (event.starts_on, event.ends_on, event.created_by_id) == (FIRST, LAST, staff.id)
    listing = client.get("/events").get_data(as_text=True)
    assert "Hội chợ OCOP Đắk Lắk 2026" in listing and "Quảng trường 10/3" in listing
    assert "Hội chợ OCOP Đắk Lắk 2026" in client.get("/").get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEntry.action)) == "event.published"


@pytest.mark.parametrize(
    "changed, field",
    [
        ({"ends_on": dt.date(2026, 12, 9)}, "ends_on"),  # before the first day
        ({"starts_on": dt.date(2026, 11, 1), "ends_on": dt.date(2026, 11, 29)}, "ends_on"),
        ({"province_code": 999}, "province_code"),
        ({"name": "x"}, "name"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_an_event_that_makes_no_sense_is_refused_and_nothing_is_written(db, world, changed, field):
    with pytest.raises(Refused) as refused:
        services.publish(details(**changed), world[0])
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(TradeEvent.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_a_producer_signs_its_product_up_and_its_page_says_where_to_meet_it(
    db, client, login, world
):
    staff, producer, product, _other = world
    event = services.publish(details(), staff)
    login(producer.owner)
    token = csrf_from(client.get("/producer/events").get_data(as_text=True))
    response = client.post(
        "/producer/events/sign-up",
        data={"csrf_token": token, "event_id": event.id, "product_id": product.id},
    )
    assert response.status_code == 302
    [entry] = db.session.scalars(sa.select(EventEntry)).all()
    assert (entry.product_id, entry.producer_id) == (product.id, producer.id)
    client.set_cookie("lang", "en")
    page = client.get("/p/ca-phe-ea-tu").get_data(as_text=True)
    assert (
        "Meet this producer at Hội chợ OCOP Đắk Lắk 2026: Quảng trường 10/3, Buôn Ma Thuột, "
        "Đắk Lắk, from 10/12/2026 to 13/12/2026"
    ) in page
    assert "Cà phê Ea Tu" in client.get("/events").get_data(as_text=True)


def test_another_producer_cannot_sign_up_a_product_that_is_not_its_own(db, client, login, world):
    staff, _producer, product, other = world
    event = services.publish(details(), staff)
    login(other.owner)
    token = csrf_from(client.get("/producer/events").get_data(as_text=True))
    response = client.post(
        "/producer/events/sign-up",
        data={"csrf_token": token, "event_id": event.id, "product_id": product.id},
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(EventEntry.id))) == 0
    with pytest.raises(Refused):
        services.sign_up(event, product, other.owner)


def test_a_product_is_signed_up_once_and_withdrawn_by_its_producer_only(db, client, login, world):
    staff, producer, product, other = world
    event = services.publish(details(), staff)
    entry = services.sign_up(event, product, producer.owner)
    with pytest.raises(Refused):
        services.sign_up(event, product, producer.owner)
    login(other.owner)
    token = csrf_from(client.get("/producer/events").get_data(as_text=True))
    stranger = client.post(
        "/producer/events/withdraw", data={"csrf_token": token, "entry_id": entry.id}
    )
    assert stranger.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(EventEntry.id))) == 1
    services.withdraw(entry, producer.owner)
    assert db.session.scalar(sa.select(sa.func.count(EventEntry.id))) == 0


def test_a_product_not_on_sale_cannot_be_signed_up(db, world):
    staff, producer, _product, _other = world
    draft = make_product(producer, status="draft")
    db.session.commit()
    event = services.publish(details(), staff)
    with pytest.raises(Refused):
        services.sign_up(event, draft, producer.owner)


def test_a_past_event_leaves_the_storefront_the_day_after_its_last_day_in_vietnam(
    db, client, world, frozen_today
):
    staff, producer, product, _other = world
    event = services.publish(details(), staff)
    services.sign_up(event, product, producer.owner)
    frozen_today(LAST)
    assert "Hội chợ OCOP Đắk Lắk 2026" in client.get("/events").get_data(as_text=True)
    assert "Hội chợ OCOP Đắk Lắk 2026" in client.get("/p/ca-phe-ea-tu").get_data(as_text=True)
    frozen_today(LAST + dt.timedelta(days=1))
    assert "Hội chợ OCOP Đắk Lắk 2026" not in client.get("/events").get_data(as_text=True)
    assert "Hội chợ OCOP Đắk Lắk 2026" not in client.get("/").get_data(as_text=True)
    assert "Hội chợ OCOP Đắk Lắk 2026" not in client.get("/p/ca-phe-ea-tu").get_data(as_text=True)


def test_a_cancelled_event_disappears_and_cannot_be_cancelled_twice(db, client, world):
    staff = world[0]
    event = services.publish(details(), staff)
    services.cancel(event, staff, "Mưa bão")
    with pytest.raises(Refused):
        services.cancel(event, staff, "Mưa bão")
    assert "Hội chợ OCOP Đắk Lắk 2026" not in client.get("/events").get_data(as_text=True)
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["event.published", "event.cancelled"]
