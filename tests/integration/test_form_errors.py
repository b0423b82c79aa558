"""A failed form sums up its errors at the top of the page, in every role (#15 item 7).

Each case posts an invalid form and reads the page the person sees next (the form shown again,
or the page they are sent back to): the summary box (role="alert", a focusable heading) is the
first thing in <main>, above the page's title, and links to each field in error by its id.
"""

from __future__ import annotations

import re

import pytest

from shop.enums import CertificateStatus, OrderStatus, PaymentMethod, Role
from tests.conftest import csrf_from
from tests.factories import make_certificate, make_producer, make_product, make_user
from tests.integration.test_buyer_orders import place_for, sign_in, walk
from tests.integration.test_buyer_orders import post as post_and_follow

S = OrderStatus


def summary(html: str) -> str:
    """The error summary, checked to be the first thing in <main>, above the page's title."""
    match = re.search(
        r'<main[^>]*>\s*<div class="flash flash-error error-summary" role="alert" '
        r'aria-labelledby="error-summary-title" data-testid="error-summary">\s*'
        r'<h2 id="error-summary-title" tabindex="-1" autofocus>([^<]+)</h2>(.*?)</div>',
        html,
        re.S,
    )
    assert match, "no error summary at the top of <main>"
    assert match.end() < html.index("<h1", html.index("<main"))
    return match.group(1) + match.group(2)


def links(html: str) -> list[str]:
    """The fields the summary links to, in order."""
    return re.findall(r'<a href="#([^"]+)" data-field="\1">', summary(html))


def send(client, path: str, data: dict, action: str | None = None, follow=False):
    token = csrf_from(client.get(path).get_data(as_text=True))
    answer = client.post(
        action or path, data={**data, "csrf_token": token}, follow_redirects=follow
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def post(client, url: str, **data) -> str:
    """POST (with a CSRF token), follow the redirect: the page the person lands on."""
    answer = post_and_follow(client, url, **data)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@pytest.fixture
def english_client(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def signed_in(app, db):
    return lambda user: sign_in(app, db, user)


# Buyers ------------------------------------------------------------------------------------


def test_register_lists_every_missing_field_at_the_top(db, english_client):
    html = send(english_client, "/register", {"email": "not-an-address"})
    assert "Please check what you entered" in summary(html)
    assert links(html) == ["full_name", "email", "password", "confirm", "privacy_consent"]
    assert "E-mail: Enter a valid e-mail address, like an@example.vn." in summary(html)
    assert 'id="full_name"' in html and 'id="privacy_consent"' in html  # the links land
    # each field names its own message, said once (only the summary is an alert)
    assert re.search(
        r'<input aria-describedby="email-error" aria-invalid="true"[^>]* id="email"', html
    )
    assert '<p class="error" id="email-error">Enter a valid e-mail address' in html
    assert html.count('role="alert"') == 1


def test_log_in_and_a_refused_password_change_link_to_their_fields(db, english_client, signed_in):
    assert links(send(english_client, "/login", {})) == ["email", "password"]
    buyer = signed_in(make_user())
    html = send(
        buyer,
        "/account/password",
        {"current_password": "wrong-password", "password": "mat-khau-moi-1", "confirm": "x"},
    )
    assert links(html) == ["confirm"]  # the form is checked before the password is
    html = send(
        buyer,
        "/account/password",
        {"current_password": "wrong-password", "password": "moi-123456", "confirm": "moi-123456"},
    )
    assert links(html) == ["current_password"]
    assert "The current password is not correct." in summary(html)


def test_the_profile_and_checkout_details_link_to_their_fields(db, signed_in, frozen_today):
    product = make_product(variants=[{"price": 100_000, "stock": 5}])
    buyer = signed_in(make_user())
    assert links(send(buyer, "/account/profile", {"full_name": ""})) == ["full_name"]
    post(buyer, "/cart/add", variant_id=product.variants[0].id, quantity=1)
    html = send(buyer, "/checkout", {"full_name": "Trần Thị Mai"})
    assert links(html) == ["phone", "province_code", "ward_code", "street", "payment_method"]


def test_a_review_without_stars_links_to_the_stars_of_that_line(db, signed_in, frozen_today):
    buyer = make_user()
    order = place_for(db, buyer, (make_product(), 1))
    walk(order.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    line = order.lines[0]
    client = signed_in(buyer)
    html = post(client, f"/orders/{order.number}/lines/{line.id}/review", comment="Ngon")
    assert links(html) == [f"rating-{line.id}"]
    assert f'id="rating-{line.id}"' in html


# Producers ---------------------------------------------------------------------------------


def test_producer_sign_up_links_to_its_fields(db, english_client):
    html = send(english_client, "/producer/join", {"tax_code": "123"})
    assert links(html) == [
        "full_name",
        "email",
        "password",
        "confirm",
        "producer_name",
        "legal_form",
        "province_code",
        "ward_code",
        "street",
        "phone",
        "privacy_consent",
    ]


def test_product_variant_and_certificate_forms_link_to_their_fields(db, signed_in, frozen_today):
    product = make_product()
    producer = signed_in(product.producer.owner)
    assert links(send(producer, "/producer/products/new", {"name": ""})) == [
        "name",
        "product_set_code",
    ]
    edit = f"/producer/products/{product.id}"
    html = send(producer, edit, {"label": "Hộp", "sku": "X", "price": "-5"}, edit + "/variants")
    assert links(html) == ["price", "stock", "weight_grams"]  # the variant form's fields
    html = send(producer, edit + "/certificates/new", {"number": ""})
    assert links(html)[0] == "number"


def test_shipping_without_a_tracking_number_links_to_the_carrier(db, signed_in, frozen_today):
    buyer = make_user()
    product = make_product()
    order = place_for(db, buyer, (product, 1), method=PaymentMethod.COD)
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED)
    producer = signed_in(product.producer.owner)
    html = post(producer, f"/producer/orders/{sub.id}/move", target="shipped", carrier="")
    assert links(html) == ["carrier"]
    assert "Give the carrier and the tracking number." in summary(html)
    assert 'id="carrier"' in html and 'id="tracking_number"' in html
    html = post(producer, f"/producer/orders/{sub.id}/move", target="shipped", carrier="GHN")
    assert links(html) == ["tracking_number"]


# Staff -------------------------------------------------------------------------------------


def test_staff_decisions_suspensions_and_refunds_link_to_their_fields(db, signed_in, frozen_today):
    product = make_product(certificate=False)
    pending = make_certificate(product, status=CertificateStatus.PENDING)
    producer = make_producer()
    staff = signed_in(make_user(Role.STAFF))

    html = post(staff, f"/staff/certificates/{pending.id}/reject", reason="Mờ")
    assert links(html) == ["confirm_refusal"]  # a refusal is confirmed first
    html = post(staff, f"/staff/certificates/{pending.id}/reject", reason="  ", confirm_refusal="y")
    assert links(html) == ["reason"]
    assert "Please give a reason or a message for the producer." in summary(html)

    html = post(staff, "/staff/producers/suspend", producer_id=producer.id, reason="")
    assert links(html) == [f"reason-{producer.id}"]
    assert f'id="reason-{producer.id}"' in html

    html = post(staff, "/staff/refunds", sub_order_id=1, reference="x" * 101)
    assert links(html) == ["reference-1"]
    assert "At most 100 characters." in summary(html)


def test_a_page_without_errors_has_no_summary(db, english_client):
    html = english_client.get("/login").get_data(as_text=True)
    assert 'data-testid="error-summary"' not in html and 'role="alert"' not in html
