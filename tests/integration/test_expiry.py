"""The expiry lifecycle: dashboard warnings, reminders sent exactly once, the staff list."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from shop.certification.models import CertificateReminder
from shop.enums import Role
from shop.mail import OutboxMessage
from tests.factories import make_certificate, make_product, make_user

TODAY = dt.date(2026, 11, 30)


def decided_for_expiry(day: dt.date) -> dt.date:
    return dt.date(day.year - 3, day.month, day.day)


def expiring_in(days: int, **fields):
    return make_product(
        certificate={"decision_date": decided_for_expiry(TODAY + dt.timedelta(days=days)), **fields}
    )


def remind(app) -> str:
    result = app.test_cli_runner().invoke(args=["certificates", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def mails(db):
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_reminders_go_out_at_60_30_and_7_days_each_exactly_once(app, db, frozen_today):
    product = expiring_in(75)
    db.session.commit()
    sent_on = {}
    for offset in range(0, 80):
        day = frozen_today(TODAY + dt.timedelta(days=offset))
        remind(app)
        remind(app)  # cron may run twice a day: still once
        for message in mails(db)[len(sent_on) :]:
            sent_on[message.subject] = day
    assert [(TODAY + dt.timedelta(days=75) - d).days for d in sent_on.values()] == [60, 30, 7]
    assert all(m.recipient == product.producer.owner.email for m in mails(db))
    assert db.session.scalar(sa.select(sa.func.count(CertificateReminder.id))) == 3


def test_missed_runs_send_only_the_most_urgent_reminder(app, db, frozen_today):
    expiring_in(5)
    db.session.commit()
    assert "1 reminders" in remind(app)
    assert "0 reminders" in remind(app)
    (message,) = mails(db)
    assert "5" in message.subject


def test_a_renewed_certificate_silences_the_old_ones_reminders(app, db, frozen_today):
    product = expiring_in(20)
    make_certificate(product, decision_date=dt.date(2026, 10, 1))
    db.session.commit()
    assert "0 reminders" in remind(app)


def test_the_producer_dashboard_warns_from_sixty_days_out(db, client, frozen_today, login):
    soon = expiring_in(45, number="OCOP-SOON")
    producer = soon.producer
    make_product(
        producer,
        certificate={
            "number": "OCOP-LATER",
            "decision_date": decided_for_expiry(TODAY + dt.timedelta(days=61)),
        },
    )
    db.session.commit()
    login(producer.owner)
    client.set_cookie("lang", "en")
    html = client.get("/producer/").get_data(as_text=True)
    assert "OCOP-SOON" in html and "expires in 45 days" in html
    assert "OCOP-LATER" not in html.split('data-testid="expiry-warnings"')[1].split("</ul>")[0]


def test_staff_see_certificates_expiring_in_the_next_30_days(db, client, frozen_today, login):
    expiring_in(30, number="OCOP-IN")
    expiring_in(31, number="OCOP-OUT")
    expiring_in(-1, number="OCOP-GONE")
    staff = make_user(Role.STAFF)
    db.session.commit()
    login(staff)
    html = client.get("/staff/certificates/expiring").get_data(as_text=True)
    assert "OCOP-IN" in html and "OCOP-OUT" not in html and "OCOP-GONE" not in html
