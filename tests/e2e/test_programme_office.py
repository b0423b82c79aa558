"""A programme officer, in one sitting (issue #17, "Done when"): produces the year report for
a province, sees what must be re-recognised and reminds a producer, records an inspection
that leads to a revocation, and sees the revoked product vanish from the storefront.

The shop is the demo catalogue (conftest.demo_live_app), in Vietnamese, as the demo's staff
account sees it; elements are found by data-testid, label and role.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image
from playwright.sync_api import Page, expect

from shop.catalog.models import Product
from shop.certification.models import Certificate
from shop.enums import CertificateStatus
from shop.extensions import db

STAFF = ("staff@demo.cho-ocop.vn", "demo-staff-2026", "Phạm Minh Quân")
INSPECTED = "Cà phê phin Buôn Ma Thuột"  # a listed demo product of Đắk Lắk


@pytest.fixture
def live_app(demo_live_app: Flask) -> Flask:
    """The officer works on the demo catalogue (see conftest.demo_live_app)."""
    return demo_live_app


def _certificate_of(app: Flask, name: str) -> tuple[str, str, int]:
    with app.app_context():
        product = db.session.scalar(sa.select(Product).where(Product.name == name))
        found = (product.certificates[0].number, product.slug, product.certificates[0].id)
        db.session.remove()
    return found


def _status(app: Flask, certificate_id: int) -> CertificateStatus:
    with app.app_context():
        status = db.session.get(Certificate, certificate_id).status
        db.session.remove()
    return status


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 90, 60)).save(out, "PNG")
    return out.getvalue()


def test_a_programme_officer_reports_reminds_inspects_and_revokes(
    page: Page, live_server: str, live_app: Flask, shot
):
    number, slug, certificate_id = _certificate_of(live_app, INSPECTED)
    page.goto(f"{live_server}/p/{slug}")
    expect(page.locator("h1")).to_contain_text(INSPECTED)

    page.goto(live_server + "/login")
    page.locator("#email").fill(STAFF[0])
    page.locator("#password").fill(STAFF[1])
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_have_text(STAFF[2])

    # The back office's front page: what the programme office must follow up.
    page.goto(live_server + "/staff/")
    expect(page.get_by_test_id("renewals-due")).to_have_text("4")
    expect(page.get_by_test_id("overdue-fixes")).to_have_text("1")
    expect(page.get_by_test_id("overdue-fix")).to_contain_text("Tiêu đen Phú Quốc")

    # 1. The year report for Đắk Lắk.
    page.locator(".staff-nav").get_by_role("link", name="Báo cáo năm").click()
    page.locator("#province").select_option(label="Đắk Lắk")
    page.get_by_test_id("show-report").click()
    expect(page.get_by_test_id("report-title")).to_contain_text("Đắk Lắk")
    expect(page.locator("#ward")).to_be_visible()  # a commune can be chosen next
    expect(page.locator(".year-report svg.chart").first).to_be_visible()
    assert page.locator(".year-report svg.chart").count() >= 4
    csv_link = page.get_by_test_id("report-csv")
    expect(csv_link).to_have_attribute("href", re.compile(r"report\.csv\?.*province=66"))
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.suggested_filename.startswith("bao-cao-ocop-")
    shot(page, "year-report")

    # 2. What must be re-recognised, with the renewal's state; remind the one not started.
    page.locator(".staff-nav").get_by_role("link", name="Gia hạn").click()
    rows = page.get_by_test_id("renewal")
    expect(rows).to_have_count(4)
    states = sorted(
        page.get_by_test_id("renewal-state").evaluate_all(
            "spans => spans.map(s => s.dataset.state)"
        )
    )
    assert states == ["approved", "changes_requested", "none", "submitted"]
    waiting = rows.filter(has=page.locator("[data-state=none]"))
    waiting.get_by_test_id("remind").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã gửi lời nhắc")
    page.get_by_test_id("renewal").filter(has=page.locator("[data-state=none]")).get_by_test_id(
        "remind"
    ).click()  # a second time: nothing is sent twice in a day
    expect(page.locator(".flash-info")).to_contain_text("Hôm nay đã nhắc")
    shot(page, "renewals")

    # 3. An unannounced inspection of a product, recorded with a photo: revoke.
    page.locator(".staff-nav").get_by_role("link", name="Kiểm tra").click()
    page.locator("#number").fill(number)
    page.get_by_test_id("find-certificate").get_by_role("button", name="Tìm").click()
    page.get_by_test_id("plan-product").first.click()
    expect(page.get_by_test_id("subject")).to_contain_text(INSPECTED)
    page.get_by_role("radio", name="đột xuất").check()
    page.get_by_test_id("plan").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã lên kế hoạch kiểm tra")
    page.locator("#findings").fill("Bao bì lô hàng ghi 5 sao trong khi chứng nhận là 4 sao.")
    page.locator("#files").set_input_files(
        files=[{"name": "bao-bi.png", "mimeType": "image/png", "buffer": _photo()}]
    )
    page.get_by_role("radio", name="thu hồi chứng nhận").check()
    page.locator("#confirm_revoke").check()
    page.get_by_test_id("record").click()
    expect(page.get_by_test_id("inspection-outcome")).to_have_attribute("data-outcome", "revoke")
    expect(page.get_by_test_id("attachments").locator("img")).to_have_count(1)
    shot(page, "inspection-revoked")
    assert _status(live_app, certificate_id) == CertificateStatus.REVOKED

    # 4. The product is gone from the storefront; the public page says why and when.
    page.goto(live_server + "/products?q=" + "phin")
    expect(page.locator("main")).not_to_contain_text(INSPECTED)
    response = page.goto(f"{live_server}/p/{slug}")
    assert response.status in (404, 410)
    page.goto(f"{live_server}/verify/{number}")
    expect(page.get_by_test_id("verdict").first).to_have_attribute("data-status", "revoked")
    expect(page.get_by_test_id("last-inspection").first).to_contain_text("thu hồi chứng nhận")
