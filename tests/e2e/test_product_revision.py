"""A product revision in a real browser (issue #13, item 5): the producer renames a product
whose certificate was approved; the shop keeps selling it under the approved name; staff see
the approved and proposed details side by side and approve; the shop then shows the new name,
while the verification page still says what the certificate certified.

Two people, two browsers: the producer on a phone, staff on a desktop; a buyer's browser looks
at the shop between the steps. Elements are found by id, name and data-testid, states read
from attributes and the database, never from translated words.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shop.catalog.models import Product, ProductRevision
from shop.enums import RevisionStatus, Role
from shop.extensions import db
from tests.e2e.test_certificate_trust import expect_no_sideways_scroll, log_in
from tests.factories import make_producer, make_product, make_user

APPROVED = "Mắm tôm chà Hậu Lộc"
RENAMED = "Mắm tôm chà Hậu Lộc loại đặc biệt"
SLUG = "mam-tom-cha-hau-loc"
NUMBER = "TH-OCOP-2025-0112"
OWNER = ("Nguyễn Thị Lụa", "lua.nguyen@hauloc.example.vn")
STAFF = ("Trần Văn Kiểm", "kiem.tran@cho-ocop.example.vn")
PHONE = {"width": 390, "height": 844}


def seed(app) -> int:
    """An approved product on sale (set 9, sauces) and a staff member."""
    with app.app_context():
        owner = make_user(Role.PRODUCER, full_name=OWNER[0], email=OWNER[1])
        producer = make_producer(owner=owner, name="HTX Chế biến hải sản Hậu Lộc")
        product = make_product(
            producer,
            name=APPROVED,
            slug=SLUG,
            product_set_code=9,
            certificate={"number": NUMBER, "stars": 4},
            variants=[{"sku": "MAM-TOM-200", "label": "Hũ 200g", "price": 55_000}],
        )
        make_user(Role.STAFF, full_name=STAFF[0], email=STAFF[1])
        db.session.commit()
        product_id = product.id
        db.session.remove()
    return product_id


def stored(app, product_id: int) -> tuple[str, list[tuple[RevisionStatus, str]]]:
    """The product's name as the shop sells it, and its revisions (status, proposed name)."""
    with app.app_context():
        name = db.session.get(Product, product_id).name
        revisions = db.session.execute(
            sa.select(ProductRevision.status, ProductRevision.name).order_by(ProductRevision.id)
        ).all()
        db.session.remove()
    return name, [tuple(r) for r in revisions]


def product_title(page: Page, base: str) -> str:
    page.goto(f"{base}/p/{SLUG}")
    return page.locator("main h1").inner_text()


def test_a_rename_waits_for_staff_and_the_shop_shows_it_once_approved(
    page: Page, another_page, live_server: str, live_app, shot
):
    product_id = seed(live_app)
    edit_url = f"{live_server}/producer/products/{product_id}"

    # The producer, on a phone, renames the approved product.
    producer = another_page()
    producer.set_viewport_size(PHONE)
    log_in(producer, live_server, OWNER)
    producer.goto(edit_url)
    shot(producer, "producer-edit-page-phone")
    expect_no_sideways_scroll(producer, "the producer's product page")
    producer.locator("#name").fill(RENAMED)
    producer.locator("#details form[method=post] button[type=submit]").click()
    expect(producer).to_have_url(re.compile(rf"/producer/products/{product_id}#details$"))
    waiting = producer.get_by_test_id("revision-pending")
    expect(waiting).to_be_visible()
    name_row = waiting.locator("tr[data-field=name]")
    expect(name_row).to_have_attribute("data-changed", "yes")
    expect(name_row.get_by_test_id("approved-value")).to_have_text(APPROVED)
    expect(name_row.get_by_test_id("proposed-value")).to_have_text(RENAMED)
    expect(producer.get_by_test_id("withdraw-revision")).to_be_visible()
    shot(producer, "producer-change-waits-phone")
    expect_no_sideways_scroll(producer, "the producer's page with a waiting change")
    assert stored(live_app, product_id) == (APPROVED, [(RevisionStatus.PENDING, RENAMED)])

    # A buyer still sees the approved name, on the product page and the verification page.
    buyer = another_page()
    assert product_title(buyer, live_server) == APPROVED
    buyer.goto(f"{live_server}/verify/{NUMBER}")
    expect(buyer.get_by_test_id("certified-name")).to_have_text(APPROVED)
    expect(buyer.get_by_test_id("sold-as")).to_have_count(0)

    # Staff find the change in the queue, see the difference beside the certificate ...
    log_in(page, live_server, STAFF)
    page.goto(live_server + "/staff/")
    page.locator("nav.staff-nav a[href='/staff/revisions/']").click()
    rows = page.get_by_test_id("revision-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(APPROVED)
    shot(page, "staff-queue-desktop")
    rows.get_by_test_id("open-revision").click()
    diff = page.get_by_test_id("revision-diff")
    expect(diff.locator("tr[data-changed=yes]")).to_have_count(1)
    expect(diff.locator("tr[data-field=name]")).to_have_attribute("data-changed", "yes")
    expect(diff.locator("tr[data-field=product_set_code]")).to_have_attribute("data-changed", "no")
    expect(page.get_by_test_id("certified-as")).to_contain_text(APPROVED)
    expect(page.locator(".certificate h2")).to_contain_text(NUMBER)
    shot(page, "staff-side-by-side-desktop")
    expect_no_sideways_scroll(page, "the side-by-side page")
    page.set_viewport_size(PHONE)
    shot(page, "staff-side-by-side-phone")
    expect_no_sideways_scroll(page, "the side-by-side page on a phone")

    # ... and approve it.
    page.get_by_test_id("approve-revision").click()
    expect(page).to_have_url(live_server + "/staff/revisions/")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("revision-row")).to_have_count(0)
    assert stored(live_app, product_id) == (RENAMED, [(RevisionStatus.APPROVED, RENAMED)])

    # The shop now sells it under the new name; the certificate still says what it certified.
    assert product_title(buyer, live_server) == RENAMED
    buyer.goto(f"{live_server}/verify/{NUMBER}")
    expect(buyer.get_by_test_id("certified-name")).to_have_text(APPROVED)
    expect(buyer.get_by_test_id("sold-as")).to_have_text(RENAMED)
    shot(buyer, "verification-after-rename")

    # The producer's page no longer shows a waiting change.
    producer.goto(edit_url)
    expect(producer.get_by_test_id("revision-pending")).to_have_count(0)
    expect(producer.locator("main h1")).to_have_text(RENAMED)
