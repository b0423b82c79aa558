"""Cart and checkout on a phone (#15 item 3): thumbnails, steppers, the free-shipping hint,
the phone keypad, a searchable ward list, the e-mail rule, copy buttons, the no-script note."""

from __future__ import annotations

import re

import sqlalchemy as sa

from shop.orders.models import Order
from tests.factories import make_user
from tests.integration import test_checkout as base
from tests.integration.test_checkout import DETAILS, add, checkout, place

shop_world = base.shop_world  # the fixtures of the checkout tests
csrf = base.csrf


def test_the_cart_shows_thumbnails_steppers_and_what_is_missing_for_free_shipping(
    db, english, csrf, shop_world
):
    add(english, csrf, shop_world["honey"], 1)  # 120k of the 200k from which shipping is free
    add(english, csrf, shop_world["coffee"], 1)  # its producer: the shop's level, 500k
    html = english.get("/cart").get_data(as_text=True)
    assert html.count('data-testid="line-thumb"') + html.count('class="thumb no-image"') == 2
    assert html.count("data-stepper data-submit") == 2
    hints = re.findall(r'data-testid="free-shipping-hint">([^<]+)<', html)
    assert hints == [
        "Free shipping from ₫200,000 with HTX Mật ong: add ₫80,000 more.",
        "Free shipping from ₫500,000 with HTX Cà phê: add ₫350,000 more.",
    ]
    add(english, csrf, shop_world["honey"], 1)  # 240k: free now, no hint for it
    html = english.get("/cart").get_data(as_text=True)
    assert "with HTX Mật ong" not in html and "with HTX Cà phê: add ₫350,000" in html


def test_the_details_form_opens_the_phone_keypad_and_can_search_the_wards(
    db, english, csrf, shop_world
):
    add(english, csrf, shop_world["honey"], 1)
    html = english.get("/checkout").get_data(as_text=True)
    phone = re.search(r'<input[^>]*id="phone"[^>]*>', html).group(0)
    assert 'type="tel"' in phone
    assert 'data-testid="ward-filter"' in html
    # The "without JavaScript" note is only for browsers without it.
    note = "Without JavaScript, the list follows the province once you continue."
    assert f'<noscript><p class="help">{note}</p></noscript>' in html
    assert html.count(note) == 1
    assert "no advertising" in html  # a guest is told what the e-mail is for


def test_a_signed_in_buyer_may_leave_the_e_mail_empty(db, client, csrf, submit, login, shop_world):
    buyer = make_user(email="lan@example.vn")
    db.session.commit()
    login(buyer)
    add(client, csrf, shop_world["honey"], 1)
    html = client.get("/checkout").get_data(as_text=True)
    assert "lan@example.vn" in html
    _page, key, total = checkout(client, submit, email="")
    place(client, csrf, key, total)
    assert db.session.scalar(sa.select(Order.email)) == "lan@example.vn"


def test_a_guest_must_still_give_an_e_mail(db, english, csrf, submit, shop_world):
    add(english, csrf, shop_world["honey"], 1)
    answer = submit("/checkout", {**DETAILS, "email": ""})
    assert answer.status_code == 200
    assert "This field is required." in answer.get_data(as_text=True)


def test_the_bank_transfer_details_have_copy_buttons(db, client, csrf, submit, shop_world):
    add(client, csrf, shop_world["honey"], 1)
    _page, key, total = checkout(client, submit, payment_method="bank_transfer")
    number = place(client, csrf, key, total).headers["Location"].rsplit("/", 1)[1]
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    copied = re.findall(r'data-copy="([^"]*)"', html)
    account = client.application.config["BANK_ACCOUNT"]
    assert copied == [account, "150000", number]  # 120.000 ₫ of honey and 30.000 ₫ shipping
    assert "js/copy.js" in html
