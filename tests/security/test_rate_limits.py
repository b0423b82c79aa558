"""Rate limits on log-in (per IP and per e-mail), registration (customer and producer) and
password-reset requests: a friendly 429 after the configured number, for that IP or e-mail only.

tests/integration/test_accounts.py already checks the per-e-mail log-in limit at its default
(5 per 10 minutes); here the limits are lowered in the app's configuration (the views read it
at each request) and each is checked to block its own key and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.producers.models import Producer
from tests.factories import PASSWORD, make_user, valid_tax_code
from tests.security.conftest import sign_in, token_of

IP_A, IP_B = "127.0.0.2", "127.0.0.3"


def post_from(client, ip: str, path: str, data: dict, form_page: str | None = None):
    token = token_of(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": ip})


def assert_throttled(response) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "<html" in page and "Traceback" not in page
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def limits(app, fast_demo):
    """Lower every limit to 3 per window, so that the fourth request is refused."""
    app.config.update(
        LOGIN_LIMIT_PER_IP="3 per 10 minutes",
        LOGIN_LIMIT_PER_EMAIL="3 per 10 minutes",
        REGISTER_LIMIT_PER_IP="3 per hour",
        RESET_LIMIT_PER_IP="3 per hour",
    )
    return 3


def users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_log_in_is_throttled_per_ip_whatever_the_e_mail(app, db, limits):
    user = make_user(email="an@example.vn")
    db.session.commit()
    client = sign_in(app)
    for n in range(limits):
        wrong = {"email": f"someone{n}@example.vn", "password": "wrong-password"}
        assert post_from(client, IP_A, "/login", wrong).status_code == 200
    right = {"email": user.email, "password": PASSWORD}
    assert_throttled(post_from(client, IP_A, "/login", right))
    assert user.full_name not in client.get("/").get_data(as_text=True)  # not logged in

    elsewhere = sign_in(app)
    assert post_from(elsewhere, IP_B, "/login", right).status_code == 302


def test_log_in_is_throttled_per_e_mail_from_any_ip_and_other_e_mails_still_work(app, db, limits):
    target = make_user(email="an@example.vn")
    other = make_user(email="bo@example.vn")
    db.session.commit()
    attacker = sign_in(app)
    wrong = {"email": "AN@example.vn ", "password": "wrong-password"}  # case and space folded
    for n in range(limits):
        ip = f"127.0.1.{n + 1}"  # a different address each time: the per-IP limit never trips
        assert post_from(attacker, ip, "/login", wrong).status_code == 200
    owner = sign_in(app)
    assert_throttled(
        post_from(owner, IP_B, "/login", {"email": target.email, "password": PASSWORD})
    )
    assert (
        post_from(owner, IP_B, "/login", {"email": other.email, "password": PASSWORD}).status_code
        == 302
    )


REGISTRATION = {
    "full_name": "Nguyễn Thị Lan",
    "password": "tra-sen-tay-ho",
    "confirm": "tra-sen-tay-ho",
}


def test_customer_registration_is_throttled_per_ip(app, db, limits):
    client = sign_in(app)
    for n in range(limits):
        bad = {**REGISTRATION, "email": f"lan{n}@example.vn", "confirm": "does-not-match"}
        assert post_from(client, IP_A, "/register", bad).status_code == 200
    good = {**REGISTRATION, "email": "lan@example.vn"}
    assert_throttled(post_from(client, IP_A, "/register", good))
    assert users(db) == 0
    elsewhere = sign_in(app)
    assert post_from(elsewhere, IP_B, "/register", good).status_code == 302
    assert users(db) == 1


def _producer_form(n: int) -> dict:
    from shop import geo

    return {
        **REGISTRATION,
        "email": f"htx{n}@example.vn",
        "producer_name": f"HTX Thử {n}",
        "legal_form": "cooperative",
        "tax_code": valid_tax_code(900 + n),
        "province_code": "1",
        "ward_code": str(geo.wards(1)[0][0]),
        "street": "12 Hàng Bạc",
        "phone": "0912345678",
    }


def test_producer_sign_up_is_throttled_per_ip(app, db, limits):
    client = sign_in(app)
    for n in range(limits):
        bad = {**_producer_form(n), "confirm": "does-not-match"}
        assert post_from(client, IP_A, "/producer/join", bad).status_code == 200
    assert_throttled(post_from(client, IP_A, "/producer/join", _producer_form(10)))
    assert db.session.scalar(sa.select(sa.func.count(Producer.id))) == 0
    elsewhere = sign_in(app)
    answer = post_from(elsewhere, IP_B, "/producer/join", _producer_form(11))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Producer.id))) == 1


def _outbox(app) -> list[Path]:
    folder = Path(app.instance_path) / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_password_reset_requests_are_throttled_per_ip(app, db, limits):
    user = make_user(email="an@example.vn")
    db.session.commit()
    client = sign_in(app)
    for n in range(limits):
        answer = post_from(client, IP_A, "/reset", {"email": f"nobody{n}@example.vn"})
        assert answer.status_code == 302
    assert_throttled(post_from(client, IP_A, "/reset", {"email": user.email}))
    assert _outbox(app) == []  # the throttled request sent nothing
    elsewhere = sign_in(app)
    assert post_from(elsewhere, IP_B, "/reset", {"email": user.email}).status_code == 302
    assert len(_outbox(app)) == 1


def test_the_throttled_page_is_in_vietnamese_by_default(app, db, limits):
    client = sign_in(app, language="vi")
    for _ in range(limits):
        post_from(client, IP_A, "/reset", {"email": "nobody@example.vn"})
    answer = post_from(client, IP_A, "/reset", {"email": "nobody@example.vn"})
    assert answer.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in answer.get_data(as_text=True)
