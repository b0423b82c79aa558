"""The programme office's pages as staff use them: the year report (figures, charts, CSV,
a bad area), planning and recording an inspection through the forms (a revocation takes the
product off the storefront), the verification page's last inspection, overdue fixes on the
staff front page, and the audit log in words."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import CertificateStatus, Role
from shop.programme import services
from shop.programme.models import Inspection, InspectionOutcome
from tests import scans
from tests.conftest import csrf_from
from tests.factories import make_producer, make_product, make_user

DAK_LAK = 66


@pytest.fixture
def world(db, frozen_today):
    from shop import geo

    producer = make_producer(
        name="HTX Mắc ca Đắk Lắk", province_code=DAK_LAK, ward_code=geo.wards(DAK_LAK)[0][0]
    )
    product = make_product(
        producer,
        name="Hạt mắc ca sấy",
        slug="hat-mac-ca-say",
        certificate={"number": "OCOP-DL-2026-007", "decision_date": dt.date(2026, 3, 2)},
    )
    staff = make_user(Role.STAFF, full_name="Trần Thanh Tra")
    db.session.commit()
    return producer, product, staff


def test_the_year_report_page_shows_figures_and_charts_and_a_csv(client, login, world, english):
    producer, product, staff = world
    login(staff)
    page = client.get(f"/staff/programme/report?year=2026&province={DAK_LAK}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span data-testid="report-title">2026 · Đắk Lắk</span>' in html
    assert '<strong data-testid="certified-certificates">1</strong>' in html
    assert html.count("<svg") >= 4  # stars, level, group, legal form (no sales yet)
    assert 'id="ward"' in html  # the province's communes can be chosen next
    csv = client.get(f"/staff/programme/report.csv?year=2026&province={DAK_LAK}")
    assert csv.mimetype == "text/csv"
    assert csv.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in csv.headers["Content-Disposition"]
    assert "bao-cao-ocop-2026-dak-lak.csv" in csv.headers["Content-Disposition"]


def test_a_province_or_ward_that_does_not_exist_is_a_clear_400(client, login, world, english):
    *_, staff = world
    login(staff)
    bad = client.get("/staff/programme/report?year=2026&province=999")
    assert bad.status_code == 400
    assert "Choose a province from the list." in bad.get_data(as_text=True)
    ward = client.get(f"/staff/programme/report?year=2026&province={DAK_LAK}&ward=1")
    assert "Choose a commune or ward of this province." in ward.get_data(as_text=True)
    assert client.get("/staff/programme/report?year=1900").status_code == 400
    assert client.get("/staff/programme/report.csv?year=abc").status_code == 400


def test_an_inspection_recorded_as_revoke_takes_the_product_off_the_storefront(
    db, client, login, world, english
):
    producer, product, staff = world
    assert "Hạt mắc ca sấy" in client.get("/products").get_data(as_text=True)
    login(staff)
    plan_page = client.get(f"/staff/programme/inspections/new?product={product.id}")
    response = client.post(
        "/staff/programme/inspections/new",
        data={
            "csrf_token": csrf_from(plan_page.get_data(as_text=True)),
            "product_id": product.id,
            "kind": "unannounced",
            "planned_on": "2026-11-30",
        },
    )
    assert response.status_code == 302
    inspection = db.session.scalar(sa.select(Inspection))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "done_on": "30/11/2026",
        "inspector": "Lê Kiểm",
        "findings": "Bao bì ghi 5 sao; chứng nhận 4 sao.",
        "outcome": "revoke",
    }
    refused = client.post(f"/staff/programme/inspections/{inspection.id}/record", data=data)
    assert refused.status_code == 400
    assert "Tick the box to confirm the revocation." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).outcome == InspectionOutcome.PENDING
    data["confirm_revoke"] = "y"
    data["files"] = (io.BytesIO(scans.jpeg_bytes()), "anh.jpg")
    done = client.post(
        f"/staff/programme/inspections/{inspection.id}/record",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "the certificate was revoked" in html
    assert 'data-outcome="revoke"' in html
    db.session.expire_all()
    certificate = product.certificates[0]
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoke_reason.startswith(f"Kiểm tra #{inspection.id} ngày 30/11/2026:")
    client.get("/logout")
    assert "Hạt mắc ca sấy" not in client.get("/products").get_data(as_text=True)
    assert client.get("/p/hat-mac-ca-say").status_code in (404, 410)
    verify = client.get("/verify/OCOP-DL-2026-007").get_data(as_text=True)
    assert '<dd data-testid="last-inspection">30/11/2026 · certificate revoked</dd>' in verify
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["inspection.planned", "inspection.recorded", "certificate.revoked"]


def test_a_file_that_is_not_an_image_or_pdf_is_refused_on_the_form(
    db, client, login, world, english
):
    producer, product, staff = world
    inspection = services.plan_inspection(product, "routine", dt.date(2026, 11, 30), staff)
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/programme/inspections/{inspection.id}").get_data(as_text=True)
    response = client.post(
        f"/staff/programme/inspections/{inspection.id}/record",
        data={
            "csrf_token": csrf_from(page),
            "done_on": "2026-11-30",
            "inspector": "Lê Kiểm",
            "findings": "Đạt",
            "outcome": "passed",
            "files": (io.BytesIO(scans.WINDOWS_EXE), "anh.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "must be a JPEG, PNG or PDF file" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).outcome == InspectionOutcome.PENDING


def test_overdue_fixes_are_on_the_staff_front_page(db, client, login, world, frozen_today):
    producer, product, staff = world
    inspection = services.plan_inspection(product, "routine", dt.date(2026, 11, 30), staff)
    services.record_inspection(
        inspection,
        staff,
        services.Record(
            dt.date(2026, 11, 30),
            "Lê Kiểm",
            "Nhãn thiếu hạn dùng",
            InspectionOutcome.FIX_BY_DEADLINE,
            fix_deadline=dt.date(2026, 12, 10),
        ),
    )
    db.session.commit()
    login(staff)
    before = client.get("/staff/").get_data(as_text=True)
    assert '<strong data-testid="overdue-fixes">0</strong>' in before
    frozen_today(dt.date(2026, 12, 13))
    after = client.get("/staff/").get_data(as_text=True)
    assert '<strong data-testid="overdue-fixes">1</strong>' in after
    assert "Hạt mắc ca sấy" in after
    assert "trễ 3 ngày" in after


def test_the_verification_page_says_when_no_inspection_was_recorded(client, world, english):
    html = client.get("/verify/OCOP-DL-2026-007").get_data(as_text=True)
    assert "none recorded since certification" in html
