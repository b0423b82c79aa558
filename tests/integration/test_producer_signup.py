"""Producer sign-up: the owner's account and the producer profile, validated together."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.enums import LegalForm, Role
from shop.producers.models import Producer
from tests.factories import make_producer, valid_tax_code

DAK_LAK = 66


def a_ward_of(province: int) -> int:
    from shop import geo

    return geo.wards(province)[0][0]


def form(**change):
    data = {
        "privacy_consent": "y",
        "full_name": "Y Moan Êban",
        "email": "htx@caphe.vn",
        "password": "ca-phe-robusta",
        "confirm": "ca-phe-robusta",
        "producer_name": "Hợp tác xã Cà phê Ea Tu",
        "legal_form": "cooperative",
        "tax_code": valid_tax_code(4242),
        "province_code": str(DAK_LAK),
        "ward_code": str(a_ward_of(DAK_LAK)),
        "street": "Thôn 3",
        "phone": "0905 111 222",
        "description": "Cà phê Robusta rang mộc.",
    }
    data.update(change)
    return data


def counts(db):
    return (
        db.session.scalar(sa.select(sa.func.count(User.id))),
        db.session.scalar(sa.select(sa.func.count(Producer.id))),
    )


def test_a_cooperative_signs_up_and_lands_on_its_dashboard(db, client, submit):
    response = submit("/producer/join", form())
    assert response.status_code == 302 and response.headers["Location"] == "/producer/"
    producer = db.session.scalar(sa.select(Producer))
    assert producer.owner.role == Role.PRODUCER
    from shop.privacy.models import Consent

    consent = db.session.scalar(sa.select(Consent))
    assert (consent.user_id, consent.purpose, consent.notice_version, consent.source) == (
        producer.owner_id,
        "privacy_notice",
        "2026-12-07",
        "registration",
    )
    assert producer.slug == "hop-tac-xa-ca-phe-ea-tu"
    assert producer.legal_form == LegalForm.COOPERATIVE
    assert producer.phone == "+84905111222"
    assert producer.province_name == "Đắk Lắk"
    page = client.get("/producer/").get_data(as_text=True)
    assert "Hợp tác xã Cà phê Ea Tu" in page


def test_a_household_may_give_a_twelve_digit_personal_id(db, submit):
    response = submit(
        "/producer/join", form(legal_form="household_business", tax_code="066123456789")
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Producer.tax_code)) == "066123456789"


def test_a_branch_tax_code_of_thirteen_digits_is_accepted(db, submit):
    response = submit("/producer/join", form(tax_code="0100109106-001"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Producer.tax_code)) == "0100109106001"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tax_code": "0100109107"}, "This is not a valid tax code"),
        ({"tax_code": "066123456789"}, "This is not a valid tax code"),  # ID only for households
        ({"province_code": "999"}, "Choose a province from the list."),
        (
            {"ward_code": "70"},
            "Choose a ward or commune of the selected province.",
        ),  # a Hà Nội ward
        ({"legal_form": "corporation"}, "Choose a legal form from the list."),
        ({"phone": ""}, "This field is required."),
        ({"producer_name": "x" * 161}, "Between 2 and 160 characters."),
        ({"email": "bad@"}, "Enter a valid e-mail address"),
    ],
)
def test_bad_producer_input_gets_a_message_and_creates_nothing(
    db, english, submit, change, message
):
    response = submit("/producer/join", form(**change))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert counts(db) == (0, 0)


def test_a_tax_code_already_registered_is_refused(db, english, submit):
    make_producer(tax_code=valid_tax_code(4242))
    db.session.commit()
    response = submit("/producer/join", form())
    assert "A producer with this tax code is already registered." in response.get_data(as_text=True)
    assert counts(db) == (1, 1)


def sign_up(**change) -> Producer:
    """The sign-up service itself, as the demo catalogue and the form's view call it."""
    from shop.producers.services import register_producer

    arguments = {
        "email": "htx@caphe.vn",
        "password": "ca-phe-robusta",
        "full_name": "Y Moan Êban",
        "producer_name": "Hợp tác xã Cà phê Ea Tu",
        "legal_form": LegalForm.COOPERATIVE,
        "tax_code": valid_tax_code(4242),
        "province_code": DAK_LAK,
        "ward_code": a_ward_of(DAK_LAK),
        "street": "Thôn 3",
        "phone": "+84905111222",
    }
    return register_producer(**{**arguments, **change})


def test_a_producer_may_keep_the_address_it_is_known_by(db):
    producer = sign_up(slug="ca-phe-ea-tu-buon-ma-thuot")
    db.session.commit()

    assert producer.slug == "ca-phe-ea-tu-buon-ma-thuot"
    assert sign_up(email="khac@caphe.vn", tax_code=valid_tax_code(77)).slug == (
        "hop-tac-xa-ca-phe-ea-tu"  # without a chosen address, one is made from the name
    )


@pytest.mark.parametrize(
    "slug, message",
    [
        ("Ca-Phe", "Địa chỉ chỉ gồm chữ thường a–z không dấu, chữ số và dấu gạch ngang đơn"),
        ("cà-phê", "Địa chỉ chỉ gồm chữ thường a–z không dấu, chữ số và dấu gạch ngang đơn"),
        ("ca_phe", "Địa chỉ chỉ gồm chữ thường a–z không dấu, chữ số và dấu gạch ngang đơn"),
        ("ca--phe", "Địa chỉ chỉ gồm chữ thường a–z không dấu, chữ số và dấu gạch ngang đơn"),
        ("-ca-phe", "Địa chỉ chỉ gồm chữ thường a–z không dấu, chữ số và dấu gạch ngang đơn"),
        ("ca-phe/x", "Địa chỉ chỉ gồm chữ thường a–z không dấu, chữ số và dấu gạch ngang đơn"),
        ("ab", "(từ 3 đến 80 ký tự)"),
        ("a" * 81, "(từ 3 đến 80 ký tự)"),
        ("htx-da-co", "Một nhà sản xuất khác đã dùng địa chỉ này."),
    ],
)
def test_a_chosen_address_must_be_a_free_plain_slug(db, slug, message):
    from shop.errors import Refused

    make_producer(slug="htx-da-co")
    db.session.commit()

    with pytest.raises(Refused) as refused:
        sign_up(slug=slug)

    assert refused.value.field == "slug"
    assert message in str(refused.value.message)
    db.session.rollback()
    assert counts(db) == (1, 1)


def test_the_ward_list_follows_the_province(client):
    wards = client.get(f"/geo/wards/{DAK_LAK}").get_json()
    assert len(wards) > 50
    assert all({"code", "name"} <= set(w) for w in wards)
    assert client.get("/geo/wards/999").status_code == 404


def test_a_customer_cannot_open_the_producer_dashboard(db, client, login):
    from tests.factories import make_user

    user = make_user()
    db.session.commit()
    login(user)
    assert client.get("/producer/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/producer/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
