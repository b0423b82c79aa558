"""Rate limits on log-in (per client address, and per e-mail from one address), registration
(customer and producer) and password-reset requests: a friendly 429 after the configured
number, for that key only.

Log-in is never limited per e-mail alone: that would let a stranger lock a buyer out of their
account by failing on purpose (issue #13, item 10). tests/integration/test_accounts.py already
checks the log-in limit at its defaults; here the limits are lowered in the app's
configuration (the views read it at each request) and each is checked to block its own key and
nothing else.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.producers.models import Producer
from tests.factories import PASSWORD, make_user, valid_tax_code
from tests.security.conftest import sign_in, token_of

IP_A, IP_B = "127.0.0.2", "127.0.0.3"


def post_from(client, ip: str, path: str, data: dict, form_page: str | None = None, headers=None):
    token = token_of(client, form_page or path)
    return client.post(
        path,
        data={**data, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers or {},
    )


def assert_throttled(response) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "<html" in page and "Traceback" not in page
    assert int(response.headers["Retry-After"]) > 0


def assert_log_in_throttled(response) -> None:
    """The log-in page itself, saying how long to wait and offering a new password."""
    assert_throttled(response)
    page = response.get_data(as_text=True)
    assert "Too many log-in attempts from your connection. Please wait 10 minutes" in page
    assert 'href="/reset"' in page and 'name="password"' in page


@pytest.fixture
def limits(app, fast_demo):
    """Lower every limit to 3 per window, so that the fourth request is refused."""
    app.config.update(
        LOGIN_LIMIT_PER_IP="3 per 10 minutes",
        LOGIN_LIMIT_PER_EMAIL_AND_IP="3 per 10 minutes",
        REGISTER_LIMIT_PER_IP="3 per hour",
        RESET_LIMIT_PER_IP="3 per hour",
    )
    return 3


def users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


WRONG = "wrong-password"


def test_log_in_is_throttled_per_ip_whatever_the_e_mail(app, db, limits):
    user = make_user(email="an@example.vn")
    db.session.commit()
    client = sign_in(app)
    for n in range(limits):
        wrong = {"email": f"someone{n}@example.vn", "password": WRONG}
        assert post_from(client, IP_A, "/login", wrong).status_code == 200
    right = {"email": user.email, "password": PASSWORD}
    assert_log_in_throttled(post_from(client, IP_A, "/login", right))
    assert user.full_name not in client.get("/").get_data(as_text=True)  # not logged in

    elsewhere = sign_in(app)
    assert post_from(elsewhere, IP_B, "/login", right).status_code == 302


def test_a_stranger_hammering_a_buyers_e_mail_from_another_address_cannot_lock_the_buyer_out(
    app, db, limits
):
    buyer = make_user(email="an@example.vn")
    db.session.commit()
    stranger = sign_in(app)
    wrong = {"email": "AN@example.vn ", "password": WRONG}  # case and spaces are folded
    for _ in range(limits):
        assert post_from(stranger, IP_A, "/login", wrong).status_code == 200
    assert_log_in_throttled(post_from(stranger, IP_A, "/login", wrong))  # the stranger is stopped

    at_home = sign_in(app)
    answer = post_from(at_home, IP_B, "/login", {"email": buyer.email, "password": PASSWORD})
    assert answer.status_code == 302
    assert buyer.full_name in at_home.get("/").get_data(as_text=True)


def test_many_addresses_guessing_one_account_are_each_throttled_and_the_account_still_opens(
    app, db, limits
):
    buyer = make_user(email="an@example.vn")
    db.session.commit()
    attackers = [f"127.0.1.{n}" for n in range(1, 6)]
    for ip in attackers:
        client = sign_in(app)
        for _ in range(limits):
            post_from(client, ip, "/login", {"email": buyer.email, "password": WRONG})
        assert_log_in_throttled(
            post_from(client, ip, "/login", {"email": buyer.email, "password": WRONG})
        )
    owner = sign_in(app)
    assert (
        post_from(owner, IP_B, "/login", {"email": buyer.email, "password": PASSWORD}).status_code
        == 302
    )


def test_log_in_is_throttled_per_e_mail_from_one_address_and_other_e_mails_there_still_work(
    app, db, limits
):
    app.config["LOGIN_LIMIT_PER_IP"] = "10 per 10 minutes"  # only the pair's limit trips here
    target = make_user(email="an@example.vn")
    other = make_user(email="bo@example.vn")
    db.session.commit()
    shared_pc = sign_in(app)
    for _ in range(limits):
        post_from(shared_pc, IP_A, "/login", {"email": target.email, "password": WRONG})
    right = {"email": target.email, "password": PASSWORD}
    assert_log_in_throttled(post_from(shared_pc, IP_A, "/login", right))
    colleague = sign_in(app)
    answer = post_from(colleague, IP_A, "/login", {"email": other.email, "password": PASSWORD})
    assert answer.status_code == 302


def test_simultaneous_log_in_attempts_get_no_more_tries_than_the_limit(app, db, limits):
    target = make_user(email="an@example.vn")
    db.session.commit()
    email, attempts = target.email, 12
    clients = [sign_in(app) for _ in range(attempts)]
    tokens = [token_of(client, "/login") for client in clients]
    start = threading.Barrier(attempts)
    statuses = []

    def attempt(client, token):
        start.wait(timeout=30)
        answer = client.post(
            "/login",
            data={"email": email, "password": WRONG, "csrf_token": token},
            environ_base={"REMOTE_ADDR": IP_A},
        )
        statuses.append(answer.status_code)

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * limits + [429] * (attempts - limits)


PROXY = "127.0.0.9"  # the reverse proxy every request arrives from


def test_behind_a_proxy_each_visitor_is_counted_by_their_own_address(app, db, limits):
    from shop import trust_proxies

    app.config["PROXY_HOPS"] = 1
    trust_proxies(app)
    buyer = make_user(email="an@example.vn")
    db.session.commit()
    stranger = sign_in(app)
    for n in range(limits):
        wrong = {"email": f"someone{n}@example.vn", "password": WRONG}
        # A made-up first entry does not help: only the proxy's own entry is believed.
        forged = {"X-Forwarded-For": f"127.0.2.{n}, 203.0.113.5"}
        post_from(stranger, PROXY, "/login", wrong, headers=forged)
    right = {"email": buyer.email, "password": PASSWORD}
    forged = {"X-Forwarded-For": "127.0.2.99, 203.0.113.5"}
    assert_log_in_throttled(post_from(stranger, PROXY, "/login", right, headers=forged))

    buyer_pc = sign_in(app)
    answer = post_from(
        buyer_pc, PROXY, "/login", right, headers={"X-Forwarded-For": "198.51.100.7"}
    )
    assert answer.status_code == 302


REGISTRATION = {
    "privacy_consent": "y",
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


def test_the_throttled_log_in_page_is_in_vietnamese_by_default(app, db, limits):
    client = sign_in(app, language="vi")
    wrong = {"email": "an@example.vn", "password": WRONG}
    for _ in range(limits):
        post_from(client, IP_A, "/login", wrong)
    answer = post_from(client, IP_A, "/login", wrong)
    assert answer.status_code == 429
    assert "Bạn đã thử đăng nhập quá nhiều lần" in answer.get_data(as_text=True)


def test_the_throttled_page_is_in_vietnamese_by_default(app, db, limits):
    client = sign_in(app, language="vi")
    for _ in range(limits):
        post_from(client, IP_A, "/reset", {"email": "nobody@example.vn"})
    answer = post_from(client, IP_A, "/reset", {"email": "nobody@example.vn"})
    assert answer.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in answer.get_data(as_text=True)
