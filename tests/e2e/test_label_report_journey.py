"""A buyer on a phone reports a label from the verification page, with a photo; staff find
the report in their queue, open an inspection from it and close it; the buyer is told by
e-mail (issue #17, item 4). Elements are found by data-testid, label and role; the outcome is
read from the database."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shop.enums import Role
from shop.extensions import db
from shop.mail import OutboxMessage
from shop.programme.models import Inspection
from shop.reports.models import LabelReport
from tests.factories import PASSWORD, make_user
from tests.images import png

PHONE_SCREEN = {"width": 390, "height": 844}
STAFF = ("Trần An", "an.tran@cho-ocop.example.vn")
COFFEE = "ca-phe-robusta-buon-ma-thuot"


def _seed(app) -> str:
    """The staff account; returns the coffee's certificate number."""
    from shop.catalog.models import Product

    with app.app_context():
        make_user(Role.STAFF, full_name=STAFF[0], email=STAFF[1])
        db.session.commit()
        product = db.session.scalar(sa.select(Product).where(Product.slug == COFFEE))
        number = product.certificates[0].number
        db.session.remove()
    return number


def _state(app):
    with app.app_context():
        report = db.session.scalar(sa.select(LabelReport))
        found = (
            report and (report.status, report.outcome, report.kind, report.photo_key is not None),
            db.session.scalar(sa.select(sa.func.count(Inspection.id))),
            list(db.session.scalars(sa.select(OutboxMessage.recipient))),
        )
        db.session.remove()
    return found


def test_a_buyer_reports_a_label_from_the_verification_page_and_staff_handle_it(
    page: Page, another_page, live_server: str, live_app, shot, tmp_path
):
    number = _seed(live_app)
    photo = tmp_path / "goi-ca-phe.png"
    photo.write_bytes(png((400, 300)))

    page.set_viewport_size(PHONE_SCREEN)
    page.goto(f"{live_server}/verify/{number}")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-status", "valid")
    page.get_by_test_id("report-label").click()
    expect(page).to_have_url(re.compile(r"/verify/.+/report$"))
    shot(page, "report-form-phone")
    form = page.get_by_test_id("report-form")
    form.locator("input[name=kind][value=wrong_stars]").check()
    form.locator("textarea[name=details]").fill("Gói cà phê in 5 sao, giấy chứng nhận khác.")
    form.locator("input[name=photo]").set_input_files(str(photo))
    form.locator("input[name=contact_email]").fill("lan@example.vn")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("report-thanks")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_SCREEN["width"]
    assert _state(live_app) == (("new", None, "wrong_stars", True), 0, [])

    staff = another_page()
    staff.set_viewport_size(PHONE_SCREEN)
    staff.goto(live_server + "/login")
    staff.locator("#email").fill(STAFF[1])
    staff.locator("#password").fill(PASSWORD)
    staff.locator("main form[method=post] button[type=submit]").click()
    expect(staff.get_by_test_id("account-menu")).to_have_text(STAFF[0])
    staff.goto(live_server + "/staff/")
    expect(staff.get_by_test_id("reports-waiting")).to_have_text("1")
    staff.goto(live_server + "/staff/reports")
    queue = staff.get_by_test_id("report-queue")
    expect(queue).to_contain_text("Cà phê Robusta rang mộc Buôn Ma Thuột")
    queue.get_by_role("link").first.click()
    shot(staff, "staff-report-phone")
    expect(staff.get_by_test_id("report-status")).to_be_visible()
    staff.get_by_test_id("inspect-form").locator("button[type=submit]").click()
    expect(staff.get_by_test_id("report-inspection")).to_be_visible()
    assert _state(live_app)[:2] == (("inspecting", None, "wrong_stars", True), 1)

    close = staff.get_by_test_id("close-form")
    close.locator("input[name=outcome][value=confirmed]").check()
    close.locator("textarea[name=answer]").fill("Đã yêu cầu chủ thể thu hồi lô bao bì in sai.")
    close.locator("button[type=submit]").click()
    expect(staff.get_by_test_id("report-queue")).to_have_count(0)
    report, inspections, recipients = _state(live_app)
    assert report == ("closed", "confirmed", "wrong_stars", True)
    assert inspections == 1
    assert recipients == ["lan@example.vn", "lan@example.vn"]  # inspection planned, then outcome
