"""Payout batches: every available balance of at least PAYOUT_MINIMUM, a file for the bank,
paid or failed line by line, and nothing paid twice."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from shop import clock
from shop.audit import AuditEntry
from shop.audit_sentences import sentence
from shop.enums import LegalForm, PayoutLineStatus, Role
from shop.errors import Refused
from shop.ledger.models import EntryKind, LedgerEntry
from shop.ledger.services import balances, record
from shop.payouts import batches
from shop.payouts.models import PayoutAccount, PayoutLine
from tests.conftest import csrf_from
from tests.factories import make_producer, make_user

TODAY = dt.date(2026, 11, 30)
LONG_AGO = dt.datetime(2026, 11, 1, 9, 0)  # accounts set a month before (UTC)


def give(producer, amount, key, available_on=TODAY - dt.timedelta(days=1)):
    """Money the producer may be paid (a sale that became available)."""
    record(producer.id, EntryKind.SALE, amount, key, available_on=available_on)


def add_account(db, producer, number="0071000123456", holder="HOP TAC XA", changed=LONG_AGO):
    db.session.add(
        PayoutAccount(
            producer_id=producer.id,
            bank_bin="970436",
            account_number=number,
            holder_name=holder,
            changed_at=changed,
            held_until=changed + dt.timedelta(hours=48),
        )
    )


@pytest.fixture
def world(db, frozen_today):
    """Four producers with money available: one is paid, one has no account, one changed
    its account yesterday, one has less than the minimum (100.000 ₫)."""
    frozen_today(TODAY)
    paid = make_producer(name="Hợp tác xã Chè Tân Cương")
    no_account = make_producer(name="Hộ kinh doanh Mật ong Bà Hoa")
    changed = make_producer(name="Hợp tác xã Nước mắm Cát Hải")
    small = make_producer(name="Tổ hợp tác Bánh đa Kế", legal_form=LegalForm.COOPERATIVE_GROUP)
    add_account(db, paid, holder="HOP TAC XA CHE TAN CUONG")
    add_account(db, changed, number="1234567890", changed=dt.datetime(2026, 11, 29, 8, 0))
    add_account(db, small, number="5555555555")
    give(paid, 850_000, "t:paid:1")
    give(paid, 150_000, "t:paid:2")
    give(paid, 70_000, "t:paid:later", available_on=TODAY + dt.timedelta(days=3))
    give(no_account, 300_000, "t:no-account")
    give(changed, 400_000, "t:changed")
    give(small, 99_999, "t:small")
    staff = make_user(Role.STAFF, full_name="Trần Kế Toán")
    db.session.commit()
    return {
        "paid": paid,
        "no_account": no_account,
        "changed": changed,
        "small": small,
        "staff": staff,
    }


def test_a_batch_pays_each_available_balance_and_says_who_waits_and_why(db, world):
    batch = batches.create_batch(world["staff"])
    lines = batches.batch_lines(batch.id)
    assert [(line.producer_id, line.amount) for line in lines] == [(world["paid"].id, 1_000_000)]
    assert (lines[0].account_number, lines[0].holder_name) == (
        "0071000123456",
        "HOP TAC XA CHE TAN CUONG",
    )
    with force_locale("en"):
        skipped = {p.name: reason for p, reason in batches.skipped_of(batch)}
    assert skipped == {
        "Hộ kinh doanh Mật ong Bà Hoa": "no bank account for payouts yet",
        "Hợp tác xã Nước mắm Cát Hải": "bank account changed less than 48 hours ago",
    }
    assert balances(world["paid"].id) == type(balances(world["paid"].id))(
        pending=70_000, available=0, paid=1_000_000
    )
    assert balances(world["small"].id).available == 99_999
    claimed = db.session.scalars(
        sa.select(LedgerEntry.event_key).where(LedgerEntry.payout_line_id == lines[0].id)
    ).all()
    assert sorted(claimed) == [f"payout:{lines[0].id}", "t:paid:1", "t:paid:2"]


def test_the_hold_ends_48_hours_after_the_change(db, world):
    batches.create_batch(world["staff"])
    with clock.frozen(dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)):  # 08:00 UTC + 48 h + 7 h
        batch = batches.create_batch(world["staff"])
    assert [(line.producer_id, line.amount) for line in batches.batch_lines(batch.id)] == [
        (world["changed"].id, 400_000)
    ]


def test_a_second_batch_finds_nothing_left_to_pay(db, world):
    batches.create_batch(world["staff"])
    with pytest.raises(Refused):
        batches.create_batch(world["staff"])
    assert db.session.scalar(sa.select(sa.func.count(PayoutLine.id))) == 1


def test_the_bank_file_has_account_bank_name_amount_and_an_ascii_note(db, world):
    batch = batches.create_batch(world["staff"])
    line = batches.batch_lines(batch.id)[0]
    text = batches.bank_csv(batch).decode("ascii")
    assert text == (
        "STT,So tai khoan,Ten nguoi huong,Ma NH,Ngan hang,So tien,Noi dung\r\n"
        f"1,0071000123456,HOP TAC XA CHE TAN CUONG,970436,VIETCOMBANK,1000000,"
        f"CHO OCOP {batch.number} NSX{line.producer_id} HOP TAC XA CHE TAN CUONG\r\n"
    )


def test_a_paid_line_stays_paid_and_cannot_be_marked_again(db, world):
    batch = batches.create_batch(world["staff"])
    line = batches.batch_lines(batch.id)[0]
    batches.mark_paid(line, world["staff"])
    assert line.status == PayoutLineStatus.PAID
    with pytest.raises(Refused):
        batches.mark_failed(line, world["staff"], "Sai số tài khoản")
    assert balances(world["paid"].id).paid == 1_000_000
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "payout_line.paid")
    ).one()
    with force_locale("en"):
        assert sentence(entry) == (
            f"Staff Trần Kế Toán marked the payout {batch.number} – Hợp tác xã Chè Tân Cương, "
            "1.000.000\xa0₫ as paid"
        )


def test_a_failed_line_returns_the_money_to_the_balance_and_the_next_batch_pays_it(db, world):
    batch = batches.create_batch(world["staff"])
    line = batches.batch_lines(batch.id)[0]
    batches.mark_failed(line, world["staff"], "Tài khoản đã đóng")
    assert balances(world["paid"].id) == type(balances(world["paid"].id))(
        pending=70_000, available=1_000_000, paid=0
    )
    returned = db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.PAYOUT_RETURNED)
    ).one()
    assert (returned.amount, returned.event_key) == (1_000_000, f"payout-returned:{line.id}")
    with pytest.raises(Refused):
        batches.mark_paid(line, world["staff"])
    with pytest.raises(Refused):  # failed once, returned once
        batches.mark_failed(line, world["staff"], "again")
    with clock.frozen(dt.date(2026, 12, 3)):  # the later sale is available too now
        again = batches.create_batch(world["staff"])
        paid_again = {ln.producer_id: ln.amount for ln in batches.batch_lines(again.id)}
    assert paid_again[world["paid"].id] == 1_070_000


def test_a_failure_needs_what_the_bank_said(db, world):
    batch = batches.create_batch(world["staff"])
    with pytest.raises(Refused):
        batches.mark_failed(batches.batch_lines(batch.id)[0], world["staff"], "  ")


def test_staff_make_a_batch_download_the_file_and_mark_lines_on_the_pages(db, world, client, login):
    login(world["staff"])
    page = client.get("/staff/payouts")
    html = page.get_data(as_text=True)
    assert "Hợp tác xã Chè Tân Cương" in html and "chưa có tài khoản ngân hàng" in html
    created = client.post("/staff/payouts", data={"csrf_token": csrf_from(html)})
    assert created.status_code == 302
    batch_page = client.get(created.headers["Location"]).get_data(as_text=True)
    line = db.session.scalars(sa.select(PayoutLine)).one()
    csv_file = client.get(f"/staff/payouts/{line.batch_id}/bank.csv")
    assert csv_file.mimetype == "text/csv" and b"0071000123456" in csv_file.data
    failed = client.post(
        f"/staff/payouts/lines/{line.id}/failed",
        data={"csrf_token": csrf_from(batch_page), "reason": "Sai tên người hưởng"},
    )
    assert failed.status_code == 302
    db.session.expire_all()
    assert db.session.get(PayoutLine, line.id).status == PayoutLineStatus.FAILED
    assert balances(world["paid"].id).available == 1_000_000
