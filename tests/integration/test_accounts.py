"""Accounts: registration, log-in, log-out, passwords and reset links, throttling."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.enums import Role
from tests.factories import PASSWORD, make_user

GOOD = {
    "privacy_consent": "y",
    "full_name": "Nguyễn Thị Lan",
    "email": "Lan.Nguyen@Example.vn",
    "phone": "0912 345 678",
    "password": "trà-sen-tây-hồ",
    "confirm": "trà-sen-tây-hồ",
}


def user_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_a_visitor_registers_and_is_logged_in_with_a_hashed_password(db, client, submit):
    response = submit("/register", GOOD)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "lan.nguyen@example.vn"
    assert user.phone == "+84912345678"
    assert user.role == Role.CUSTOMER
    assert GOOD["password"] not in user.password_hash and user.check_password(GOOD["password"])
    assert "Nguyễn Thị Lan" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"full_name": "x" * 121}, "full_name", "Between 2 and 120 characters."),
        ({"email": "not-an-email"}, "email", "Enter a valid e-mail address"),
        ({"email": ""}, "email", "This field is required."),
        ({"phone": "12345"}, "phone", "Enter a Vietnamese mobile number"),
        ({"password": "short", "confirm": "short"}, "password", "8 to 128 characters"),
        ({"confirm": "something-else"}, "confirm", "The two passwords do not match."),
    ],
)
def test_bad_registration_input_gets_a_message_and_creates_nothing(
    db, english, submit, change, field, message
):
    response = submit("/register", {**GOOD, **change})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert user_count(db) == 0


def test_an_e_mail_already_registered_in_another_case_is_refused(db, english, submit):
    make_user(email="lan.nguyen@example.vn")
    db.session.commit()
    response = submit("/register", GOOD)
    assert "An account with this e-mail already exists." in response.get_data(as_text=True)
    assert user_count(db) == 1


def test_the_database_refuses_an_upper_case_e_mail_written_around_the_model(db):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.insert(User).values(
                email="Upper@Example.vn",
                password_hash="x",
                full_name="A",
                role="customer",
                active=True,
                preferred_language="vi",
                created_at=sa.func.now(),
            )
        )
    db.session.rollback()


def test_log_in_with_the_right_password_and_remember_me(db, client, submit):
    user = make_user(email="an@example.vn")
    db.session.commit()
    response = submit("/login", {"email": "AN@example.vn", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert any(c.key == "remember_token" for c in client._cookies.values())
    assert user.full_name in client.get("/").get_data(as_text=True)


def test_a_wrong_password_is_refused_with_a_message(db, english, submit):
    make_user(email="an@example.vn")
    db.session.commit()
    response = submit("/login", {"email": "an@example.vn", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in(db, english, submit):
    make_user(email="an@example.vn", active=False)
    db.session.commit()
    response = submit("/login", {"email": "an@example.vn", "password": PASSWORD})
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/cart", "/cart"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_redirects_within_the_site(db, submit, target, expected):
    make_user(email="an@example.vn")
    db.session.commit()
    response = submit(
        "/login", {"email": "an@example.vn", "password": PASSWORD}, action=f"/login?next={target}"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_log_out_needs_a_post_with_a_csrf_token(db, client, login, submit):
    user = make_user()
    db.session.commit()
    login(user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    response = submit("/", {}, action="/logout")
    assert response.status_code == 302
    assert user.full_name not in client.get("/").get_data(as_text=True)


def test_a_form_without_csrf_token_is_refused_in_the_visitors_language(db, client):
    response = client.post("/login", data={"email": "a@b.vn", "password": "x"})
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True) or "Yêu cầu" in response.get_data(
        as_text=True
    )


def test_change_password_checks_the_current_one(db, english, login, submit):
    user = make_user()
    db.session.commit()
    login(user)
    wrong = submit(
        "/account/password",
        {
            "current_password": "nope-nope",
            "password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    ok = submit(
        "/account/password",
        {"current_password": PASSWORD, "password": "new-password-1", "confirm": "new-password-1"},
    )
    assert ok.status_code == 302
    db.session.refresh(user)
    assert user.check_password("new-password-1")


def _outbox(app):
    from pathlib import Path

    folder = Path(app.instance_path) / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_a_reset_link_is_e_mailed_and_works_once(app, db, client, submit):
    user = make_user(email="an@example.vn")
    db.session.commit()
    response = submit("/reset", {"email": "an@example.vn"})
    assert response.status_code == 302
    files = _outbox(app)
    assert len(files) == 1
    import email
    from email import policy

    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "an@example.vn"
    link = re.search(r"http://localhost(/reset/\S+)", message.get_content()).group(1)
    done = submit(link, {"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    db.session.refresh(user)
    assert user.check_password("brand-new-pass")
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"] == "/reset"


def test_a_reset_request_for_an_unknown_address_sends_nothing_and_says_the_same(app, db, submit):
    response = submit("/reset", {"email": "nobody@example.vn"}, follow_redirects=True)
    assert response.status_code == 200
    assert _outbox(app) == []


def test_a_tampered_reset_token_is_refused(db, client):
    response = client.get("/reset/not-a-real-token")
    assert response.status_code == 302 and response.headers["Location"] == "/reset"


def test_log_in_attempts_are_throttled_per_e_mail_and_address_with_a_friendly_page(
    app, db, english, submit
):
    make_user(email="an@example.vn")
    db.session.commit()
    statuses = [
        submit("/login", {"email": "an@example.vn", "password": "wrong-one"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    page = submit("/login", {"email": "an@example.vn", "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many log-in attempts from your connection." in page.get_data(as_text=True)


def test_users_create_makes_a_staff_account_from_the_command_line(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--role", "staff", "Staff@Cho-Ocop.vn"])
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "staff@cho-ocop.vn"))
    assert user.role == Role.STAFF and user.is_staff
    again = runner.invoke(args=["users", "create", "--role", "staff", "staff@cho-ocop.vn"])
    assert again.exit_code != 0
