"""A person's data (#19): consents, export, correction, erasure with the books intact, guest
retention, and staff views of personal data in the audit log."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop import clock
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.checkout.models import Address
from shop.enums import OrderStatus, Role
from shop.errors import Refused
from shop.extensions import db as _db
from shop.mail import OutboxMessage
from shop.orders.models import Order, OrderLine, SubOrder, SubOrderEvent
from shop.privacy.models import Consent, LoginEvent
from shop.reviews.models import Review
from tests.factories import make_user
from tests.integration import test_checkout as checkout_tests
from tests.integration.test_checkout import DETAILS, add, checkout, place

csrf = checkout_tests.csrf  # fixtures shared with the checkout tests
shop_world = checkout_tests.shop_world

MAI_PHONE_DIGITS = "987654321"  # DETAILS' phone 0987 654 321, in whatever form it is stored
PASSWORD = "mat-khau-123"


def register(client, submit, **change):
    data = {
        "full_name": "Nguyễn Thị Lan",
        "email": "lan.nguyen@example.vn",
        "phone": "0912 345 678",
        "password": "mot-mat-khau-dai",
        "confirm": "mot-mat-khau-dai",
        "privacy_consent": "y",
        **change,
    }
    return submit("/register", {k: v for k, v in data.items() if v is not None})


def buy(client, csrf, submit, product, **change) -> Order:
    add(client, csrf, product, 1)
    _page, reviewed, total = checkout(client, submit, **change)
    answer = place(client, csrf, reviewed, total)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    number = answer.headers["Location"].rsplit("/", 1)[1]
    return _db.session.scalar(sa.select(Order).where(Order.number == number))


def close(order: Order, at: dt.datetime, status: OrderStatus = OrderStatus.DELIVERED) -> None:
    """Test setup: every shipment of the order reached `status` at `at`."""
    for sub in order.sub_orders:
        _db.session.add(
            SubOrderEvent(
                sub_order_id=sub.id,
                from_status=sub.status,
                to_status=status,
                actor_role="producer",
                at=at,
            )
        )
        sub.status = status
    order.status = status
    _db.session.commit()


def books(db) -> list[tuple]:
    """Every amount and product line the accounts need, order by order."""
    orders = db.session.execute(
        sa.select(
            Order.number, Order.placed_at, Order.subtotal, Order.shipping_total, Order.total
        ).order_by(Order.id)
    ).all()
    subs = db.session.execute(
        sa.select(
            SubOrder.producer_name, SubOrder.subtotal, SubOrder.shipping_fee, SubOrder.total
        ).order_by(SubOrder.id)
    ).all()
    lines = db.session.execute(
        sa.select(
            OrderLine.product_name,
            OrderLine.sku,
            OrderLine.unit_price,
            OrderLine.quantity,
            OrderLine.line_total,
        ).order_by(OrderLine.id)
    ).all()
    return [tuple(r) for r in (*orders, *subs, *lines)]


def text_columns_containing(db, needle: str) -> list[str]:
    """Every table.column (of every table) with a text value containing `needle`."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.Text) or isinstance(column.type, sa.Enum):
                continue
            hits = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(table)
                .where(sa.cast(column, sa.Text).contains(needle))
            )
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def files_containing(folder: Path, needle: str) -> list[str]:
    data = needle.encode()
    return [str(path) for path in folder.rglob("*") if path.is_file() and data in path.read_bytes()]


# --- consent ---------------------------------------------------------------------------


def test_registration_records_the_notice_consent_and_marketing_only_when_ticked(db, client, submit):
    assert register(client, submit).status_code == 302
    lan = db.session.scalar(sa.select(User).where(User.email == "lan.nguyen@example.vn"))
    rows = db.session.execute(
        sa.select(Consent.purpose, Consent.notice_version, Consent.source).where(
            Consent.user_id == lan.id
        )
    ).all()
    assert rows == [("privacy_notice", "2026-12-07", "registration")]
    assert lan.marketing_opt_in is False

    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    assert register(client, submit, email="tu@example.vn", marketing="y").status_code == 302
    tu = db.session.scalar(sa.select(User).where(User.email == "tu@example.vn"))
    purposes = db.session.scalars(
        sa.select(Consent.purpose).where(Consent.user_id == tu.id).order_by(Consent.id)
    ).all()
    assert purposes == ["privacy_notice", "marketing_email"] and tu.marketing_opt_in is True


def test_the_registration_form_offers_marketing_unticked_and_refuses_without_the_notice(
    db, english, submit
):
    page = english.get("/register").get_data(as_text=True)
    assert 'name="marketing"' in page and 'name="marketing" type="checkbox" value="y">' in page
    assert 'href="/privacy"' in page
    answer = register(english, submit, privacy_consent=None)
    assert answer.status_code == 200
    assert "Please tick the box to accept the privacy notice" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consent)) == 0


def test_guest_checkout_needs_the_notice_box_and_records_the_consent_with_the_order(
    db, english, csrf, submit, shop_world
):
    add(english, csrf, shop_world["coffee"], 1)
    unticked = {k: v for k, v in DETAILS.items() if k != "privacy_consent"}
    refused = submit("/checkout", unticked)
    assert refused.status_code == 200
    assert "Please tick the box to accept the privacy notice" in refused.get_data(as_text=True)

    order = buy(english, csrf, submit, shop_world["honey"])
    rows = db.session.execute(
        sa.select(Consent.order_id, Consent.user_id, Consent.purpose, Consent.notice_version)
    ).all()
    assert rows == [(order.id, None, "privacy_notice", "2026-12-07")]


def test_the_privacy_notice_says_who_receives_the_data_in_both_languages(db, client):
    vi = client.get("/privacy").get_data(as_text=True)
    assert "Phiên bản" in vi and "2026-12-07" in vi
    for receiver in ("Đơn vị vận chuyển", "Stripe", "Ngân hàng", "VietQR", "Chủ thể OCOP"):
        assert receiver in vi
    client.set_cookie("lang", "en")
    en = client.get("/privacy").get_data(as_text=True)
    for words in ("Version", "2026-12-07", "carriers", "Stripe", "The bank", "72 hours"):
        assert words in en


# --- marketing e-mail and the one-click unsubscribe ------------------------------------


def test_marketing_mail_goes_only_to_people_who_opted_in_and_one_click_withdraws_it(db, client):
    from shop.privacy.consents import queue_marketing_mail, set_marketing

    mai = make_user(email="mai@example.vn")
    db.session.commit()
    with pytest.raises(Refused):
        queue_marketing_mail(mai, "Tin mới", "Trà mới về.")
    db.session.rollback()
    set_marketing(mai, True)
    queue_marketing_mail(mai, "Tin mới", "Trà mới về.")
    db.session.commit()
    body = db.session.scalar(sa.select(OutboxMessage.body))
    link = body.split("http://127.0.0.1:5000")[1].split()[0]
    assert link.startswith("/unsubscribe/")

    page = client.get(link)  # no log-in; a GET only shows the button
    assert page.status_code == 200 and 'data-testid="unsubscribe"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, mai.id).marketing_opt_in is True

    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    done = client.post(link, data={"csrf_token": token})
    assert 'data-testid="unsubscribed"' in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, mai.id).marketing_opt_in is False
    withdrawn = db.session.scalar(
        sa.select(Consent.withdrawn_at).where(Consent.purpose == "marketing_email")
    )
    assert withdrawn is not None
    assert client.get("/unsubscribe/forged-token").status_code == 404


# --- export and correction -------------------------------------------------------------


def test_the_export_holds_everything_about_the_buyer_and_nothing_about_anyone_else(
    db, client, csrf, submit, login, shop_world
):
    lan = make_user(email="lan@example.vn", full_name="Phạm Thị Lan", phone="+84912000111")
    db.session.add(
        Address(
            user_id=lan.id,
            full_name="Phạm Thị Lan",
            phone="+84912000111",
            street="7 Phố Huế",
            ward_code=DETAILS_WARD(),
            province_code=66,
        )
    )
    mai = make_user(email="mai@example.vn", full_name="Trần Thị Mai", phone="+84987654321")
    db.session.commit()
    login(lan)
    lans = buy(
        client,
        csrf,
        submit,
        shop_world["honey"],
        full_name="Phạm Thị Lan",
        phone="0912 000 111",
        email="lan@example.vn",
        street="7 Phố Huế",
    )
    client.post("/logout", data={"csrf_token": csrf("/")})

    login(mai)
    order = buy(client, csrf, submit, shop_world["coffee"], save_address="y")
    line = db.session.scalar(
        sa.select(OrderLine).join(SubOrder).where(SubOrder.order_id == order.id)
    )
    db.session.add(
        Review(
            order_line_id=line.id,
            product_id=line.product_id,
            user_id=mai.id,
            rating=5,
            comment="Cà phê thơm.",
        )
    )
    db.session.commit()

    answer = client.get("/account/data.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"]
    data = json.loads(answer.get_data(as_text=True))
    assert data["profile"]["email"] == "mai@example.vn"
    assert data["profile"]["full_name"] == "Trần Thị Mai"
    assert data["profile"]["phone"] == "+84987654321"
    assert [a["street"] for a in data["addresses"]] == ["15 Lê Duẩn"]
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["delivery"]["street"] == "15 Lê Duẩn"
    assert data["orders"][0]["total"] == 175_000
    assert data["orders"][0]["shipments"][0]["lines"][0]["product"] == "Cà phê hạt"
    assert data["orders"][0]["shipments"][0]["lines"][0]["quantity"] == 1
    assert [(r["product"], r["rating"], r["comment"]) for r in data["reviews"]] == [
        ("Cà phê hạt", 5, "Cà phê thơm.")
    ]
    assert data["consents"] == []  # made by a factory: she never saw the registration form
    assert len(data["log_ins"]) == 1 and data["log_ins"][0]["network"] == "127.0.0.0/24"
    text = answer.get_data(as_text=True)
    for others in ("Phạm Thị Lan", "lan@example.vn", "912000111", "7 Phố Huế", lans.number):
        assert others not in text

    page = client.get("/account/data").get_data(as_text=True)
    for shown in ("Trần Thị Mai", "15 Lê Duẩn", order.number, "Cà phê thơm.", "127.0.0.0/24"):
        assert shown in page
    for others in ("Phạm Thị Lan", "7 Phố Huế", lans.number):
        assert others not in page


def DETAILS_WARD() -> int:
    return int(DETAILS["ward_code"])


def test_a_buyer_corrects_her_details_and_her_saved_address_but_not_someone_elses(
    db, client, submit, login
):
    mai = make_user(email="mai@example.vn", full_name="Tran Thi Mia")
    lan = make_user(email="lan@example.vn")
    theirs = Address(
        user_id=lan.id,
        full_name="Lan",
        phone="+84912000111",
        street="7 Phố Huế",
        ward_code=DETAILS_WARD(),
        province_code=66,
    )
    mine = Address(
        user_id=mai.id,
        full_name="Mai",
        phone="+84987654321",
        street="15 Le Dua",
        ward_code=DETAILS_WARD(),
        province_code=66,
    )
    db.session.add_all([theirs, mine])
    db.session.commit()
    login(mai)

    assert (
        submit(
            "/account/profile", {"full_name": "Trần Thị Mai", "phone": "0987 654 321"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (mai.full_name, mai.phone) == ("Trần Thị Mai", "+84987654321")

    fixed = {
        "full_name": "Trần Thị Mai",
        "phone": "0987 654 321",
        "street": "15 Lê Duẩn",
        "province_code": "66",
        "ward_code": DETAILS["ward_code"],
    }
    assert submit(f"/account/addresses/{mine.id}", fixed).status_code == 302
    db.session.expire_all()
    assert db.session.get(Address, mine.id).street == "15 Lê Duẩn"

    assert client.get(f"/account/addresses/{theirs.id}").status_code == 404
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/account/data").get_data(as_text=True))
    assert (
        client.post(
            f"/account/addresses/{theirs.id}/delete", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/account/addresses/{mine.id}/delete", data={"csrf_token": token}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.scalars(sa.select(Address.id)).all() == [theirs.id]


# --- erasure -----------------------------------------------------------------------------


def test_a_deleted_account_cannot_log_in_and_its_personal_data_is_nowhere_but_the_books_are_kept(
    app, db, client, csrf, submit, login, shop_world
):
    from shop.privacy.consents import set_marketing

    assert (
        register(
            client,
            submit,
            full_name="Trần Thị Mai",
            email="mai@example.vn",
            phone="0987 654 321",
            password=PASSWORD,
            confirm=PASSWORD,
        ).status_code
        == 302
    )
    mai = db.session.scalar(sa.select(User).where(User.email == "mai@example.vn"))
    set_marketing(mai, True)
    order = buy(
        client,
        csrf,
        submit,
        shop_world["coffee"],
        save_address="y",
        note="Gọi chị Mai trước khi giao",
    )
    line = db.session.scalar(
        sa.select(OrderLine).join(SubOrder).where(SubOrder.order_id == order.id)
    )
    db.session.add(
        Review(
            order_line_id=line.id,
            product_id=line.product_id,
            user_id=mai.id,
            rating=4,
            comment="Ngon.",
        )
    )
    db.session.commit()
    close(order, clock.utcnow())
    mails = Path(app.instance_path) / "outbox"
    assert files_containing(mails, "15 Lê Duẩn") or files_containing(mails, "mai@example.vn")
    before = books(db)
    needles = ("Trần Thị Mai", "mai@example.vn", MAI_PHONE_DIGITS, "15 Lê Duẩn", "Gọi chị Mai")
    assert text_columns_containing(db, "Trần Thị Mai") != []  # the scan does find her first

    wrong = submit("/account/delete", {"password": "not-her-password", "confirm": "y"})
    assert wrong.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, mai.id).erased_at is None

    gone = submit("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert gone.status_code == 302 and gone.headers["Location"] == "/"
    assert client.get("/account").status_code == 302  # logged out
    failed = submit("/login", {"email": "mai@example.vn", "password": PASSWORD})
    db.session.expire_all()
    assert failed.status_code == 200 and db.session.get(User, mai.id).active is False

    db.session.expire_all()
    for needle in needles:
        assert text_columns_containing(db, needle) == [], needle
        assert files_containing(Path(app.instance_path), needle) == [], needle
    assert books(db) == before
    review = db.session.scalar(sa.select(Review))
    assert review.comment == "Ngon."
    product_page = client.get(f"/p/{shop_world['coffee'].slug}").get_data(as_text=True)
    assert "Ngon." in product_page and "Một người mua trước đây" in product_page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Address)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginEvent)) == 0
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.subject_id == mai.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["privacy.erasure_requested", "privacy.erasure_completed"]


def test_an_account_with_an_order_on_its_way_cannot_be_deleted_yet(
    db, english, csrf, submit, login, shop_world
):
    mai = make_user(email="mai@example.vn")
    db.session.commit()
    login(mai)
    buy(english, csrf, submit, shop_world["coffee"])
    answer = submit("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert "once they are delivered or cancelled" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, mai.id).erased_at is None


def test_an_operator_erases_an_account_by_its_id_once(app, db):
    mai = make_user(email="mai@example.vn", full_name="Trần Thị Mai", phone="+84987654321")
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["privacy", "erase-account", str(mai.id)])
    assert first.exit_code == 0 and f"Account {mai.id} erased." in first.output
    again = runner.invoke(args=["privacy", "erase-account", str(mai.id)])
    assert again.exit_code == 1 and "Tài khoản này đã được xóa." in again.output
    db.session.expire_all()
    assert text_columns_containing(db, "Trần Thị Mai") == []
    actions = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.id)
    ).all()
    assert actions == [("privacy.erasure_requested", None), ("privacy.erasure_completed", None)]


def test_producer_and_staff_accounts_are_not_deleted_from_the_page(db, english, submit, login):
    staff = make_user(Role.STAFF)
    db.session.commit()
    login(staff)
    answer = submit("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert "accounts are closed by the shop" in answer.get_data(as_text=True)


# --- guest retention ---------------------------------------------------------------------


def test_guest_details_are_erased_once_the_retention_time_after_closing_has_passed(
    app, db, client, csrf, submit, shop_world
):
    from shop.privacy.erasure import erase_expired

    old = buy(client, csrf, submit, shop_world["coffee"])
    recent = buy(
        client,
        csrf,
        submit,
        shop_world["honey"],
        full_name="Lê Văn Tâm",
        street="99 Nguyễn Tất Thành",
    )
    close(old, clock.utcnow() - dt.timedelta(days=366))
    close(recent, clock.utcnow() - dt.timedelta(days=300))
    before = books(db)
    days = app.config["GUEST_DATA_RETENTION_DAYS"]
    assert days == 365

    result = app.test_cli_runner().invoke(args=["privacy", "erase-expired"])
    assert "Guest orders erased: 1." in result.output
    assert erase_expired() == 0  # run again: nothing more
    db.session.expire_all()
    assert text_columns_containing(db, "15 Lê Duẩn") == []
    assert text_columns_containing(db, "Trần Thị Mai") == []
    assert db.session.get(Order, recent.id).street == "99 Nguyễn Tất Thành"
    assert db.session.get(Order, old.id).erased_at is not None
    assert books(db) == before
    assert (
        db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.subject_id == old.id))
        == "privacy.guest_data_erased"
    )


def test_an_open_guest_order_is_never_erased(db, client, csrf, submit, shop_world):
    from shop.privacy.erasure import erase_expired

    order = buy(client, csrf, submit, shop_world["coffee"])
    db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id)
        .values(placed_at=clock.utcnow() - dt.timedelta(days=900))
    )
    db.session.commit()
    assert erase_expired() == 0


# --- staff views ---------------------------------------------------------------------------


def test_staff_opening_an_order_or_the_producers_list_is_in_the_audit_log(
    db, client, csrf, submit, login, shop_world
):
    order = buy(client, csrf, submit, shop_world["coffee"])
    client.delete_cookie("session")
    staff = make_user(Role.STAFF)
    db.session.commit()
    login(staff)
    assert client.get(f"/staff/orders/{order.number}").status_code == 200
    assert client.get("/staff/producers").status_code == 200
    rows = db.session.execute(
        sa.select(
            AuditEntry.action, AuditEntry.actor_id, AuditEntry.subject_type, AuditEntry.subject_id
        )
        .where(AuditEntry.action.startswith("privacy."))
        .order_by(AuditEntry.id)
    ).all()
    assert rows == [
        ("privacy.staff_viewed.order", staff.id, "Order", order.id),
        ("privacy.staff_viewed.producers", staff.id, "User", staff.id),
    ]
