"""Buyers report a problem with an OCOP label; staff handle the report; the reporter is told.

Issue #17, item 4: from the product page and the verification page, with an optional photo
checked by content and an optional e-mail; a staff queue; closing tells the reporter by
e-mail once it commits; throttled per address and per product; nothing reflected back.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import Role
from shop.errors import Refused
from shop.mail import OutboxMessage
from shop.reports import services
from shop.reports.models import LabelReport
from tests.conftest import csrf_from
from tests.factories import make_product, make_user
from tests.images import jpeg_with_gps, png

IP_A, IP_B = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def product(db, frozen_today):
    item = make_product(name="Nước mắm Phú Quốc 40 độ đạm", slug="nuoc-mam")
    db.session.commit()
    return item


def post_report(client, path: str, data: dict, ip: str = IP_A):
    token = csrf_from(client.get(path, environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True))
    return client.post(
        path,
        data={**data, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
        content_type="multipart/form-data",
    )


def reports(db) -> list[LabelReport]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LabelReport).order_by(LabelReport.id)))


def test_the_product_page_links_to_the_report_form_and_a_visitor_reports_with_a_photo(
    db, client, product
):
    page = client.get("/p/nuoc-mam").get_data(as_text=True)
    assert 'href="/p/nuoc-mam/report"' in page
    response = post_report(
        client,
        "/p/nuoc-mam/report",
        {
            "kind": "wrong_stars",
            "details": "Bao bì in 5 sao <b>nhưng</b> giấy chứng nhận 4 sao",
            "contact_email": "Lan@Example.vn",
            "photo": (io.BytesIO(jpeg_with_gps()), "package.jpg"),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/report/thanks"
    [report] = reports(db)
    assert report.product_id == product.id
    assert report.certificate_id == product.certificates[0].id
    assert report.kind == "wrong_stars" and report.status == "new"
    assert report.contact_email == "lan@example.vn"
    assert report.user_id is None
    assert report.photo_key  # stored through the shop's image pipeline (metadata stripped)
    thanks = client.get("/report/thanks").get_data(as_text=True)
    assert "nhưng" not in thanks and "<b>" not in thanks  # nothing the reporter wrote


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(db, english, product):
    client = english
    response = post_report(
        client,
        "/p/nuoc-mam/report",
        {"kind": "other", "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "photo.jpg")},
    )
    assert response.status_code == 400
    assert "not an image we can read" in response.get_data(as_text=True)
    assert reports(db) == []


def test_a_report_without_a_kind_is_refused_with_a_message(db, english, product):
    client = english
    response = post_report(client, "/p/nuoc-mam/report", {"details": "?"})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert reports(db) == []


def test_details_longer_than_1000_characters_are_refused(db, client, product):
    response = post_report(client, "/p/nuoc-mam/report", {"kind": "other", "details": "x" * 1001})
    assert response.status_code == 400
    assert reports(db) == []


def test_a_product_not_on_sale_cannot_be_reported_from_its_page(db, client, frozen_today):
    hidden = make_product(slug="an", status="hidden")
    db.session.commit()
    assert client.get(f"/p/{hidden.slug}/report").status_code == 404


def test_the_verification_page_reports_a_known_number_against_its_certificate(db, client, product):
    number = product.certificates[0].number
    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert f'href="/verify/{number}/report"' in page
    response = post_report(client, f"/verify/{number.lower()}/report", {"kind": "expired_label"})
    assert response.status_code == 302
    [report] = reports(db)
    assert report.certificate_id == product.certificates[0].id
    assert report.product_id == product.id


def test_an_unknown_number_is_kept_as_typed_and_answered_like_a_known_one(db, client, product):
    known = post_report(
        client, f"/verify/{product.certificates[0].number}/report", {"kind": "differs"}
    )
    unknown = post_report(client, "/verify/GIA-123/report", {"kind": "differs"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/report/thanks"
    fake = reports(db)[-1]
    assert (fake.product_id, fake.certificate_id, fake.typed_number) == (None, None, "GIA-123")


def test_a_signed_in_buyer_finds_their_e_mail_filled_in_and_the_report_is_theirs(
    db, client, login, product
):
    buyer = make_user(email="mai@example.vn")
    db.session.commit()
    login(buyer)
    form = client.get("/p/nuoc-mam/report").get_data(as_text=True)
    assert 'value="mai@example.vn"' in form
    post_report(client, "/p/nuoc-mam/report", {"kind": "other", "contact_email": ""})
    [report] = reports(db)
    assert report.user_id == buyer.id and report.contact_email is None


def test_reports_are_throttled_per_address_then_per_product_from_every_address(
    app, db, client, product
):
    app.config.update(
        LABEL_REPORT_LIMIT_PER_IP="2 per hour", LABEL_REPORT_LIMIT_PER_TARGET="3 per hour"
    )
    for _ in range(2):
        assert post_report(client, "/p/nuoc-mam/report", {"kind": "other"}, IP_A).status_code == 302
    assert post_report(client, "/p/nuoc-mam/report", {"kind": "other"}, IP_A).status_code == 429
    assert post_report(client, "/p/nuoc-mam/report", {"kind": "other"}, IP_B).status_code == 302
    # the product has had 3 reports: a fourth address is throttled too
    assert (
        post_report(client, "/p/nuoc-mam/report", {"kind": "other"}, "127.0.0.9").status_code == 429
    )
    assert len(reports(db)) == 3


def test_the_report_form_needs_its_csrf_token(db, client, product):
    response = client.post("/p/nuoc-mam/report", data={"kind": "other"})
    assert response.status_code == 400
    assert reports(db) == []


def _report(product, email="lan@example.vn"):
    return services.report_product(
        product,
        product.certificates[0],
        services.NewReport(kind="wrong_stars", contact_email=email, language="vi"),
        None,
    )


def test_staff_see_the_queue_and_close_a_report_and_the_reporter_is_told_by_e_mail(
    db, client, login, product
):
    report = _report(product)
    staff = make_user(Role.STAFF)
    db.session.commit()
    login(staff)
    queue = client.get("/staff/reports").get_data(as_text=True)
    assert "Nước mắm Phú Quốc 40 độ đạm" in queue
    page = f"/staff/reports/{report.id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(
        f"{page}/close",
        data={"csrf_token": token, "outcome": "confirmed", "answer": "Đã yêu cầu thu hồi lô hàng."},
    )
    assert response.status_code == 302
    db.session.refresh(report)
    assert (report.status, report.outcome, report.handled_by_id) == (
        "closed",
        "confirmed",
        staff.id,
    )
    [mail] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == "lan@example.vn"
    assert "Đã yêu cầu thu hồi lô hàng." in mail.body
    assert "Đã xác nhận: chúng tôi đang xử lý" in mail.body  # the outcome, in Vietnamese
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["label_report.received", "label_report.closed"]


def test_a_closed_report_cannot_be_closed_again_and_sends_no_second_e_mail(db, product):
    report = _report(product)
    staff = make_user(Role.STAFF)
    db.session.commit()
    services.close(report, staff, "not_confirmed", "")
    with pytest.raises(Refused):
        services.close(report, staff, "confirmed", "")
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_a_refused_close_writes_nothing_and_queues_no_e_mail(db, product):
    report = _report(product)
    staff = make_user(Role.STAFF)
    db.session.commit()
    with pytest.raises(Refused):
        services.close(report, staff, "maybe", "")
    db.session.refresh(report)
    assert report.status == "new"
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_photo_is_shown_to_staff_only(db, client, login, product):
    report = services.report_product(
        product, product.certificates[0], services.NewReport(kind="other", photo=png()), None
    )
    buyer, staff = make_user(), make_user(Role.STAFF)
    db.session.commit()
    url = f"/staff/reports/{report.id}/photo.jpg"
    login(buyer)
    assert client.get(url).status_code == 403
    assert client.get(f"/media/{report.photo_key}.jpg").status_code == 404  # not a product photo
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    login(staff)
    response = client.get(url)
    response.close()
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]


def test_staff_open_an_inspection_from_a_report_which_then_waits_and_the_reporter_hears(
    db, client, login, product, frozen_today
):
    from shop.programme.models import Inspection

    report = _report(product)
    staff = make_user(Role.STAFF)
    db.session.commit()
    login(staff)
    page = f"/staff/reports/{report.id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(
        f"{page}/inspect",
        data={"csrf_token": token, "kind": "unannounced", "planned_on": "05/12/2026"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    [inspection] = db.session.scalars(sa.select(Inspection)).all()
    assert inspection.product_id == product.id
    assert inspection.source_report_id == report.id
    assert inspection.kind.value == "unannounced"
    report = db.session.get(LabelReport, report.id)
    assert (report.status, report.inspection_id) == ("inspecting", inspection.id)
    [mail] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == "lan@example.vn" and "kiểm tra" in mail.body
    detail = client.get(page).get_data(as_text=True)
    assert f'href="/staff/programme/inspections/{inspection.id}"' in detail
    again = client.post(
        f"{page}/inspect",
        data={"csrf_token": token, "kind": "routine", "planned_on": "05/12/2026"},
    )
    assert again.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 1


def test_a_report_about_an_unknown_number_cannot_open_an_inspection(db, product):
    report = services.report_number("KHONG-CO", services.NewReport(kind="differs"), None)
    staff = make_user(Role.STAFF)
    db.session.commit()
    with pytest.raises(Refused):
        services.open_inspection(report, staff, "routine", product.certificates[0].expires_on)
    db.session.refresh(report)
    assert report.status == "new"


def test_the_privacy_export_holds_the_buyers_reports_and_erasure_detaches_them(db, product):
    from shop.privacy.erasure import erase_account_for_operator
    from shop.privacy.export import collect

    buyer = make_user(email="mai@example.vn")
    someone = make_user(email="lan@example.vn")
    db.session.commit()
    mine = services.report_product(
        product,
        product.certificates[0],
        services.NewReport(
            kind="expired_label",
            details="Nhãn hết hạn 2024",
            contact_email="mai@example.vn",
            photo=png(),
        ),
        buyer,
    )
    services.report_number("GIA-1", services.NewReport(kind="other", details="của Lan"), someone)
    exported = collect(buyer)["label_reports"]
    assert exported == [
        {
            "about": mine.subject,
            "kind": "expired_label",
            "details": "Nhãn hết hạn 2024",
            "photo": True,
            "contact_email": "mai@example.vn",
            "created_at": exported[0]["created_at"],
            "status": "new",
            "outcome": None,
            "answer": None,
        }
    ]
    erase_account_for_operator(buyer.id)
    db.session.expire_all()
    kept = db.session.get(LabelReport, mine.id)
    assert (kept.user_id, kept.contact_email, kept.photo_key) == (None, None, None)
    assert kept.details == "Nhãn hết hạn 2024" and kept.product_id == product.id
    other = db.session.scalar(sa.select(LabelReport).where(LabelReport.typed_number == "GIA-1"))
    assert other.user_id == someone.id  # someone else's report is untouched
