"""The bank account a producer is paid into: validated, confirmed by password, e-mailed,
audited in words, and holding payouts for 48 hours after a change."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop import clock
from shop.audit import AuditEntry
from shop.audit_sentences import sentence
from shop.errors import Refused
from shop.mail import OutboxMessage
from shop.payouts import account as accounts
from shop.payouts.models import PayoutAccount
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_producer

NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=clock.SHOP_TZ)


@pytest.fixture
def producer(db, frozen_today):
    frozen_today(NOON)
    producer = make_producer(name="Hộ kinh doanh Bà Tư")
    db.session.commit()
    return producer


def _set(producer, password=PASSWORD, **fields):
    values = {
        "bank_bin": "970405",
        "account_number": "1500 2050 12345",
        "holder_name": "Nguyễn Thị Tư",
        **fields,
    }
    return accounts.set_payout_account(producer, producer.owner, password=password, **values)


def test_the_account_is_stored_with_the_holder_in_capitals_without_diacritics(db, producer):
    _set(producer, holder_name="  Đặng   thị Tư ")
    account = db.session.scalar(sa.select(PayoutAccount))
    assert (account.bank_bin, account.account_number, account.holder_name) == (
        "970405",
        "1500205012345",
        "DANG THI TU",
    )


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"password": "sai-mat-khau"}, "password"),
        ({"bank_bin": "123456"}, "bank_bin"),
        ({"account_number": "12345"}, "account_number"),
        ({"account_number": "12345678901234567890"}, "account_number"),
        ({"account_number": "1500ABC"}, "account_number"),
        ({"holder_name": "Nguyễn 123"}, "holder_name"),
        ({"holder_name": "   "}, "holder_name"),
    ],
)
def test_a_wrong_password_bank_number_or_name_is_refused_and_nothing_is_written(
    db, producer, fields, field
):
    with pytest.raises(Refused) as refused:
        _set(producer, **fields)
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(PayoutAccount.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_a_change_mails_the_owner_is_audited_and_holds_payouts_for_48_hours(db, producer):
    _set(producer)
    frozen_at = NOON + dt.timedelta(days=5)
    with clock.frozen(frozen_at):
        _set(producer, bank_bin="970436", account_number="0071000123456", holder_name="Tran Van B")
        account = accounts.account_of(producer.id)
        assert accounts.is_held(account)
    with clock.frozen(frozen_at + dt.timedelta(hours=47, minutes=59)):
        assert accounts.is_held(account)
    with clock.frozen(frozen_at + dt.timedelta(hours=48)):
        assert not accounts.is_held(account)
    mails = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.recipient for m in mails] == [producer.owner.email] * 2
    assert "Vietcombank ••••3456" in mails[1].body
    assert "48" in mails[1].body
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "payout_account.changed"
    assert entry.before_data == {
        "bank": "Agribank",
        "account": "••••2345",
        "holder": "NGUYEN THI TU",
    }
    assert entry.after_data["account"] == "••••3456"
    from flask_babel import force_locale

    with force_locale("en"):
        assert sentence(entry).startswith(
            "Producer Người dùng"
        ) and "changed the bank account for payouts of Hộ kinh doanh Bà Tư" in sentence(entry)


def test_the_same_account_again_is_refused_without_holding_payouts_anew(db, producer):
    _set(producer)
    with clock.frozen(NOON + dt.timedelta(days=3)):
        with pytest.raises(Refused):
            _set(producer)
        assert not accounts.is_held(accounts.account_of(producer.id))


def test_only_the_owner_may_change_it(db, producer):
    other = make_producer()
    with pytest.raises(Refused):
        accounts.set_payout_account(
            producer,
            other.owner,
            password=PASSWORD,
            bank_bin="970405",
            account_number="150020501234",
            holder_name="X Y",
        )


def test_the_page_saves_the_account_and_says_payouts_wait(db, producer, client, login):
    login(producer.owner)
    page = client.get("/producer/payouts/account")
    assert page.status_code == 200
    response = client.post(
        "/producer/payouts/account",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "bank_bin": "970446",
            "account_number": "123456789",
            "holder_name": "Hợp tác xã Đoàn Kết",
            "password": PASSWORD,
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Co-opBank ••••6789 – HOP TAC XA DOAN KET" in html
    assert 'data-testid="account-held"' in html


def test_the_page_with_a_wrong_password_says_so_and_keeps_the_old_account(
    db, producer, client, login
):
    _set(producer)
    login(producer.owner)
    page = client.get("/producer/payouts/account")
    response = client.post(
        "/producer/payouts/account",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "bank_bin": "970436",
            "account_number": "999999999",
            "holder_name": "KE GIAN",
            "password": "khong-dung",
        },
    )
    assert response.status_code == 200
    assert "Mật khẩu không đúng." in response.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.account_of(producer.id).account_number == "1500205012345"
