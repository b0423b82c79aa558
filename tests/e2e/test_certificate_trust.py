"""The certificate trust flow, in a real browser: a producer submits an OCOP certificate with
its scan, staff compare the scan with the facts and approve it, a buyer sees the star badge
and checks the certificate through the product page's QR code, then staff revoke it and the
product leaves the shop while the verification page says so.

Three people, three browsers (contexts): the producer and the staff member share one (the
producer logs out first, as on a shared office computer), the buyer has their own, and the
producer comes back in a fresh one at the end. Texts are translated (the Vietnamese catalogue
may or may not be compiled), so elements are found by id, name, data-testid or role, and
states are read from attributes and the database, never from translated words.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page, expect

from shop import clock
from shop.certification import rules
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, Role
from shop.extensions import db
from tests.factories import PASSWORD, make_producer, make_product, make_user

PRODUCT = "Trà sen Tây Hồ ướp bông sen Bách Diệp"
PRODUCT_SLUG = "tra-sen-tay-ho"
PRODUCER = "Hợp tác xã Sen Tây Hồ"
PRODUCER_OWNER = ("Lê Thị Hồng", "hong.le@sentayho.example.vn")
STAFF = ("Trần Văn Kiểm", "kiem.tran@cho-ocop.example.vn")

NUMBER = "HN-OCOP-2025-0318"
DECISION_NUMBER = "3180/QĐ-UBND"
ISSUING_BODY = "UBND thành phố Hà Nội"
STARS = 4
REVOKE_REASON = "Sở NN&PTNT báo giấy chứng nhận này đã bị thu hồi theo quyết định 4021/QĐ-UBND."

SEEDED_PRODUCT = "Nước mắm cá cơm Phú Quốc 40 độ đạm"  # from conftest.SEED_PRODUCTS, 4 stars
PHONE_SCREEN = {"width": 390, "height": 844}
DESKTOP_SCREEN = {"width": 1280, "height": 800}


# --- helpers --------------------------------------------------------------------------------


def seed_producer_and_staff(app) -> int:
    """The producer's certificate-less product (with one variant) and a staff member."""
    with app.app_context():
        owner = make_user(Role.PRODUCER, full_name=PRODUCER_OWNER[0], email=PRODUCER_OWNER[1])
        producer = make_producer(owner=owner, name=PRODUCER, slug="htx-sen-tay-ho")
        product = make_product(
            producer,
            certificate=False,
            name=PRODUCT,
            slug=PRODUCT_SLUG,
            product_set_code=11,  # tea
            variants=[{"sku": "TRA-SEN-100", "label": "Hộp 100g", "price": 450_000}],
        )
        make_user(Role.STAFF, full_name=STAFF[0], email=STAFF[1])
        db.session.commit()
        product_id = product.id
        db.session.remove()
    return product_id


def the_certificate(app) -> tuple[int, CertificateStatus, str | None]:
    """(id, status, revoke reason) of the submitted certificate (the only one numbered so)."""
    with app.app_context():
        [certificate] = db.session.scalars(
            sa.select(Certificate).where(Certificate.number == NUMBER)
        ).all()
        found = certificate.id, certificate.status, certificate.revoke_reason
        db.session.remove()
    return found


def write_scan(folder: Path) -> Path:
    """A small PNG that looks like a certificate scan (as a producer's phone photo would)."""
    image = Image.new("RGB", (640, 440), (255, 253, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 627, 427), outline=(176, 40, 40), width=6)
    try:
        big, small = ImageFont.load_default(size=30), ImageFont.load_default(size=18)
    except TypeError:  # a Pillow without FreeType: one bitmap size
        big = small = ImageFont.load_default()
    draw.text((320, 70), "OCOP CERTIFICATE", fill=(176, 40, 40), font=big, anchor="mm")
    # ASCII only: Pillow's built-in font has no Vietnamese letters (Đ would be a box).
    lines = [f"No. {NUMBER}", "Decision 3180/QD-UBND", "Tra sen Tay Ho", "4 stars"]
    for i, line in enumerate(lines):
        draw.text((320, 160 + 44 * i), line, fill=(31, 35, 40), font=small, anchor="mm")
    draw.ellipse((500, 320, 590, 410), outline=(176, 40, 40), width=4)
    path = folder / "giay-chung-nhan-ocop.png"
    image.save(path, "PNG")
    return path


def submit(page: Page) -> None:
    """Press the page form's submit button (the header has forms and buttons of its own)."""
    page.locator("main form[method=post] button[type=submit]").click()


def log_in(page: Page, base: str, who: tuple[str, str]) -> None:
    full_name, email = who
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    submit(page)
    expect(page.get_by_test_id("account-menu")).to_have_text(full_name)


def log_out(page: Page) -> None:
    page.get_by_test_id("account-menu").click()
    page.locator("header form[action='/logout'] button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)


def cards_named(page: Page, name: str):
    """The product cards of `name` (a home page may show a product on more than one shelf)."""
    return page.get_by_test_id("product-card").filter(has_text=name)


def expect_home_without_product(page: Page) -> None:
    """The home page lists products (a seeded one), but not ours."""
    expect(cards_named(page, SEEDED_PRODUCT).first).to_be_visible()
    expect(cards_named(page, PRODUCT)).to_have_count(0)


def expect_no_sideways_scroll(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{what} scrolls sideways: {width}px wide on a {viewport}px screen"


# --- the scenario ---------------------------------------------------------------------------


def test_a_certificate_is_submitted_approved_verified_and_revoked(
    page: Page, another_page, live_server: str, live_app, shot, tmp_path: Path
):
    product_id = seed_producer_and_staff(live_app)
    decision_date = clock.today() - dt.timedelta(days=90)  # well inside its 36 months
    expires_on = rules.expiry_for(decision_date)
    scan = write_scan(tmp_path)
    certificates_url = f"{live_server}/producer/products/{product_id}/certificates"

    # The producer finds the product on their dashboard: not on sale, no certificate.
    log_in(page, live_server, PRODUCER_OWNER)
    page.goto(live_server + "/producer/")
    row = page.get_by_test_id("own-product").filter(has_text=PRODUCT)
    expect(row).to_have_count(1)
    shot(page, "producer-dashboard-no-certificate")
    row.locator(f"a[href='/producer/products/{product_id}/certificates']").click()
    expect(page).to_have_url(certificates_url)
    expect(page.get_by_test_id("next-step")).to_have_class(re.compile(r"\bwarn\b"))
    expect(page.get_by_test_id("certificate-history")).to_have_count(0)

    # ... and submits its certificate with a scan.
    page.get_by_test_id("next-step").locator(
        f"a[href='/producer/products/{product_id}/certificates/new']"
    ).click()
    page.locator("#number").fill(NUMBER)
    page.locator("#decision_number").fill(DECISION_NUMBER)
    page.locator("#decision_date").fill(decision_date.isoformat())
    page.locator("#issuing_body").fill(ISSUING_BODY)
    page.locator("#issuing_level").select_option("province")
    page.locator("#stars").select_option(str(STARS))
    page.locator("#scan").set_input_files(str(scan))
    shot(page, "producer-certificate-form-filled")
    submit(page)

    # The history shows it, waiting for review; the product is still not on sale.
    expect(page).to_have_url(certificates_url)
    expect(page.locator(".flash-success")).to_be_visible()
    history = page.get_by_test_id("certificate-history").locator("tbody tr")
    expect(history).to_have_count(1)
    expect(history).to_contain_text(NUMBER)
    expect(history).to_contain_text("★" * STARS)
    expect(history).to_contain_text(f"{DECISION_NUMBER} · {decision_date:%d/%m/%Y}")
    expect(history).to_contain_text(f"{expires_on:%d/%m/%Y}")
    expect(history.locator("a[href$='/scan']")).to_have_count(1)
    expect(page.get_by_test_id("next-step")).to_have_class(re.compile(r"\bwarn\b"))
    certificate_id, status, _reason = the_certificate(live_app)
    assert status == CertificateStatus.PENDING
    shot(page, "producer-history-waiting-for-review")

    page.goto(live_server + "/")
    expect_home_without_product(page)
    log_out(page)

    # Staff open the review queue ...
    log_in(page, live_server, STAFF)
    page.goto(live_server + "/staff/certificates")
    queued = page.get_by_test_id("review-queue").locator("tbody tr")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text(NUMBER)
    expect(queued).to_contain_text(PRODUCT)
    expect(queued).to_contain_text(PRODUCER)
    shot(page, "staff-review-queue")

    # ... and the certificate: its scan, drawn by the shop as an image, beside the facts; the
    # original file is only offered as a download.
    queued.get_by_role("link").click()
    review_url = f"{live_server}/staff/certificates/{certificate_id}"
    expect(page).to_have_url(review_url)
    expect(page.get_by_test_id("certificate-status")).to_have_class(
        re.compile(r"\bstatus-pending\b")
    )
    scan_image = page.locator(".review-layout .scan img")
    expect(scan_image).to_have_attribute(
        "src", f"/staff/certificates/{certificate_id}/scan/pages/1.png"
    )
    download = page.get_by_test_id("download-scan")
    expect(download).to_have_attribute("href", f"/staff/certificates/{certificate_id}/scan")
    expect(download).to_have_attribute("download", "")
    expect(scan_image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 640", arg=scan_image.element_handle()
    )
    facts = page.locator(".review-layout .certificate-facts")
    for fact in (PRODUCT, PRODUCER, NUMBER, DECISION_NUMBER, ISSUING_BODY, "★" * STARS):
        expect(facts).to_contain_text(fact)
    expect(facts).to_contain_text(f"{expires_on:%d/%m/%Y}")
    shot(page, "staff-review-with-scan")

    # The same page on a phone.
    page.set_viewport_size(PHONE_SCREEN)
    expect(page.get_by_test_id("approve")).to_be_visible()
    shot(page, "staff-review-phone")
    expect_no_sideways_scroll(page, "the review page")
    page.set_viewport_size(DESKTOP_SCREEN)

    # Approve: back to the (now empty) queue.
    page.get_by_test_id("approve").click()
    expect(page).to_have_url(live_server + "/staff/certificates")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("review-queue")).to_have_count(0)
    assert the_certificate(live_app)[1] == CertificateStatus.APPROVED
    shot(page, "staff-queue-after-approval")

    # A buyer, in their own browser, now finds the product with its OCOP stars.
    buyer = another_page()
    buyer.goto(live_server + "/")
    card = cards_named(buyer, PRODUCT).first
    expect(card).to_be_visible()
    badge = card.get_by_test_id("ocop-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_class(re.compile(rf"\bocop-{STARS}\b"))
    expect(badge.locator(".ocop-stars")).to_have_text("★" * STARS)
    expect(badge).to_have_attribute("href", f"/verify/{NUMBER}")
    expect(card.locator(".producer")).to_contain_text(PRODUCER)
    shot(buyer, "home-with-badge")

    # The product page shows the certificate and a QR code of its verification page.
    card.get_by_role("link", name=PRODUCT).click()
    product_url = f"{live_server}/p/{PRODUCT_SLUG}"
    expect(buyer).to_have_url(product_url)
    expect(buyer.get_by_test_id("unlisted-reason")).to_have_count(0)
    expect(buyer.locator(".details .certificate-facts")).to_contain_text(NUMBER)
    expect(buyer.locator(".details").get_by_test_id("ocop-badge")).to_have_class(
        re.compile(rf"\bocop-{STARS}\b")
    )
    qr = buyer.get_by_test_id("verify-qr").locator("svg")
    expect(qr).to_be_visible()
    verify_url = f"{live_server}/verify/{NUMBER}"
    expect(qr.locator("title")).to_have_text(verify_url)
    expect(buyer.get_by_test_id("verify-link")).to_have_attribute("href", f"/verify/{NUMBER}")
    expect_no_sideways_scroll(buyer, "the product page")
    shot(buyer, "product-with-qr")

    # Following the QR code's address: the certificate is valid.
    buyer.goto(qr.locator("title").text_content())
    verdict = buyer.get_by_test_id("verdict")
    expect(verdict).to_have_count(1)
    expect(verdict).to_have_attribute("data-status", "valid")
    for fact in (NUMBER, PRODUCT, PRODUCER, DECISION_NUMBER, ISSUING_BODY, "★" * STARS):
        expect(verdict).to_contain_text(fact)
    expect(verdict).to_contain_text(f"{expires_on:%d/%m/%Y}")
    expect(verdict.locator(f"a[href='/p/{PRODUCT_SLUG}']")).to_have_count(1)
    shot(buyer, "verification-valid")

    # Staff revoke the certificate, with a reason ...
    page.goto(review_url)
    expect(page.get_by_test_id("certificate-status")).to_have_class(
        re.compile(r"\bstatus-approved\b")
    )
    page.locator("#reason").fill(REVOKE_REASON)
    page.locator("#confirm").check()
    shot(page, "staff-revoke-reason-filled")
    page.get_by_test_id("revoke").click()
    expect(page).to_have_url(review_url)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("certificate-status")).to_have_class(
        re.compile(r"\bstatus-revoked\b")
    )
    expect(page.get_by_test_id("revoke")).to_have_count(0)
    expect(page.locator(".certificate-facts")).to_contain_text(REVOKE_REASON)
    assert the_certificate(live_app)[1:] == (CertificateStatus.REVOKED, REVOKE_REASON)
    shot(page, "staff-review-revoked")

    # ... so the product is off the shop, and verification says revoked.
    buyer.goto(live_server + "/")
    expect_home_without_product(buyer)
    response = buyer.goto(product_url)
    assert response is not None and response.status == 404
    buyer.goto(verify_url)
    expect(verdict).to_have_count(1)
    expect(verdict).to_have_attribute("data-status", "revoked")
    expect(verdict).to_contain_text(REVOKE_REASON)
    expect(verdict.locator(f"a[href='/p/{PRODUCT_SLUG}']")).to_have_count(0)
    shot(buyer, "verification-revoked")
    api = buyer.request.get(f"{live_server}/api/v1/certificates/{NUMBER}")
    assert api.status == 200 and api.json()["status"] == "revoked"

    # The producer, back at their desk, sees the revocation and staff's reason.
    producer = another_page()
    log_in(producer, live_server, PRODUCER_OWNER)
    producer.goto(certificates_url)
    expect(producer.get_by_test_id("next-step")).to_have_class(re.compile(r"\bwarn\b"))
    history = producer.get_by_test_id("certificate-history").locator("tbody tr")
    expect(history).to_have_count(1)
    expect(history).to_contain_text(REVOKE_REASON)
    expect(
        producer.get_by_test_id("next-step").locator(
            f"a[href='/producer/products/{product_id}/certificates/new']"
        )
    ).to_be_visible()
    shot(producer, "producer-history-revoked")
