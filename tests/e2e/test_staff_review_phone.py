"""A staff reviewer on a phone (390×844) sees the certificate's scan above the decisions,
approves it, and the approval is recorded (issue #15, item 9). On a desktop the scan sits
beside the form. Elements are found by data-testid and role, states read from the database.
"""

from __future__ import annotations

import re

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from shop.certification.models import Certificate
from shop.certification.scans import store_scan
from shop.enums import CertificateStatus, Role
from shop.extensions import db
from tests.factories import PASSWORD, make_product, make_user

PHONE_SCREEN = {"width": 390, "height": 844}
STAFF = ("Trần An", "an.tran@cho-ocop.example.vn")


def _scan_png() -> bytes:
    import io

    image = Image.new("RGB", (600, 840), (255, 253, 245))
    ImageDraw.Draw(image).rectangle((10, 10, 589, 829), outline=(176, 40, 40), width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _seed(app) -> int:
    with app.app_context():
        scan = store_scan(_scan_png())
        certificate = make_product(
            certificate={
                "status": CertificateStatus.PENDING,
                "scan_path": scan.path,
                "scan_type": scan.content_type,
            }
        ).certificates[0]
        make_user(Role.STAFF, full_name=STAFF[0], email=STAFF[1])
        db.session.commit()
        found = certificate.id
        db.session.remove()
    return found


def _status(app, certificate_id: int) -> CertificateStatus:
    with app.app_context():
        status = db.session.get(Certificate, certificate_id).status
        db.session.remove()
    return status


def test_a_reviewer_on_a_phone_sees_the_scan_and_approves(
    page: Page, live_server: str, live_app, shot
):
    certificate_id = _seed(live_app)
    page.set_viewport_size(PHONE_SCREEN)
    page.goto(live_server + "/login")
    page.locator("#email").fill(STAFF[1])
    page.locator("#password").fill(PASSWORD)
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_have_text(STAFF[0])

    page.goto(f"{live_server}/staff/certificates/{certificate_id}")
    scan = page.get_by_test_id("scan").locator("img")
    expect(scan).to_have_attribute("src", f"/staff/certificates/{certificate_id}/scan/pages/1.png")
    scan.scroll_into_view_if_needed()
    expect(scan).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 600", arg=scan.element_handle()
    )
    approve = page.get_by_test_id("approve")
    scan_box, approve_box = scan.bounding_box(), approve.bounding_box()
    assert scan_box["y"] + scan_box["height"] <= approve_box["y"]  # the scan comes first
    assert scan_box["x"] >= 0 and scan_box["x"] + scan_box["width"] <= 390
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the review page is {width}px wide on a 390px screen"
    expect(page.locator("input[name=scan_shown]")).to_have_count(1)
    shot(page, "review-phone")

    approve.scroll_into_view_if_needed()
    approve.click()
    expect(page).to_have_url(re.compile(r"/staff/certificates$"))
    expect(page.locator(".flash-success")).to_be_visible()
    assert _status(live_app, certificate_id) == CertificateStatus.APPROVED


def test_on_a_desktop_the_scan_sits_beside_the_decisions(page: Page, live_server, live_app):
    certificate_id = _seed(live_app)
    page.goto(live_server + "/login")
    page.locator("#email").fill(STAFF[1])
    page.locator("#password").fill(PASSWORD)
    page.locator("main form[method=post] button[type=submit]").click()
    page.goto(f"{live_server}/staff/certificates/{certificate_id}")
    scan_box = page.get_by_test_id("scan").locator("img").bounding_box()
    approve_box = page.get_by_test_id("approve").bounding_box()
    assert approve_box["x"] >= scan_box["x"] + scan_box["width"]  # to its right
    # Refusing asks to confirm: the box is there, unticked.
    expect(page.locator("#confirm_refusal")).not_to_be_checked()
    assert _status(live_app, certificate_id) == CertificateStatus.PENDING
