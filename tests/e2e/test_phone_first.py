"""On a 390 × 844 phone (#15, "Done when"): no page scrolls sideways, for a buyer (home,
catalogue, product, cart, checkout, order, verify), a producer and staff; the product page
shows its price and the add-to-cart button without scrolling. It also regenerates the
README's two phone screenshots, docs/img/phone-product.png and docs/img/phone-verify.png.

The shop is the demo catalogue (conftest.demo_live_app), in Vietnamese; elements are found
by id, name or data-testid.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from shop import geo

ROOT = Path(__file__).resolve().parents[2]
README_IMAGES = ROOT / "docs" / "img"
PHONE = {"width": 390, "height": 844}
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
PRODUCT = "ca-phe-robusta-rang-moc-cu-m-gar"  # the demo's OCOP-QG-2025-0001
HUE, THUAN_HOA = 46, 19786
PRODUCER = ("htx.caphe@demo.cho-ocop.vn", "demo-caphe-2026")
STAFF = ("staff@demo.cho-ocop.vn", "demo-staff-2026")


def _wait_until(page: Page, condition: str, seconds: float = 5) -> None:
    """Poll `condition` with page.evaluate: the shop's CSP forbids eval, which
    wait_for_function's string predicates may need."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {condition}")


@pytest.fixture
def live_app(demo_live_app: Flask) -> Flask:
    return demo_live_app


def expect_fits(page: Page, what: str) -> None:
    """Nothing is wider than the phone (on an emulated phone innerWidth grows with overflow)."""
    page.wait_for_load_state("load")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= min(inner, PHONE["width"]), f"{what}: {width}px wide on a 390px phone"


def visit(page: Page, url: str, what: str, shot) -> None:
    page.goto(url)
    expect_fits(page, what)
    shot(page, what)


def log_in(page: Page, base: str, who: tuple[str, str]) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(who[0])
    page.locator("#password").fill(who[1])
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_be_visible()


@pytest.mark.browser_context_args(**PHONE_CONTEXT)
def test_a_buyer_on_a_phone_never_scrolls_sideways_and_sees_price_and_button_at_once(
    page: Page, live_server: str, shot
):
    for path, what in (("/", "home"), ("/products", "catalogue"), ("/search?q=ca+phe", "search")):
        visit(page, live_server + path, what, shot)

    # The product page: name, price and the add-to-cart button on the first screen.
    page.goto(f"{live_server}/p/{PRODUCT}")
    expect_fits(page, "product")
    expect(page.locator("main h1")).to_be_in_viewport(ratio=1)
    expect(page.get_by_test_id("buy-price")).to_be_in_viewport(ratio=1)
    button = page.get_by_test_id("add-to-cart")
    expect(button).to_be_in_viewport(ratio=1)
    # The buy bar stays at the bottom of the screen while the page scrolls.
    page.mouse.wheel(0, 1500)
    _wait_until(page, "window.scrollY > 1000")
    expect(button).to_be_in_viewport(ratio=1)
    page.evaluate("window.scrollTo(0, 0)")
    _wait_until(page, "window.scrollY === 0")
    page.screenshot(path=str(README_IMAGES / "phone-product.png"))
    shot(page, "product")

    # Swipe-able photos: one wide row that snaps, inside the screen.
    gallery = page.get_by_test_id("gallery")
    assert gallery.evaluate("g => getComputedStyle(g).scrollSnapType").startswith("x")

    page.get_by_test_id("quantity").fill("2")
    button.click()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")

    visit(page, live_server + "/cart", "cart", shot)
    expect(page.get_by_test_id("cart-line").locator("img")).to_have_count(1)
    page.get_by_test_id("checkout").click()
    expect_fits(page, "checkout")
    expect(page.locator("#phone")).to_have_attribute("type", "tel")
    page.locator("#full_name").fill("Trần Thị Mai")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#email").fill("mai.tran@example.vn")
    page.locator("#province_code").select_option(str(HUE))
    options = page.locator("#ward_code option")
    expect(options).to_have_count(len(geo.wards(HUE)) + 1)
    page.get_by_test_id("ward-filter").fill("thuan hoa")  # no accents: "Thuận Hóa"
    expect(options).to_have_count(2)
    expect(page.locator("#ward_code")).to_have_value(str(THUAN_HOA))
    page.locator("#street").fill("25 Lê Lợi")
    page.locator("input[name=payment_method][value=bank_transfer]").check()
    page.locator("#privacy_consent").check()  # a guest accepts the privacy notice
    shot(page, "checkout")
    page.get_by_test_id("continue").click()
    expect(page).to_have_url(re.compile(r"/checkout/review$"))
    expect_fits(page, "review")
    page.get_by_test_id("place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/OCOP-\d{4}-\d{6}$"))
    expect_fits(page, "order")
    expect(page.get_by_test_id("copy")).to_have_count(3)
    shot(page, "order")

    # Cancelling asks first, then the page says so.
    page.get_by_test_id("cancel-open").click()
    page.locator("input[name=reason][value=changed_mind]").check()
    expect_fits(page, "cancel box")
    page.get_by_test_id("cancel-shipment").click()
    expect(page.get_by_test_id("order-cancelled")).to_be_visible()
    expect(page.get_by_test_id("cancelled-note")).to_be_visible()
    expect_fits(page, "cancelled order")
    shot(page, "cancelled")

    # The QR's landing page, with the number typed as a buyer would.
    page.goto(live_server + "/verify")
    page.locator("#number").fill("ocop qg  2025 0001")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(live_server + "/verify/OCOP-QG-2025-0001")
    expect_fits(page, "verify")
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-status", "valid")
    expect(verdict.locator(".verdict-word")).to_be_in_viewport(ratio=1)
    expect(page.get_by_test_id("buy-link")).to_be_in_viewport(ratio=1)
    page.screenshot(path=str(README_IMAGES / "phone-verify.png"))
    shot(page, "verify")
    visit(page, live_server + "/producers/htx-ca-phe-ea-tul", "producer profile", shot)


def expect_tables_fit(page: Page, what: str, table: str | None) -> None:
    """Every table of the page fits its box (a stacked card list on a phone, not a table that
    scrolls inside itself); `table` is the data-testid of the one the page must show."""
    if table is not None:
        expect(page.locator(f"main table[data-testid={table}]")).to_have_count(1)
        cells = page.locator(f"main table[data-testid={table}] tbody td[data-label]")
        assert cells.count() > 0, f"{what}: the table's cells are not labelled"
        assert cells.first.evaluate("td => getComputedStyle(td, '::before').content") != "none"
    widths = page.evaluate(
        "[...document.querySelectorAll('main table')].map(t => [t.dataset.testid, t.scrollWidth, t.clientWidth])"
    )
    for name, scroll, client in widths:
        assert scroll <= client, (
            f"{what}: table {name} scrolls inside its box ({scroll} > {client})"
        )


def place_an_order(app: Flask) -> None:
    """A guest's order of the demo coffee, so the producer's and staff's order lists have a row."""
    from shop.catalog.models import Product
    from shop.extensions import db
    from tests.integration.test_buyer_orders import place_for

    with app.app_context():
        product = db.session.scalar(sa.select(Product).where(Product.slug == PRODUCT))
        place_for(db, None, (product, 1))


@pytest.mark.browser_context_args(**PHONE_CONTEXT)
def test_producer_and_staff_pages_fit_a_phone(
    page: Page, another_page, live_app: Flask, live_server: str, shot
):
    place_an_order(live_app)
    log_in(page, live_server, PRODUCER)
    for path, table in (
        ("/producer/", "own-products"),
        ("/producer/orders", "orders"),
        ("/producer/orders/sales", "months"),
    ):
        visit(page, live_server + path, "producer " + path, shot)
        expect_tables_fit(page, "producer " + path, table if table != "months" else None)
    page.goto(live_server + "/producer/")
    history = page.locator("a[href$='/certificates']").first
    history.click()
    expect_fits(page, "producer certificate history")
    expect_tables_fit(page, "producer certificate history", "certificate-history")
    shot(page, "producer-certificates")

    staff = another_page()  # the same phone context (the marker above)
    log_in(staff, live_server, STAFF)
    for path, table in (
        ("/staff/", None),
        ("/staff/certificates", "review-queue"),
        ("/staff/certificates/all", "certificates"),
        ("/staff/certificates/expiring", None),  # the demo may have none expiring soon
        ("/staff/orders", "orders"),
        ("/staff/producers", "producers"),
        ("/staff/refunds", None),
        ("/staff/revisions", None),  # a queue that is empty in the demo
        ("/staff/audit", "audit-log"),
        # no money has moved in the demo yet: the tables hold only their "none" row
        ("/staff/money", None),
        ("/staff/money/tax", None),
        ("/staff/money/cod", None),
    ):
        visit(staff, live_server + path, "staff " + path, shot)
        expect_tables_fit(staff, "staff " + path, table)


@pytest.mark.browser_context_args(**PHONE_CONTEXT)
def test_a_failed_product_save_shows_its_errors_first_and_a_tap_reaches_the_field(
    page: Page, live_server: str, shot
):
    log_in(page, live_server, PRODUCER)
    page.goto(live_server + "/producer/")
    page.get_by_test_id("edit-product").first.click()
    page.locator("#name").fill("")
    page.locator("#name").evaluate("field => field.form.requestSubmit()")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect_fits(page, "failed product save")
    assert page.evaluate("window.scrollY") == 0
    expect(summary).to_be_in_viewport(ratio=1)
    expect(summary).to_have_attribute("role", "alert")
    expect(page.locator("#error-summary-title")).to_be_focused()
    link = summary.locator("a[href='#name']")
    expect(link).to_be_in_viewport(ratio=1)
    shot(page, "failed-product-save")
    link.tap()
    expect(page.locator("#name")).to_be_focused()
    expect(page.locator("#name")).to_be_in_viewport()
    expect(page.locator("label[for=name]")).to_be_in_viewport()
    shot(page, "field-reached")
