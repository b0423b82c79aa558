"""Sessions: what log-in keeps, what log-out empties, and how a password change, a reset or
"log out on all devices" ends every other log-in (issue #13, items 3 and 4).

Each browser is a test client with its own cookies; every step is the real request a person
would send (forms with their CSRF tokens, redirects, cookies set and deleted by the answers).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop import geo
from shop.accounts.models import User
from shop.enums import OrderStatus
from shop.orders.models import Order
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_product, make_user

DAK_LAK = 66
MAI = {
    "privacy_consent": "y",
    "full_name": "Trần Thị Mai",
    "phone": "0987 654 321",
    "email": "mai@example.vn",
    "province_code": str(DAK_LAK),
    "ward_code": str(geo.wards(DAK_LAK)[0][0]),
    "street": "15 Lê Duẩn",
    "note": "",
    "payment_method": "cod",
}
# What of Mai's must never show to the next person: her name, mobile and street.
MAIS_DETAILS = ("Trần Thị Mai", "0987 654 321", "+84987654321", "15 Lê Duẩn")
NEW_PASSWORD = "mat-khau-moi-2026"


@pytest.fixture
def world(db, frozen_today, fast_demo):
    coffee = make_product(name="Cà phê hạt Buôn Ma Thuột")
    tea = make_product(name="Trà shan tuyết")
    mai = make_user(email="mai@example.vn", full_name="Trần Thị Mai", phone="+84987654321")
    db.session.commit()
    return {"coffee": coffee, "tea": tea, "mai": mai}


def browser(app, language: str = "en") -> IsolatedClient:
    """A new browser (its own cookies)."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", language)
    return client


def token(client, path: str = "/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def log_in(client, user, *, remember: bool = False, password: str = PASSWORD):
    data = {"email": user.email, "password": password, "csrf_token": token(client, "/login")}
    if remember:
        data["remember"] = "y"
    answer = client.post("/login", data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)


def log_out(client):
    answer = client.post("/logout", data={"csrf_token": token(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def add_to_cart(client, product, quantity: int = 1):
    data = {
        "variant_id": product.variants[0].id,
        "quantity": quantity,
        "csrf_token": token(client, f"/p/{product.slug}"),
    }
    assert client.post("/cart/add", data=data).status_code == 302


def fill_delivery_details(client, details: dict = MAI):
    answer = client.post("/checkout", data={**details, "csrf_token": token(client, "/checkout")})
    assert answer.status_code == 302 and answer.headers["Location"] == "/checkout/review"


def buy(client, product, details: dict = MAI) -> str:
    """Put `product` in the cart and go through checkout; the order's number."""
    add_to_cart(client, product)
    fill_delivery_details(client, details)
    page = client.get("/checkout/review").get_data(as_text=True)
    reviewed = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
        for name in ("idempotency_key", "cart_revision", "details_key", "expected_total")
    }
    answer = client.post("/checkout/place", data={**reviewed, "csrf_token": token(client)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].removeprefix("/orders/")


def is_logged_in(client, user) -> bool:
    """Whether a page for signed-in buyers opens as `user` (else the visitor is sent to log
    in)."""
    answer = client.get("/account/orders")
    if answer.status_code == 302:
        assert answer.headers["Location"].startswith("/login")
        return False
    assert answer.status_code == 200
    return user.full_name in answer.get_data(as_text=True)


def has_cookie(client, name: str) -> bool:
    return client.get_cookie(name) is not None


def session_keys(client) -> set[str]:
    with client.session_transaction() as session:
        return set(session.keys())


def forget_session_cookie(client):
    """What closing the browser does: the session cookie goes, a remember-me cookie stays."""
    client.delete_cookie("session")


# --- item 3: log-out leaves nothing of the last person in the browser ---------------------------


def test_after_log_out_the_next_person_at_the_same_computer_cannot_open_or_cancel_her_order(
    app, db, world
):
    computer = browser(app)
    log_in(computer, world["mai"])
    number = buy(computer, world["coffee"])
    page = computer.get(f"/orders/{number}").get_data(as_text=True)
    assert 'data-testid="cancel-shipment"' in page  # Mai herself may cancel
    log_out(computer)

    # The next person sits down at the same computer.
    assert computer.get(f"/orders/{number}").status_code == 404
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    cancel = f"/orders/{number}/shipments/{order.sub_orders[0].id}/cancel"
    assert computer.post(cancel, data={"csrf_token": token(computer)}).status_code == 404
    assert computer.get("/account/orders").headers["Location"].startswith("/login")
    db.session.expire_all()
    assert order.sub_orders[0].status == OrderStatus.PLACED


def test_after_log_out_checkout_no_longer_prefills_the_last_persons_name_phone_and_address(
    app, db, world
):
    computer = browser(app)
    log_in(computer, world["mai"])
    add_to_cart(computer, world["coffee"])
    fill_delivery_details(computer)  # Mai stops at the review step
    log_out(computer)

    add_to_cart(computer, world["tea"])  # the next person, a guest, goes to checkout
    page = computer.get("/checkout").get_data(as_text=True)
    assert 'name="street"' in page
    for detail in MAIS_DETAILS:
        assert detail not in page, detail


def test_log_out_empties_the_session_deletes_the_remember_me_cookie_and_keeps_the_language(
    app, db, world
):
    computer = browser(app, language="en")
    log_in(computer, world["mai"], remember=True)
    buy(computer, world["coffee"])
    assert has_cookie(computer, "remember_token")
    log_out(computer)

    assert session_keys(computer) == {"_flashes"}  # "You have logged out." and nothing else
    assert not has_cookie(computer, "remember_token")
    forget_session_cookie(computer)  # even after the browser is closed and opened again
    assert not is_logged_in(computer, world["mai"])
    assert computer.get_cookie("lang").value == "en"
    assert "You have logged out." not in computer.get("/").get_data(as_text=True)


def test_log_in_starts_a_new_session_keeping_the_guest_cart_and_the_orders_placed_as_a_guest(
    app, db, world
):
    computer = browser(app)
    guest_order = buy(computer, world["coffee"], details={**MAI, "email": "khach@example.vn"})
    add_to_cart(computer, world["tea"], quantity=2)
    with computer.session_transaction() as session:
        session["planted"] = "left by someone else"  # whatever the session held before
        old_csrf = session["csrf_token"]

    log_in(computer, world["mai"])

    with computer.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != old_csrf
    home = computer.get("/").get_data(as_text=True)
    assert '<span class="badge" data-testid="cart-count">2</span>' in home  # the cart joined
    assert computer.get(f"/orders/{guest_order}").status_code == 200


def test_delivery_details_typed_as_a_guest_are_not_carried_into_the_account_at_log_in(
    app, db, world
):
    computer = browser(app)
    add_to_cart(computer, world["coffee"])
    someone_else = {**MAI, "full_name": "Lê Văn Tâm", "street": "99 Nguyễn Tất Thành"}
    fill_delivery_details(computer, someone_else)

    log_in(computer, world["mai"])

    page = computer.get("/checkout").get_data(as_text=True)
    assert "Lê Văn Tâm" not in page and "99 Nguyễn Tất Thành" not in page
    assert 'value="Trần Thị Mai"' in page  # the account's own details prefill the form


def test_pages_showing_personal_data_are_not_kept_in_the_browsers_cache(app, db, world):
    guest = browser(app)
    assert "no-store" not in guest.get("/").headers.get("Cache-Control", "")
    number = buy(guest, world["coffee"])
    assert guest.get(f"/orders/{number}").headers["Cache-Control"] == "no-store"
    assert guest.get("/").headers["Cache-Control"] == "no-store"  # its session holds an order

    member = browser(app)
    log_in(member, world["mai"])
    for path in ("/", "/account", "/account/orders"):
        assert member.get(path).headers["Cache-Control"] == "no-store", path


def test_a_session_opened_before_session_tokens_existed_is_logged_out_without_an_error(
    app, db, world
):
    computer = browser(app)
    with computer.session_transaction() as session:
        session["_user_id"] = str(world["mai"].id)  # what Flask-Login stored until now
        session["my_orders"] = ["OCOP-2026-000001"]
    answer = computer.get("/")
    assert answer.status_code == 200
    assert world["mai"].full_name not in answer.get_data(as_text=True)
    assert "You have been logged out on this device." in answer.get_data(as_text=True)
    assert session_keys(computer) <= {"csrf_token"}


# --- item 4: a password change, a reset or "log out on all devices" ends the other log-ins ---


def three_devices(app, user):
    """The laptop in use now, a phone with an open session, and a tablet that only holds a
    remember-me cookie (its browser was closed since)."""
    laptop, phone, tablet = browser(app), browser(app), browser(app)
    for device in (laptop, phone, tablet):
        log_in(device, user, remember=device is tablet)
    forget_session_cookie(tablet)
    assert all(is_logged_in(device, user) for device in (laptop, phone, tablet))
    return laptop, phone, tablet


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    data = {"current_password": current, "password": new, "confirm": new}
    return client.post(
        "/account/password", data={**data, "csrf_token": token(client, "/account/password")}
    )


def test_changing_the_password_ends_every_other_session_and_remember_me_cookie_but_not_this_one(
    app, db, world
):
    mai = world["mai"]
    laptop, phone, tablet = three_devices(app, mai)

    answer = change_password(laptop)
    assert answer.status_code == 302

    assert not is_logged_in(phone, mai)
    assert not is_logged_in(tablet, mai)
    assert not has_cookie(tablet, "remember_token")  # the dead cookie is deleted, not resent
    assert answer.headers["Location"] == "/account"
    assert "You are logged out on every other device." in laptop.get("/account").get_data(
        as_text=True
    )
    assert is_logged_in(laptop, mai)
    log_in(phone, mai, password=NEW_PASSWORD)  # the new password works
    assert is_logged_in(phone, mai)


def test_the_browser_that_changed_the_password_keeps_its_remember_me_log_in(app, db, world):
    mai = world["mai"]
    laptop = browser(app)
    log_in(laptop, mai, remember=True)
    change_password(laptop)
    forget_session_cookie(laptop)
    assert is_logged_in(laptop, mai)


def test_a_wrong_current_password_changes_nothing_and_ends_no_session(app, db, world):
    mai = world["mai"]
    laptop, phone, tablet = three_devices(app, mai)
    answer = change_password(laptop, current="not-my-password")
    assert "The current password is not correct." in answer.get_data(as_text=True)
    assert all(is_logged_in(device, mai) for device in (laptop, phone, tablet))


def reset_link(app, client, email: str) -> str:
    from email import message_from_bytes, policy
    from pathlib import Path

    client.post("/reset", data={"email": email, "csrf_token": token(client, "/reset")})
    (mail,) = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    text = message_from_bytes(mail.read_bytes(), policy=policy.default).get_content()
    return re.search(r"http://localhost(/reset/\S+)", text).group(1)


def test_resetting_the_password_ends_every_session_and_remember_me_cookie(app, db, world):
    mai = world["mai"]
    laptop, phone, tablet = three_devices(app, mai)
    stranger_pc = browser(app)  # Mai forgot her password and resets it from elsewhere
    link = reset_link(app, stranger_pc, mai.email)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token(stranger_pc)}
    answer = stranger_pc.post(link, data=data)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"

    for device in (laptop, phone, tablet):
        assert not is_logged_in(device, mai)
    assert not has_cookie(tablet, "remember_token")


def test_log_out_on_all_devices_ends_every_session_this_one_included(app, db, world):
    mai = world["mai"]
    laptop, phone, tablet = three_devices(app, mai)
    page = laptop.get("/account").get_data(as_text=True)
    assert 'data-testid="end-all-sessions"' in page
    assert "including this one" in page  # the page says what the button does

    answer = laptop.post("/account/sessions/end", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert "You are logged out on every device, this one included." in laptop.get(
        "/login"
    ).get_data(as_text=True)
    for device in (laptop, phone, tablet):
        assert not is_logged_in(device, mai)
    log_in(phone, mai)  # the password has not changed
    assert is_logged_in(phone, mai)


def test_log_out_on_all_devices_empties_the_session_left_open_on_a_shared_computer(app, db, world):
    mai = world["mai"]
    library = browser(app)  # Mai orders at the library and forgets to log out
    log_in(library, mai)
    number = buy(library, world["coffee"])
    add_to_cart(library, world["tea"])
    fill_delivery_details(library)

    home = browser(app)
    log_in(home, mai)
    home.post("/account/sessions/end", data={"csrf_token": token(home, "/account")})

    # The next person at the library: no Mai, no order, no address.
    assert not is_logged_in(library, mai)
    assert library.get(f"/orders/{number}").status_code == 404
    add_to_cart(library, world["coffee"])
    page = library.get("/checkout").get_data(as_text=True)
    for detail in MAIS_DETAILS:
        assert detail not in page, detail


def test_log_out_on_all_devices_is_a_post_with_a_csrf_token(app, db, world):
    mai = world["mai"]
    laptop, phone, _tablet = three_devices(app, mai)
    assert laptop.get("/account/sessions/end").status_code == 405
    assert laptop.post("/account/sessions/end").status_code == 400
    assert is_logged_in(laptop, mai) and is_logged_in(phone, mai)


def test_the_account_page_shows_the_persons_details_and_needs_a_log_in(app, db, world):
    visitor = browser(app)
    assert visitor.get("/account").headers["Location"].startswith("/login")
    log_in(visitor, world["mai"])
    page = visitor.get("/account").get_data(as_text=True)
    for shown in ("Trần Thị Mai", "mai@example.vn", "0987 654 321", "/account/password"):
        assert shown in page, shown
    assert 'href="/account"' in visitor.get("/").get_data(as_text=True)  # in the account menu


def test_a_deactivated_account_is_logged_out_at_its_next_request(app, db, world):
    mai = world["mai"]
    laptop = browser(app)
    log_in(laptop, mai, remember=True)
    db.session.execute(sa.update(User).where(User.id == mai.id).values(active=False))
    db.session.commit()
    assert not is_logged_in(laptop, mai)
    assert not has_cookie(laptop, "remember_token")


def test_a_reset_link_sent_twice_at_the_same_moment_sets_one_password(app, db, monkeypatch):
    """Two submits of one reset link (a double tap, or someone else holding the link) race:
    both have read the account before either writes; exactly one new password is set."""
    import threading

    from werkzeug.security import generate_password_hash

    from shop.accounts import models

    mai = make_user(email="mai@example.vn")
    db.session.commit()
    link = reset_link(app, browser(app), mai.email)
    both_checked = threading.Barrier(2)

    def hash_when_both_have_checked(password, *args, **kwargs):
        both_checked.wait(timeout=10)
        return generate_password_hash(password, "pbkdf2:sha256:1000")

    monkeypatch.setattr(models, "generate_password_hash", hash_when_both_have_checked)
    tabs = [browser(app), browser(app)]
    forms = [
        {"password": password, "confirm": password, "csrf_token": token(tab, link)}
        for tab, password in zip(tabs, ("dieu-thu-nhat-1", "dieu-thu-hai-22"), strict=True)
    ]
    answers = {}

    def submit(n):
        answers[n] = tabs[n].post(link, data=forms[n]).headers["Location"]

    threads = [threading.Thread(target=submit, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers.values()) == ["/login", "/reset"]  # one set it; one is told it's used
    winner = next(n for n, where in answers.items() if where == "/login")
    db.session.expire_all()
    assert mai.check_password(forms[winner]["password"])
    assert not mai.check_password(forms[1 - winner]["password"])
