"""A guest buys, in a real browser: product pages → cart → delivery details → review → order.

The goods come from conftest's factory seed (two producers, four products); each test first
sets the stock of the packs it buys, so the database check after the order is exact. The
shop's default shipping applies: 30.000 ₫ per producer, free from 500.000 ₫ of goods.

Three scenarios: paying cash on delivery on a 1280 px screen (with a double submit at the
end), paying by bank transfer on a 390 × 844 phone (VietQR code, nothing scrolls sideways),
and a details form with mistakes (messages, typed values kept, nothing placed).
Texts are translated, so elements are found by id, name or data-testid; prices are checked
as the page formats them ("185.000 ₫"), which is locale data, not a translation.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from shop import clock, geo
from shop.catalog.models import Product, Variant
from shop.enums import PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.formatting import format_vnd
from shop.orders.models import Order
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]
VI_CATALOGUE = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.mo"
PHONE_SCREEN = {"width": 390, "height": 844}
ORDER_NUMBER = re.compile(r"^OCOP-(\d{4})-\d{6}$")
SHIPPING_FEE = 30_000  # config.SHIPPING_FEE; free from FREE_SHIPPING_FROM = 500_000

DAK_LAK = "Hợp tác xã Nông sản Đắk Lắk"  # conftest.seed_products: 1st and 3rd products
BA_MIEN = "Công ty TNHH Đặc sản Ba Miền"  # 2nd and 4th


@dataclass(frozen=True)
class Pack:
    """A variant of a seeded product: what the buyer picks on the product page."""

    slug: str
    name: str
    label: str
    price: int
    producer: str
    stock: int  # set by the `packs` fixture before the test


COFFEE = Pack(
    slug="ca-phe-robusta-buon-ma-thuot",
    name="Cà phê Robusta rang mộc Buôn Ma Thuột",
    label="Túi 500g",
    price=185_000,
    producer=DAK_LAK,
    stock=8,
)
FISH_SAUCE = Pack(
    slug="nuoc-mam-phu-quoc-40-do-dam",
    name="Nước mắm cá cơm Phú Quốc 40 độ đạm",
    label="Chai 500ml",
    price=120_000,
    producer=BA_MIEN,
    stock=5,
)
HONEY = Pack(
    slug="mat-ong-bac-ha-ha-giang",
    name="Mật ong hoa bạc hà Hà Giang",
    label="Hũ 350g",
    price=230_000,
    producer=DAK_LAK,
    stock=6,
)
TEA = Pack(
    slug="che-shan-tuyet-co-thu",
    name="Chè Shan tuyết cổ thụ",
    label="Hộp 100g",  # the second pack listed: the picker must really choose it
    price=140_000,
    producer=BA_MIEN,
    stock=6,
)

BUYER = {
    "full_name": "Trần Thị Mai",
    "phone": "0912 345 678",
    "email": "mai.tran@example.vn",
    "street": "25 Hàng Bè",
    "note": "Gọi trước khi giao, giờ hành chính.",
}
HANOI, HOAN_KIEM = 1, 70  # Thành phố Hà Nội, Phường Hoàn Kiếm
HUE, THUAN_HOA = 46, 19786  # Thành phố Huế, Phường Thuận Hóa


def vietnamese(msgid: str) -> str:
    """The compiled Vietnamese catalogue's translation of msgid (msgid itself if none yet)."""
    if not VI_CATALOGUE.exists():
        return msgid
    with VI_CATALOGUE.open("rb") as mo:
        return gettext.GNUTranslations(mo).gettext(msgid)


def vnd(amount: int) -> str:
    """An amount as the Vietnamese pages show it: "185.000 ₫"."""
    return format_vnd(amount, "vi")


@pytest.fixture
def shot(shot):
    """conftest's `shot`, from the top of the page: a full-page picture taken while scrolled
    down shows the sticky header in the middle, over the form."""

    def take(page: Page, name: str) -> Path:
        page.evaluate("window.scrollTo(0, 0)")
        return shot(page, name)

    return take


# --- the database's view --------------------------------------------------------------------


@pytest.fixture
def packs(live_app: Flask) -> dict[Pack, int]:
    """Give each pack its known stock; returns the variant id of each."""
    ids = {}
    with live_app.app_context():
        for pack in (COFFEE, FISH_SAUCE, HONEY, TEA):
            variant = db.session.scalars(
                sa.select(Variant)
                .join(Product)
                .where(Product.slug == pack.slug, Variant.label == pack.label)
            ).one()
            assert variant.price == pack.price, f"the seed changed: {pack}"
            assert variant.product.producer.name == pack.producer, f"the seed changed: {pack}"
            variant.stock = pack.stock
            ids[pack] = variant.id
        db.session.commit()
        db.session.remove()
    return ids


def stock_of(app: Flask, ids: dict[Pack, int]) -> dict[Pack, int]:
    with app.app_context():
        stock = {pack: db.session.get(Variant, vid).stock for pack, vid in ids.items()}
        db.session.remove()
    return stock


@dataclass(frozen=True)
class PlacedOrder:
    number: str
    method: PaymentMethod
    payment_status: PaymentStatus
    total: int
    shipping_total: int
    email: str
    phone: str
    ward_code: int
    province_code: int
    shipments: dict[str, tuple[int, int, list[tuple[str, int]]]]  # producer: (goods, fee, lines)


def all_orders(app: Flask) -> list[PlacedOrder]:
    with app.app_context():
        found = [
            PlacedOrder(
                number=o.number,
                method=o.payment_method,
                payment_status=o.payment_status,
                total=o.total,
                shipping_total=o.shipping_total,
                email=o.email,
                phone=o.phone,
                ward_code=o.ward_code,
                province_code=o.province_code,
                shipments={
                    s.producer_name: (
                        s.subtotal,
                        s.shipping_fee,
                        [(line.variant_label, line.quantity) for line in s.lines],
                    )
                    for s in o.sub_orders
                },
            )
            for o in db.session.scalars(sa.select(Order).order_by(Order.id))
        ]
        db.session.remove()
    return found


# --- the browser's view ---------------------------------------------------------------------


def expect_fits(page: Page, what: str) -> None:
    """Nothing on the page is wider than the screen (no sideways scrolling).

    On an emulated phone (is_mobile) Chromium widens the layout viewport to fit content
    that overflows, so window.innerWidth grows with the page: the screen is the context's
    viewport width, which is checked too.
    """
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    screen = page.viewport_size["width"]
    assert width <= min(inner, screen), f"{what}: {width}px wide on a {screen}px screen"


def add_to_cart(page: Page, base: str, variant_id: int, pack: Pack, quantity: int, count: int):
    """On the product page, pick the pack and quantity and add: the badge shows `count`,
    and the page was not reloaded (cart.js posts in the background)."""
    page.goto(f"{base}/p/{pack.slug}")
    expect(page.locator("main h1")).to_have_text(pack.name)
    url = page.url
    page.evaluate("window.__sameDocument = true")  # gone if the page is reloaded or replaced
    page.get_by_test_id("variant-picker").select_option(str(variant_id))
    page.get_by_test_id("quantity").fill(str(quantity))
    page.get_by_test_id("add-to-cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text(str(count))
    result = page.get_by_test_id("add-result")
    expect(result).to_have_class(re.compile(r"\bok\b"))
    expect(result).not_to_be_empty()
    assert page.url == url
    assert page.evaluate("window.__sameDocument === true"), "adding to the cart reloaded the page"
    expect(page.get_by_test_id("variant-picker")).to_have_value(str(variant_id))


def group_of(page: Page, producer: str) -> Locator:
    return page.get_by_test_id("cart-group").filter(has=page.locator("h2", has_text=producer))


def shipment_of(page: Page, producer: str) -> Locator:
    return page.get_by_test_id("shipment").filter(has=page.locator("h2, h3", has_text=producer))


def fee_text(fee: int) -> str:
    return vnd(fee) if fee else vietnamese("free")


def expect_cart(page: Page, basket: list[tuple[Pack, int]], total: int) -> None:
    """One group per producer: its lines, goods subtotal and shipping; then the total."""
    producers = list(dict.fromkeys(pack.producer for pack, _ in basket))
    expect(page.get_by_test_id("cart-group")).to_have_count(len(producers))
    for producer in producers:
        bought = [(pack, n) for pack, n in basket if pack.producer == producer]
        group = group_of(page, producer)
        expect(group).to_have_count(1)
        expect(group.get_by_test_id("cart-line")).to_have_count(len(bought))
        goods = sum(pack.price * n for pack, n in bought)
        for pack, n in bought:
            line = group.get_by_test_id("cart-line").filter(has_text=pack.name)
            expect(line).to_contain_text(pack.label)
            expect(line.locator("input[name=quantity]")).to_have_value(str(n))
            expect(line).to_contain_text(vnd(pack.price * n))
        totals = group.locator(".group-totals")
        expect(totals).to_contain_text(vnd(goods))
        expect(totals).to_contain_text(fee_text(SHIPPING_FEE if goods < 500_000 else 0))
    expect(page.get_by_test_id("cart-total")).to_have_text(vnd(total))


def expect_shipments(page: Page, basket: list[tuple[Pack, int]]) -> None:
    """Review and order pages: one shipment per producer, each line `n × price`, the fee."""
    producers = list(dict.fromkeys(pack.producer for pack, _ in basket))
    expect(page.get_by_test_id("shipment")).to_have_count(len(producers))
    for producer in producers:
        bought = [(pack, n) for pack, n in basket if pack.producer == producer]
        shipment = shipment_of(page, producer)
        expect(shipment).to_have_count(1)
        rows = shipment.locator("table").first.locator("tr")
        expect(rows).to_have_count(len(bought) + 1)  # the lines, then shipping
        for pack, n in bought:
            row = rows.filter(has_text=pack.name)
            expect(row).to_contain_text(pack.label)
            expect(row).to_contain_text(f"{n} × {vnd(pack.price)}")
            expect(row).to_contain_text(vnd(pack.price * n))
        goods = sum(pack.price * n for pack, n in bought)
        expect(rows.last).to_contain_text(fee_text(SHIPPING_FEE if goods < 500_000 else 0))


def fill_details(page: Page, province: int, ward: int, payment: str, **changes) -> None:
    """The delivery form: receiver, province then (once the list has loaded) ward, payment."""
    who = {**BUYER, **changes}
    page.locator("#full_name").fill(who["full_name"])
    page.locator("#phone").fill(who["phone"])
    page.locator("#email").fill(who["email"])
    page.locator("#province_code").select_option(str(province))
    # address.js fetches the province's wards into the second list.
    expect(page.locator("#ward_code option")).to_have_count(len(geo.wards(province)) + 1)
    page.locator("#ward_code").select_option(str(ward))
    page.locator("#street").fill(who["street"])
    page.locator("#note").fill(who["note"])
    page.locator(f"input[name=payment_method][value={payment}]").check()
    if page.locator("#privacy_consent").count():  # a guest accepts the privacy notice
        page.locator("#privacy_consent").check()


def place_form_fields(page: Page) -> dict[str, str]:
    """The review page's hidden fields (CSRF token, idempotency key, expected total)."""
    return page.locator("form[action$='/checkout/place'] input[type=hidden]").evaluate_all(
        "inputs => Object.fromEntries(inputs.map(i => [i.name, i.value]))"
    )


def expect_review(page: Page, basket, total: int, province: int, ward: int, payment: str):
    expect(page).to_have_url(re.compile(r"/checkout/review$"))
    receiver = page.locator("main .certificate-facts")
    for text in (BUYER["full_name"], BUYER["email"], BUYER["street"], BUYER["note"]):
        expect(receiver).to_contain_text(text)
    expect(receiver).to_contain_text(geo.ward_name(ward))
    expect(receiver).to_contain_text(geo.province_name(province))
    labels = {"cod": "Cash on delivery", "bank_transfer": "Bank transfer (VietQR)"}
    expect(receiver).to_contain_text(vietnamese(labels[payment]))
    expect_shipments(page, basket)
    totals = page.locator("main table.totals")
    goods = sum(pack.price * n for pack, n in basket)
    expect(totals.locator("tr").nth(0)).to_contain_text(vnd(goods))
    expect(totals.locator("tr").nth(1)).to_contain_text(vnd(total - goods))
    expect(page.get_by_test_id("review-total")).to_have_text(vnd(total))


def expect_order_page(page: Page, basket, total: int) -> str:
    """The confirmation: number, shipments and total; returns the order number."""
    expect(page).to_have_url(re.compile(r"/orders/OCOP-\d{4}-\d{6}$"))
    expect(page.get_by_test_id("order-page")).to_be_visible()
    number = page.get_by_test_id("order-number").inner_text().strip()
    match = ORDER_NUMBER.match(number)
    assert match, f"order number {number!r} is not OCOP-YYYY-NNNNNN"
    assert page.url.endswith("/orders/" + number)
    expect(page.locator("main h1")).to_contain_text(number)
    assert int(match.group(1)) in {clock.today().year, clock.today().year - 1}
    expect_shipments(page, basket)
    expect(page.get_by_test_id("order-total")).to_have_text(vnd(total))
    expect(page.get_by_test_id("payment-status")).not_to_be_empty()
    expect(page.get_by_test_id("cart-count")).to_have_text("0")  # the cart is emptied
    return number


# --- the scenarios --------------------------------------------------------------------------


def test_a_guest_buys_from_two_producers_pays_cash_on_delivery_and_a_second_submit_places_nothing(
    page: Page, live_server: str, live_app: Flask, packs: dict[Pack, int], shot
):
    basket = [(COFFEE, 2), (FISH_SAUCE, 1)]
    total = 185_000 * 2 + SHIPPING_FEE + 120_000 + SHIPPING_FEE
    assert total == 550_000

    # Two products from two producers, added without leaving the product page.
    page.goto(live_server + "/")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    add_to_cart(page, live_server, packs[COFFEE], COFFEE, 2, count=2)
    shot(page, "coffee-added")
    add_to_cart(page, live_server, packs[FISH_SAUCE], FISH_SAUCE, 1, count=3)
    shot(page, "fish-sauce-added")

    # The cart: one group per producer, with subtotals and shipping.
    page.locator("header a.cart-link").click()
    expect(page).to_have_url(live_server + "/cart")
    expect_cart(page, basket, total)
    shot(page, "cart")

    # Delivery details, cash on delivery.
    page.get_by_test_id("checkout").click()
    expect(page).to_have_url(live_server + "/checkout")
    expect(page.locator("input[name=payment_method][value=cod]")).to_be_checked()  # default
    fill_details(page, HANOI, HOAN_KIEM, "cod")
    shot(page, "details-filled")
    page.get_by_test_id("continue").click()

    # The review: every line, every fee, the total.
    expect_review(page, basket, total, HANOI, HOAN_KIEM, "cod")
    shot(page, "review")
    resubmission = place_form_fields(page)
    assert set(resubmission) >= {"csrf_token", "idempotency_key", "expected_total"}
    assert resubmission["expected_total"] == str(total)
    assert all_orders(live_app) == []
    # The same review, left open in a second tab of the same browser (a stale page).
    other_tab = page.context.new_page()
    other_tab.set_default_timeout(DEFAULT_TIMEOUT_MS)
    other_tab.goto(page.url)
    expect(other_tab.get_by_test_id("review-total")).to_have_text(vnd(total))

    # Place it: the confirmation shows the number, two shipments and the total.
    page.get_by_test_id("place-order").click()
    number = expect_order_page(page, basket, total)
    expect(page.get_by_test_id("vietqr")).to_have_count(0)
    expect(page.locator("main .pay-box")).to_contain_text(vnd(total))
    order_url = page.url
    shot(page, "order-placed")

    # The database: one order, two shipments, and the stock went down by what was bought.
    [order] = all_orders(live_app)
    assert order.number == number
    assert (order.method, order.payment_status) == (PaymentMethod.COD, PaymentStatus.UNPAID)
    assert (order.total, order.shipping_total) == (total, 2 * SHIPPING_FEE)
    assert (order.email, order.phone) == (BUYER["email"], "+84912345678")
    assert (order.province_code, order.ward_code) == (HANOI, HOAN_KIEM)
    assert order.shipments == {
        DAK_LAK: (370_000, SHIPPING_FEE, [(COFFEE.label, 2)]),
        BA_MIEN: (120_000, SHIPPING_FEE, [(FISH_SAUCE.label, 1)]),
    }
    expected_stock = {COFFEE: 8 - 2, FISH_SAUCE: 5 - 1, HONEY: 6, TEA: 6}
    assert stock_of(live_app, packs) == expected_stock

    # Back to the review page and "place the order" again: no second order. Chromium
    # fetches the review again, and with the cart now empty the shop sends the buyer to the
    # cart; a browser that restored the old page would post its key again: the same order.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/checkout/review$|/cart$|/orders/"))
    shot(page, "back-after-placing")
    if page.url.endswith("/checkout/review"):
        page.get_by_test_id("place-order").click()
        expect(page).to_have_url(order_url)
    elif page.url.endswith("/cart"):
        expect(page.get_by_test_id("cart-empty")).to_be_visible()
    # The stale review in the other tab: placing it places nothing and shows the order placed.
    other_tab.get_by_test_id("place-order").click()
    expect(other_tab).to_have_url(order_url)
    expect(other_tab.get_by_test_id("place-order")).to_have_count(0)
    shot(other_tab, "stale-review-placed-again")
    other_tab.close()
    assert [o.number for o in all_orders(live_app)] == [number]
    # The same form posted again, as a browser's "resend the form" on reload does.
    response = page.request.post(live_server + "/checkout/place", form=resubmission)
    assert response.ok and response.url == order_url, (response.status, response.url)
    page.goto(order_url)
    expect_order_page(page, basket, total)
    shot(page, "order-after-double-submit")
    assert [o.number for o in all_orders(live_app)] == [number]
    assert stock_of(live_app, packs) == expected_stock


@pytest.mark.browser_context_args(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
def test_a_guest_on_a_phone_pays_by_bank_transfer_and_gets_a_vietqr_code(
    page: Page, live_server: str, live_app: Flask, packs: dict[Pack, int], shot
):
    basket = [(HONEY, 1), (TEA, 4)]
    total = 230_000 + SHIPPING_FEE + 140_000 * 4  # 560.000 ₫ of tea ships free
    assert total == 820_000

    add_to_cart(page, live_server, packs[HONEY], HONEY, 1, count=1)
    add_to_cart(page, live_server, packs[TEA], TEA, 4, count=5)
    expect_fits(page, "the product page")
    shot(page, "tea-added-phone")

    page.locator("header a.cart-link").click()
    expect_cart(page, basket, total)
    expect_fits(page, "the cart")
    shot(page, "cart-phone")

    page.get_by_test_id("checkout").click()
    expect(page).to_have_url(live_server + "/checkout")
    expect_fits(page, "the details form")
    fill_details(page, HUE, THUAN_HOA, "bank_transfer")
    expect_fits(page, "the filled details form")
    shot(page, "details-filled-phone")
    page.get_by_test_id("continue").click()

    expect_review(page, basket, total, HUE, THUAN_HOA, "bank_transfer")
    expect_fits(page, "the review")
    shot(page, "review-phone")

    page.get_by_test_id("place-order").click()
    number = expect_order_page(page, basket, total)
    pay = page.get_by_test_id("vietqr")
    expect(pay).to_be_visible()
    qr = pay.locator(".qr svg")
    expect(qr).to_have_count(1)
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 120 and box["height"] >= 120, f"the QR code is tiny: {box}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_SCREEN["width"], box
    facts = pay.locator(".certificate-facts")
    for text in ("Vietcombank", "1027943656", "CONG TY CHO OCOP", vnd(total), number):
        expect(facts).to_contain_text(text)
    expect_fits(page, "the order page")
    shot(page, "order-placed-phone")
    page.set_viewport_size({"width": 1280, "height": 800})  # how the same page looks wide
    expect(qr).to_be_visible()
    shot(page, "order-placed-wide")

    [order] = all_orders(live_app)
    assert order.number == number
    assert (order.method, order.payment_status) == (
        PaymentMethod.BANK_TRANSFER,
        PaymentStatus.UNPAID,
    )
    assert order.total == total and order.shipping_total == SHIPPING_FEE
    assert order.shipments == {
        DAK_LAK: (230_000, SHIPPING_FEE, [(HONEY.label, 1)]),
        BA_MIEN: (560_000, 0, [(TEA.label, 4)]),
    }
    assert stock_of(live_app, packs) == {COFFEE: 8, FISH_SAUCE: 5, HONEY: 6 - 1, TEA: 6 - 4}


def test_details_with_an_empty_phone_and_a_wrong_email_are_shown_again_and_nothing_is_placed(
    page: Page, live_server: str, live_app: Flask, packs: dict[Pack, int], shot
):
    add_to_cart(page, live_server, packs[COFFEE], COFFEE, 1, count=1)
    page.goto(live_server + "/cart")
    page.get_by_test_id("checkout").click()
    expect(page).to_have_url(live_server + "/checkout")

    wrong_email = "mai.tran-at-example.vn"
    fill_details(page, HANOI, HOAN_KIEM, "bank_transfer", phone="", email=wrong_email)
    shot(page, "details-with-mistakes")
    page.get_by_test_id("continue").click()

    # The same form again, with a message at each mistake and nothing else marked.
    expect(page).to_have_url(live_server + "/checkout")
    expect(page.locator(".field.has-error")).to_have_count(2)
    for wrong in ("#phone", "#email"):
        expect(page.locator(wrong)).to_have_attribute("aria-invalid", "true")
        field = page.locator(".field.has-error").filter(has=page.locator(wrong))
        expect(field.locator(".error")).not_to_be_empty()
    for right in ("#full_name", "#province_code", "#ward_code", "#street", "#note"):
        expect(page.locator(right)).to_have_attribute("aria-invalid", "false")
    # ... and the boxes with a mistake are drawn in another colour than the right ones.
    border = "e => getComputedStyle(e).borderTopColor"
    right_colour = page.locator("#full_name").evaluate(border)
    for wrong in ("#phone", "#email"):
        assert page.locator(wrong).evaluate(border) != right_colour, f"{wrong} is not marked"

    # What was typed is kept, the ward list included (filled by the server this time).
    expect(page.locator("#full_name")).to_have_value(BUYER["full_name"])
    expect(page.locator("#phone")).to_have_value("")
    expect(page.locator("#email")).to_have_value(wrong_email)
    expect(page.locator("#province_code")).to_have_value(str(HANOI))
    expect(page.locator("#ward_code")).to_have_value(str(HOAN_KIEM))
    expect(page.locator("#street")).to_have_value(BUYER["street"])
    expect(page.locator("#note")).to_have_value(BUYER["note"])
    expect(page.locator("input[name=payment_method][value=bank_transfer]")).to_be_checked()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    shot(page, "details-errors-shown")

    # There is no way round: the review sends the buyer back to the form.
    page.goto(live_server + "/checkout/review")
    expect(page).to_have_url(live_server + "/checkout")
    expect(page.get_by_test_id("place-order")).to_have_count(0)
    assert all_orders(live_app) == []
    assert stock_of(live_app, packs) == {COFFEE: 8, FISH_SAUCE: 5, HONEY: 6, TEA: 6}
