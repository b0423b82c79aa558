"""Certificates: submission and its refusals, staff review, revocation, ownership, audit."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry, AuditLogIsAppendOnly
from shop.catalog.services import get_listable
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, Role
from shop.mail import OutboxMessage
from tests import scans
from tests.conftest import csrf_from
from tests.factories import make_certificate, make_producer, make_product, make_user

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def producer(db):
    return make_producer()


@pytest.fixture
def product(db, producer):
    return make_product(producer, certificate=False, name="Cà phê Robusta Ea Tu")


@pytest.fixture
def staff(db):
    return make_user(Role.STAFF, email="kiemduyet@cho-ocop.vn", full_name="Trần An")


def form(**change):
    data = {
        "number": "OCOP-DL-2025-0153",
        "decision_number": "2751/QĐ-UBND",
        "decision_date": "2025-06-10",
        "issuing_body": "UBND tỉnh Đắk Lắk",
        "issuing_level": "province",
        "stars": "4",
    }
    data.update(change)
    return data


def send(submit, product, scan=scans.PDF, filename="scan.pdf", **change):
    data = form(**change)
    if scan is not None:
        data["scan"] = (io.BytesIO(scan), filename)
    path = f"/producer/products/{product.id}/certificates/new"
    return submit(path, data, content_type="multipart/form-data")


def certificates(db):
    return db.session.scalars(sa.select(Certificate)).all()


def test_a_producer_submits_a_certificate_with_a_scan_and_it_waits_for_review(
    db, client, frozen_today, producer, product, login, submit
):
    db.session.commit()
    login(producer.owner)
    response = send(submit, product)
    assert response.status_code == 302
    (certificate,) = certificates(db)
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.expires_on == dt.date(2028, 6, 10)
    assert certificate.scan_type == "application/pdf"
    assert get_listable(product.id) is None
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.action == "certificate.submitted" and entry.actor_id == producer.owner_id
    scan = client.get(f"/producer/certificates/{certificate.id}/scan")
    assert scan.status_code == 200 and scan.data == scans.PDF
    assert scan.headers["Content-Disposition"].startswith("attachment;")
    scan.close()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"stars": "2"}, "1 or 2 stars is not an OCOP rating"),
        ({"stars": "1"}, "1 or 2 stars is not an OCOP rating"),
        ({"decision_date": "2026-12-01"}, "The decision date cannot be in the future."),
        ({"decision_date": "2023-11-29"}, "This certificate expired on 29/11/2026"),
        ({"decision_date": "not a date"}, "Enter a date such as 24/11/2025."),
        ({"number": ""}, "This field is required."),
        ({"issuing_level": "village"}, "Choose an issuing level from the list."),
    ],
)
def test_bad_certificate_input_gets_a_message_and_creates_nothing(
    db, english, frozen_today, producer, product, login, submit, change, message
):
    db.session.commit()
    login(producer.owner)
    response = send(submit, product, **change)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert certificates(db) == []


def test_a_certificate_dated_exactly_36_months_ago_is_still_accepted(
    db, frozen_today, producer, product, login, submit
):
    db.session.commit()
    login(producer.owner)
    assert send(submit, product, decision_date="2023-11-30").status_code == 302


@pytest.mark.parametrize(
    "scan, filename, message",
    [
        (scans.WINDOWS_EXE, "scan.pdf", "The scan must be a JPEG, PNG or PDF file."),
        (scans.WINDOWS_EXE, "scan.jpg", "The scan must be a JPEG, PNG or PDF file."),
        (scans.TEXT, "scan.png", "The scan must be a JPEG, PNG or PDF file."),
        (scans.PDF_WITH_SCRIPT, "scan.pdf", "This PDF contains scripts or attachments."),
        (scans.PDF[:-8], "scan.pdf", "This PDF file is damaged."),
        (None, None, "Attach the scan of the certificate."),
        (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 10), "big.jpg", "at most 10 MB"),
    ],
)
def test_a_scan_is_checked_by_its_content_not_its_name(
    db, english, frozen_today, producer, product, login, submit, scan, filename, message
):
    db.session.commit()
    login(producer.owner)
    response = send(submit, product, scan=scan, filename=filename)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert certificates(db) == []


@pytest.mark.parametrize("scan", [scans.png_bytes(), scans.jpeg_bytes()])
def test_image_scans_are_accepted(db, frozen_today, producer, product, login, submit, scan):
    db.session.commit()
    login(producer.owner)
    assert send(submit, product, scan=scan, filename="scan.bin").status_code == 302


@pytest.mark.parametrize(
    "number, body, refused",
    [
        ("ocop-dl-2025-0153", "UBND tỉnh Đắk Lắk", True),
        ("OCOP - DL - 2025 - 0153", "ubnd tỉnh  đắk lắk", True),
        ("OCOP-DL-2025-0153", "UBND tỉnh Lâm Đồng", False),
    ],
)
def test_a_number_already_used_by_the_same_issuing_body_is_refused(
    db, english, frozen_today, producer, product, login, submit, number, body, refused
):
    make_product(certificate={"number": "OCOP-DL-2025-0153", "issuing_body": "UBND tỉnh Đắk Lắk"})
    db.session.commit()
    login(producer.owner)
    response = send(submit, product, number=number, issuing_body=body)
    assert ("already registered" in response.get_data(as_text=True)) is refused
    assert len(certificates(db)) == (1 if refused else 2)


def test_a_producer_cannot_see_or_act_on_another_producers_certificates(
    db, client, frozen_today, producer, product, login, submit
):
    other = make_producer()
    theirs = make_product(other, certificate={"status": CertificateStatus.CHANGES_REQUESTED})
    certificate = theirs.certificates[0]
    db.session.commit()
    login(producer.owner)
    for path in (
        f"/producer/products/{theirs.id}/certificates",
        f"/producer/products/{theirs.id}/certificates/new",
        f"/producer/certificates/{certificate.id}/edit",
        f"/producer/certificates/{certificate.id}/scan",
    ):
        assert client.get(path).status_code == 404, path
    token_page = submit  # a POST with a valid token is still a 404
    response = token_page(
        f"/producer/products/{product.id}/certificates/new",
        form(),
        action=f"/producer/products/{theirs.id}/certificates/new",
    )
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/staff/", "/staff/certificates", "/staff/audit"])
def test_a_customer_cannot_reach_the_back_office(db, client, login, path):
    customer = make_user()
    db.session.commit()
    assert client.get(path).status_code == 302  # anonymous: log in first
    login(customer)
    assert client.get(path).status_code == 403


def test_the_queue_lists_pending_certificates_oldest_first(db, client, frozen_today, staff, login):
    newer = make_certificate(
        make_product(certificate=False),
        status=CertificateStatus.PENDING,
        submitted_at=dt.datetime(2026, 11, 20),
    )
    older = make_certificate(
        make_product(certificate=False),
        status=CertificateStatus.PENDING,
        submitted_at=dt.datetime(2026, 11, 1),
    )
    make_product()  # approved: not in the queue
    db.session.commit()
    login(staff)
    html = client.get("/staff/certificates").get_data(as_text=True)
    assert html.index(older.number) < html.index(newer.number)
    assert len(re.findall(r'href="/staff/certificates/\d+"', html)) == 2


SCAN_TOKEN = re.compile(r'name="scan_shown" value="([^"]+)"')


def with_scan(color=(200, 30, 30)) -> dict:
    """Certificate fields for a stored PNG scan (its one page drawn, as staff see it)."""
    from shop.certification.scans import store_scan

    scan = store_scan(scans.png_bytes(color=color))
    return {"scan_path": scan.path, "scan_type": scan.content_type}


def review(client, certificate, action, reason=None, confirm=True, token=True):
    """POST a decision from the review page, as its form sends it: the approval with the token
    issued beside the drawn scan (if the page has one), a refusal with its box ticked."""
    path = f"/staff/certificates/{certificate.id}"
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page)}
    if reason is not None:
        data["reason"] = reason
    if action == "revoke" and confirm:
        data["confirm"] = "y"
    if action in ("reject", "request-changes") and confirm:
        data["confirm_refusal"] = "y"
    shown = SCAN_TOKEN.search(page)
    if action == "approve" and token and shown:
        data["scan_shown"] = shown.group(1)
    return client.post(f"{path}/{action}", data=data)


def test_staff_approve_and_the_product_goes_on_sale(db, client, frozen_today, staff, login, submit):
    product = make_product(
        certificate={"status": CertificateStatus.PENDING, "stars": 5, **with_scan()}
    )
    certificate = product.certificates[0]
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/certificates/{certificate.id}").get_data(as_text=True)
    assert f'src="/staff/certificates/{certificate.id}/scan/pages/1.png"' in page
    assert review(client, certificate, "approve").status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.APPROVED
    assert certificate.reviewer_id == staff.id and certificate.reviewed_at is not None
    assert get_listable(product.id) is not None
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "certificate.approved")
    )
    assert entry.before_data["status"] == "pending" and entry.after_data["status"] == "approved"
    mail = db.session.scalar(sa.select(OutboxMessage))
    assert mail.recipient == product.producer.owner.email


def test_asking_for_changes_sends_the_message_and_the_producer_resubmits(
    db, client, frozen_today, staff, login, submit
):
    product = make_product(certificate={"status": CertificateStatus.PENDING})
    certificate = product.certificates[0]
    owner = product.producer.owner
    db.session.commit()
    login(staff)
    empty = review(client, certificate, "request-changes", "")
    assert empty.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.PENDING  # a message is required
    review(client, certificate, "request-changes", "Ảnh quét bị mờ, vui lòng chụp lại.")
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.CHANGES_REQUESTED
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    login(owner)
    history = client.get(f"/producer/products/{product.id}/certificates").get_data(as_text=True)
    assert "Ảnh quét bị mờ, vui lòng chụp lại." in history
    response = submit(
        f"/producer/certificates/{certificate.id}/edit",
        {**form(number=certificate.number), "scan": (io.BytesIO(scans.png_bytes()), "new.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.PENDING and certificate.scan_type == "image/png"


def test_reject_needs_a_reason(db, client, english, frozen_today, staff, login, submit):
    certificate = make_product(certificate={"status": CertificateStatus.PENDING}).certificates[0]
    db.session.commit()
    login(staff)
    page = review(client, certificate, "reject", "   ")
    assert page.status_code == 302
    follow = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Please give a reason or a message for the producer." in follow
    review(client, certificate, "reject", "Số chứng nhận không khớp với bản quét.")
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.REJECTED


def test_revoking_takes_the_product_off_every_storefront_path_at_once(
    db, client, frozen_today, staff, login, submit
):
    product = make_product(name="Nước mắm Phú Quốc 40 độ đạm")
    certificate = product.certificates[0]
    db.session.commit()
    assert "Nước mắm Phú Quốc" in client.get("/").get_data(as_text=True)
    login(staff)
    assert review(client, certificate, "revoke", "Vi phạm an toàn thực phẩm").status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoked_at
    client.delete_cookie("session")
    assert "Nước mắm Phú Quốc" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/p/{product.slug}").status_code == 404
    assert "Nước mắm Phú Quốc" not in client.get("/search?q=nuoc+mam").get_data(as_text=True)
    verdict = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert (
        verdict["status"] == "revoked" and verdict["certificates"][0]["revoked_on"] == "2026-11-30"
    )


def test_a_reviewer_cannot_review_a_certificate_of_their_own_producer(
    db, client, english, frozen_today, login, submit
):
    reviewer = make_user(Role.STAFF)
    producer = make_producer(owner=reviewer)
    certificate = make_product(
        producer, certificate={"status": CertificateStatus.PENDING}
    ).certificates[0]
    db.session.commit()
    login(reviewer)
    response = review(client, certificate, "approve")
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "another staff member must review" in follow
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.PENDING


def test_a_decision_on_a_certificate_no_longer_pending_is_refused(
    db, client, english, frozen_today, staff, login, submit
):
    certificate = make_product().certificates[0]  # already approved
    db.session.commit()
    login(staff)
    response = review(client, certificate, "reject", "late")
    assert "no longer waiting for this action" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_the_audit_log_is_readable_filterable_and_append_only(
    db, client, frozen_today, staff, login, submit
):
    one = make_product(
        certificate={"status": CertificateStatus.PENDING, **with_scan()}
    ).certificates[0]
    two = make_product().certificates[0]
    db.session.commit()
    login(staff)
    review(client, one, "approve")
    review(client, two, "revoke", "Hết hạn kiểm tra")
    log = "/staff/audit?"
    html = client.get(log).get_data(as_text=True)
    assert f"Nhân viên Trần An đã thu hồi giấy chứng nhận {two.number}: Hết hạn kiểm tra" in html
    assert f"Nhân viên Trần An đã duyệt giấy chứng nhận {one.number}" in html
    assert "certificate.revoked</td>" not in html and "— → —" not in html
    client.set_cookie("lang", "en")
    html = client.get(log).get_data(as_text=True)
    assert f"Staff Trần An revoked certificate {two.number}: Hết hạn kiểm tra" in html

    def sentences(query):
        page = client.get(log + query).get_data(as_text=True)
        return re.findall(r'data-testid="audit-sentence">([^<]*)<', page)

    revoked = [f"Staff Trần An revoked certificate {two.number}: Hết hạn kiểm tra"]
    assert sentences("q=thu+hoi") == revoked  # the action's Vietnamese words, no accents
    assert sentences("q=revoked") == revoked  # or its English ones
    assert sentences("q=het+han+kiem+tra") == revoked  # the reason, no accents
    assert sentences("q=tran+an+thu+hoi") == revoked  # who and what
    assert sentences(f"q={two.number.lower()}") == revoked  # the certificate
    assert len(sentences("q=Trần+An")) == 2  # the reviewer's name, as written
    assert sentences("q=tran+an+nobody") == []
    by_record = sentences(f"subject=Certificate:{one.id}")
    assert by_record == [f"Staff Trần An approved certificate {one.number}"]
    assert sentences("since=01/12/2026") == []  # the day after (Vietnam's days)
    assert len(sentences("since=30/11/2026&until=30/11/2026")) == 2
    assert len(sentences("until=2026-11-30")) == 2  # the ISO way of writing a day works too
    for wrong in ("31/02/2026", "yesterday", "01/12/2026&until=01/11/2026"):
        answer = client.get(f"{log}since={wrong}")
        assert answer.status_code == 400  # said, not silently ignored
        assert "audit-sentence" not in answer.get_data(as_text=True)
    assert client.post("/staff/audit").status_code in (400, 405)
    entry = db.session.scalar(sa.select(AuditEntry))
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(AuditEntry)))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_revoking_needs_a_ticked_confirmation(
    db, client, english, frozen_today, staff, login, submit
):
    certificate = make_product().certificates[0]
    db.session.commit()
    login(staff)
    response = review(client, certificate, "revoke", "Vi phạm", confirm=False)
    assert "Tick the box to confirm the revocation." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.APPROVED


def test_the_producers_history_shows_when_a_certificate_was_revoked(
    db, english, frozen_today, login
):
    import datetime

    product = make_product(
        certificate={
            "status": CertificateStatus.REVOKED,
            "revoked_at": datetime.datetime(2026, 11, 2, 20, 0),  # 03/11 in Vietnam
            "revoke_reason": "Vi phạm an toàn thực phẩm",
        }
    )
    db.session.commit()
    login(product.producer.owner)
    history = english.get(f"/producer/products/{product.id}/certificates").get_data(as_text=True)
    assert '<span data-testid="revoked-on">Revoked on 03/11/2026</span>' in history
    assert "Vi phạm an toàn thực phẩm" in history


def _nothing_decided(db, certificate):
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.PENDING and certificate.reviewer_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert [a for a in actions if a != "certificate.submitted"] == []


def test_an_approval_without_the_scan_shown_is_refused_and_changes_nothing(
    db, client, english, frozen_today, staff, login
):
    certificate = make_product(
        certificate={"status": CertificateStatus.PENDING, **with_scan()}
    ).certificates[0]
    db.session.commit()
    login(staff)
    response = review(client, certificate, "approve", token=False)  # a direct POST
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Open the scan before approving: approval needs the scan shown." in follow
    _nothing_decided(db, certificate)
    page = client.get(f"/staff/certificates/{certificate.id}").get_data(as_text=True)
    forged = {
        "csrf_token": csrf_from(page),
        "scan_shown": SCAN_TOKEN.search(page).group(1)[:-2] + "xx",
    }
    response = client.post(f"/staff/certificates/{certificate.id}/approve", data=forged)
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "does not match the scan shown to you" in follow
    _nothing_decided(db, certificate)


def test_a_scan_token_fits_only_its_reviewer_certificate_and_scan(
    db, client, english, frozen_today, staff, login
):
    one = make_product(certificate={"status": CertificateStatus.PENDING, **with_scan()})
    two = make_product(
        certificate={"status": CertificateStatus.PENDING, **with_scan(color=(0, 0, 200))}
    )
    first, second = one.certificates[0], two.certificates[0]
    colleague = make_user(Role.STAFF, email="dongnghiep@cho-ocop.vn")
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/certificates/{first.id}").get_data(as_text=True)
    token = SCAN_TOKEN.search(page).group(1)
    csrf = csrf_from(page)
    # the token of the first certificate's page does not approve the second
    client.post(
        f"/staff/certificates/{second.id}/approve", data={"csrf_token": csrf, "scan_shown": token}
    )
    db.session.refresh(second)
    assert second.status == CertificateStatus.PENDING
    # the scan was replaced since the page was shown: look again
    first.scan_path = with_scan(color=(0, 200, 0))["scan_path"]
    db.session.commit()
    client.post(
        f"/staff/certificates/{first.id}/approve", data={"csrf_token": csrf, "scan_shown": token}
    )
    db.session.refresh(first)
    assert first.status == CertificateStatus.PENDING
    # another reviewer cannot use it either
    client.post("/logout", data={"csrf_token": csrf})
    client.delete_cookie("session")
    login(colleague)
    page = client.get(f"/staff/certificates/{first.id}").get_data(as_text=True)
    client.post(
        f"/staff/certificates/{first.id}/approve",
        data={"csrf_token": csrf_from(page), "scan_shown": token},
    )
    db.session.refresh(first)
    assert first.status == CertificateStatus.PENDING
    assert review(client, first, "approve").status_code == 302  # having seen the new scan
    db.session.refresh(first)
    assert first.status == CertificateStatus.APPROVED and first.reviewer_id == colleague.id


def test_a_certificate_whose_scan_cannot_be_shown_cannot_be_approved(
    db, client, english, frozen_today, staff, login
):
    certificate = make_product(certificate={"status": CertificateStatus.PENDING}).certificates[0]
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/certificates/{certificate.id}").get_data(as_text=True)
    assert 'data-testid="approve"' not in page and 'data-testid="no-approval"' in page
    assert 'data-testid="reject"' in page  # it can still be refused
    review(client, certificate, "approve")
    _nothing_decided(db, certificate)


@pytest.mark.parametrize(
    "action, message",
    [
        ("reject", "Tick the box to confirm the rejection."),
        ("request-changes", "Tick the box to confirm: the producer will be asked for changes."),
    ],
)
def test_a_refusal_without_its_confirmation_is_refused_and_changes_nothing(
    db, client, english, frozen_today, staff, login, action, message
):
    certificate = make_product(
        certificate={"status": CertificateStatus.PENDING, **with_scan()}
    ).certificates[0]
    db.session.commit()
    login(staff)
    response = review(client, certificate, action, "Ảnh quét bị mờ", confirm=False)
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    _nothing_decided(db, certificate)
    review(client, certificate, action, "Ảnh quét bị mờ")
    db.session.refresh(certificate)
    assert certificate.status != CertificateStatus.PENDING


def test_refusals_say_what_is_missing_in_vietnamese(db, client, frozen_today, staff, login):
    certificate = make_product(
        certificate={"status": CertificateStatus.PENDING, **with_scan()}
    ).certificates[0]
    db.session.commit()
    login(staff)
    response = review(client, certificate, "reject", "Mờ", confirm=False)
    assert "Đánh dấu ô để xác nhận từ chối." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    response = review(client, certificate, "approve", token=False)
    assert "Hãy mở bản quét trước khi duyệt" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_the_audit_log_pages_in_a_fixed_number_of_queries(
    db, client, english, frozen_today, staff, login, count_queries
):
    from shop import audit

    reviewers = [make_user(Role.STAFF, full_name=f"Nhân viên {n}") for n in range(3)]
    certificates = [make_product().certificates[0] for _ in range(3)]
    db.session.commit()
    login(staff)

    def run(query):
        with count_queries() as counter:
            page = client.get("/staff/audit?" + query).get_data(as_text=True)
        return counter["n"], page.count('data-testid="audit-sentence"')

    for n, certificate in enumerate(certificates):
        audit.record("certificate.revoked", certificate, actor=reviewers[n], reason="Vi phạm")
    db.session.commit()
    few = run("q=vi+pham")
    for _ in range(20):
        for n, certificate in enumerate(certificates):
            audit.record("certificate.revoked", certificate, actor=reviewers[n], reason="Vi phạm")
    db.session.commit()
    many = run("q=vi+pham")
    assert few[1] == 3 and many[1] == 50  # one page of 50
    assert many[0] == few[0]  # not one query per entry or per person
    assert run("page=2")[1] == 13
