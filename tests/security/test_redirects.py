"""Open redirects: every place that takes a redirect target keeps the visitor on the site.

The places: log-in (`next` in the query, also when already signed in), registration, the
language switch and adding to the cart (`next` in the form); Flask-Login's own redirect to the
log-in page. Each refuses hostile targets and still honours a local path.
"""

from __future__ import annotations

from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from tests.factories import PASSWORD, make_product, make_user
from tests.security.conftest import sign_in, token_of

BASE = "http://localhost/"
HOSTILE = [
    "//evil.com",
    "///evil.com",
    "////evil.com/x",
    "https://evil.com",
    "http:evil.com",
    "https:/evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "\\/evil.com",
    " //evil.com",
    "/\t/evil.com",
    "/\r\n/evil.com",
    "\x00//evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.com@localhost",
    "https://localhost.evil.com/",
    "//%65vil.com",
    "/%5Cevil.com%2F",  # stays encoded in a path: browsers keep it on the site
]
LOCAL = "/cart?from=login#top"


def stays_on_site(location: str) -> bool:
    """True if a browser following `location` from BASE stays on BASE's host."""
    if any(ch in location for ch in "\\\t\r\n\x00 "):
        return False
    absolute = urljoin(BASE, location)
    parts = urlsplit(absolute)
    return parts.scheme == "http" and parts.netloc == "localhost"


def test_the_checker_itself():
    assert stays_on_site("/cart") and stays_on_site("/")
    assert not stays_on_site("//evil.com") and not stays_on_site("/\\evil.com")
    assert not stays_on_site("javascript:alert(1)") and not stays_on_site("https://evil.com/")


def _assert_refused(response, target):
    if response.status_code == 400 and "\x00" in target:
        return  # refused outright: no NUL byte reaches a view
    assert response.status_code in (302, 303), (target, response.status_code)
    location = response.headers["Location"]
    assert stays_on_site(location), (target, location)
    assert "javascript" not in location.lower(), (target, location)


@pytest.fixture
def visitor(app, db, fast_demo):
    user = make_user(email="an@example.vn")
    product = make_product()
    db.session.commit()
    return user, product


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused_everywhere(app, db, visitor, target):
    user, product = visitor
    query = urlencode({"next": target})

    guest = sign_in(app)
    login = guest.post(
        f"/login?{query}",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token_of(guest, "/login")},
    )
    _assert_refused(login, target)
    _assert_refused(guest.get(f"/login?{query}"), target)  # already signed in

    newcomer = sign_in(app)
    register = newcomer.post(
        f"/register?{query}",
        data={
            "full_name": "Lê Văn Tư",
            "email": f"tu{abs(hash(target))}@example.vn",
            "password": "mot-mat-khau-dai",
            "confirm": "mot-mat-khau-dai",
            "privacy_consent": "y",
            "csrf_token": token_of(newcomer, "/register"),
        },
    )
    _assert_refused(register, target)

    language = guest.post(
        "/language", data={"language": "vi", "next": target, "csrf_token": token_of(guest)}
    )
    _assert_refused(language, target)

    cart = guest.post(
        "/cart/add",
        data={
            "variant_id": product.variants[0].id,
            "quantity": 1,
            "next": target,
            "csrf_token": token_of(guest),
        },
    )
    _assert_refused(cart, target)


def test_a_local_path_is_still_followed_everywhere(app, db, visitor):
    user, product = visitor
    query = urlencode({"next": LOCAL})
    guest = sign_in(app)
    login = guest.post(
        f"/login?{query}",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token_of(guest, "/login")},
    )
    assert login.headers["Location"] == LOCAL
    assert guest.get(f"/login?{query}").headers["Location"] == LOCAL
    language = guest.post(
        "/language", data={"language": "en", "next": LOCAL, "csrf_token": token_of(guest)}
    )
    assert language.headers["Location"] == LOCAL
    cart = guest.post(
        "/cart/add",
        data={"variant_id": product.variants[0].id, "next": LOCAL, "csrf_token": token_of(guest)},
    )
    assert cart.headers["Location"] == LOCAL

    newcomer = sign_in(app)
    register = newcomer.post(
        f"/register?{query}",
        data={
            "full_name": "Lê Văn Tư",
            "email": "tu@example.vn",
            "password": "mot-mat-khau-dai",
            "confirm": "mot-mat-khau-dai",
            "privacy_consent": "y",
            "csrf_token": token_of(newcomer, "/register"),
        },
    )
    assert register.headers["Location"] == LOCAL


def test_the_log_in_page_a_protected_page_sends_to_comes_back_to_it(app, db, visitor):
    user, _ = visitor
    guest = sign_in(app)
    sent = guest.get("/account/orders")
    assert sent.status_code == 302
    location = sent.headers["Location"]
    assert stays_on_site(location) and location.startswith("/login?next=")
    back = guest.post(
        location,
        data={"email": user.email, "password": PASSWORD, "csrf_token": token_of(guest, "/login")},
    )
    assert back.headers["Location"] == "/account/orders"
