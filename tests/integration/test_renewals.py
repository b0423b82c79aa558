"""Re-recognition before expiry: a renewal is linked to the certificate it renews, staff and
the producer see what expires within six months and where its renewal stands, staff remind
once (a double click or two staff at once send one e-mail), and an approved renewal keeps the
product listed across the old certificate's last day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from shop import clock
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.audit_sentences import sentence
from shop.catalog.services import get_listable
from shop.certification import services as certification
from shop.certification.models import Certificate
from shop.enums import IssuingLevel, Role
from shop.errors import Refused
from shop.mail import OutboxMessage
from shop.programme import renewals
from tests import scans
from tests.concurrency import Race
from tests.conftest import csrf_from
from tests.factories import make_producer, make_product, make_user

TODAY = dt.date(2026, 11, 30)


def submission(number: str, decided: dt.date, renews: Certificate | None = None):
    return certification.Submission(
        number=number,
        decision_number=f"{number}/QĐ-UBND",
        decision_date=decided,
        issuing_body="UBND tỉnh Đắk Lắk",
        issuing_level=IssuingLevel.PROVINCE,
        stars=4,
        renews_id=renews.id if renews else None,
    )


@pytest.fixture
def world(db, frozen_today):
    """Four certificates expiring within six months, one beyond; a staff member."""
    producer = make_producer(name="HTX Cà phê Ea Tu", phone="+84912345678")
    staff = make_user(Role.STAFF, full_name="Cán bộ OCOP")
    # decided 36 months before their expiry: 10/12/2026, 01/02/2027, 01/03/2027, 30/05/2027
    # (the last day within six months of 30/11/2026 is 30/05/2027), and 31/05/2027 (beyond)
    products = {}
    for name, decided in (
        ("Cà phê hạt", dt.date(2023, 12, 10)),
        ("Cà phê bột", dt.date(2024, 2, 1)),
        ("Mật ong", dt.date(2024, 3, 1)),
        ("Tiêu đen", dt.date(2024, 5, 30)),
        ("Hạt điều", dt.date(2024, 5, 31)),
    ):
        products[name] = make_product(
            producer, name=name, certificate={"decision_date": decided, "number": f"OLD-{name}"}
        )
    db.session.commit()
    return producer, staff, products


def old(products, name) -> Certificate:
    return next(c for c in products[name].certificates if c.number.startswith("OLD-"))


def test_a_renewal_names_the_certificate_it_renews_and_only_of_the_same_product(world):
    producer, staff, products = world
    renewal = certification.submit(
        producer,
        products["Cà phê hạt"],
        submission("NEW-1", dt.date(2026, 11, 20), old(products, "Cà phê hạt")),
        scans.png_bytes(),
    )
    assert renewal.renews_id == old(products, "Cà phê hạt").id
    with pytest.raises(Refused) as refused:
        certification.submit(
            producer,
            products["Mật ong"],
            submission("NEW-2", dt.date(2026, 11, 20), old(products, "Cà phê hạt")),
            scans.png_bytes(),
        )
    assert refused.value.field == "renews"


def test_the_list_holds_six_months_with_each_renewal_state(db, world):
    producer, staff, products = world
    submitted = certification.submit(
        producer,
        products["Cà phê bột"],
        submission("NEW-BOT", dt.date(2026, 11, 1), old(products, "Cà phê bột")),
        scans.png_bytes(),
    )
    sent_back = certification.submit(
        producer,
        products["Mật ong"],
        submission("NEW-MO", dt.date(2026, 11, 2), old(products, "Mật ong")),
        scans.png_bytes(),
    )
    certification.request_changes(sent_back, staff, "Bản quét mờ")
    approved = certification.submit(
        producer,
        products["Tiêu đen"],
        submission("NEW-TIEU", dt.date(2026, 11, 3), old(products, "Tiêu đen")),
        scans.png_bytes(),
    )
    certification.approve(approved, staff)
    due = renewals.due()
    assert [(d.certificate.number, d.state, d.days_left) for d in due] == [
        ("OLD-Cà phê hạt", "none", 10),
        ("OLD-Cà phê bột", "submitted", 63),
        ("OLD-Mật ong", "changes_requested", 91),
        ("OLD-Tiêu đen", "approved", 181),
    ]
    assert due[1].renewal.id == submitted.id
    other = make_producer()
    assert renewals.due(producer_id=other.id) == []
    assert len(renewals.due(producer_id=producer.id)) == 4


def test_a_rejected_renewal_leaves_the_state_at_none_yet(db, world):
    producer, staff, products = world
    renewal = certification.submit(
        producer,
        products["Cà phê hạt"],
        submission("NEW-X", dt.date(2026, 11, 1), old(products, "Cà phê hạt")),
        scans.png_bytes(),
    )
    certification.reject(renewal, staff, "Không khớp")
    assert renewals.due()[0].state == "none"


def test_the_product_stays_listed_across_the_old_certificates_last_day(db, world, frozen_today):
    producer, staff, products = world
    product = products["Cà phê hạt"]  # the old certificate's last valid day is 10/12/2026
    frozen_today(dt.date(2026, 12, 7))
    renewal = certification.submit(
        producer,
        product,
        submission("NEW-HAT", dt.date(2026, 12, 5), old(products, "Cà phê hạt")),
        scans.png_bytes(),
    )
    certification.approve(renewal, staff)
    for day in (dt.date(2026, 12, 10), dt.date(2026, 12, 11), dt.date(2026, 12, 12)):
        frozen_today(day)
        listed = get_listable(product.id)
        assert listed is not None, day
        expected = "OLD-Cà phê hạt" if day <= dt.date(2026, 12, 10) else "NEW-HAT"
        assert listed[1].number in {"OLD-Cà phê hạt", "NEW-HAT"}
        if day > dt.date(2026, 12, 10):
            assert listed[1].number == expected
    # without a renewal, the other product leaves on the day after its last day
    frozen_today(dt.date(2027, 2, 2))
    assert get_listable(products["Cà phê bột"].id) is None


def _mails(db, recipient):
    return db.session.scalars(
        sa.select(OutboxMessage.subject).where(OutboxMessage.recipient == recipient)
    ).all()


def test_a_reminder_goes_once_a_day_and_is_logged_in_words(db, world, frozen_today):
    producer, staff, products = world
    certificate = old(products, "Cà phê hạt")
    renewals.remind(certificate, staff)
    with pytest.raises(Refused):
        renewals.remind(certificate, staff)
    assert _mails(db, producer.owner.email) == ["Vui lòng gia hạn chứng nhận OCOP OLD-Cà phê hạt"]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "certificate.renewal_reminded")
    )
    from flask_babel import force_locale

    with force_locale("en"):
        assert sentence(entry) == (
            "Staff Cán bộ OCOP reminded the producer to renew certificate OLD-Cà phê hạt"
        )
    frozen_today(dt.date(2026, 12, 1))
    renewals.remind(certificate, staff)
    assert len(_mails(db, producer.owner.email)) == 2


def _remind(app, outcomes, certificate_id, staff_id):
    with app.app_context():
        from shop.extensions import db as scoped

        try:
            renewals.remind(
                scoped.session.get(Certificate, certificate_id),
                scoped.session.get(User, staff_id),
            )
            outcomes.append("sent")
        except Refused:
            outcomes.append("refused")
        finally:
            scoped.session.remove()


def test_two_reminders_at_once_send_one_mail(app, db, world):
    producer, staff, products = world
    second = make_user(Role.STAFF)
    db.session.commit()
    certificate_id = old(products, "Cà phê hạt").id
    outcomes: list[str] = []
    with Race(db, rows=[(Certificate, certificate_id)]) as race:
        for staff_id in (staff.id, second.id):
            race.start(_remind, app, outcomes, certificate_id, staff_id)
    assert sorted(outcomes) == ["refused", "sent"]
    assert len(_mails(db, producer.owner.email)) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(
                AuditEntry.action == "certificate.renewal_reminded"
            )
        )
        == 1
    )


def test_staff_see_states_and_contacts_and_remind_from_the_page(db, client, login, world, english):
    producer, staff, products = world
    login(staff)
    html = client.get("/staff/programme/renewals").get_data(as_text=True)
    assert html.count('data-testid="renewal"') == 4
    assert "0912 345 678" in html or "+84912345678" in html
    assert producer.owner.email in html
    assert 'data-state="none"' in html
    token = csrf_from(html)
    certificate = old(products, "Cà phê hạt")
    url = f"/staff/programme/renewals/{certificate.id}/remind"
    first = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    second = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Reminder sent to HTX Cà phê Ea Tu." in first.get_data(as_text=True)
    assert "already reminded today" in second.get_data(as_text=True)
    assert len(_mails(db, producer.owner.email)) == 1


def test_the_producer_sees_the_same_list_on_the_dashboard(db, client, login, world, english):
    producer, staff, products = world
    login(producer.owner)
    html = client.get("/producer/").get_data(as_text=True)
    assert 'data-testid="producer-renewals"' in html
    assert html.count('data-testid="renewal-row"') == 4
    assert f"renews={old(products, 'Cà phê hạt').id}" in html
    assert clock.today() == TODAY


def test_the_producer_submits_a_renewal_from_the_form(db, client, login, world, submit, english):
    producer, staff, products = world
    product = products["Cà phê hạt"]
    certificate = old(products, "Cà phê hạt")
    login(producer.owner)
    path = f"/producer/products/{product.id}/certificates/new?renews={certificate.id}"
    page = client.get(path).get_data(as_text=True)
    assert f'<option selected value="{certificate.id}">' in page or (
        f'value="{certificate.id}" selected' in page
    )
    response = client.post(
        f"/producer/products/{product.id}/certificates/new",
        data={
            "csrf_token": csrf_from(page),
            "number": "NEW-FORM-1",
            "decision_number": "12/QĐ-UBND",
            "decision_date": "2026-11-25",
            "issuing_body": "UBND tỉnh Đắk Lắk",
            "issuing_level": "province",
            "stars": "4",
            "renews": str(certificate.id),
            "scan": (io.BytesIO(scans.png_bytes()), "scan.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    renewal = db.session.scalar(sa.select(Certificate).where(Certificate.number == "NEW-FORM-1"))
    assert renewal.renews_id == certificate.id
    assert renewals.due(producer_id=producer.id)[0].state == "submitted"
