"""The page frame: languages, error pages, headers, cookies, money and dates."""

from __future__ import annotations

import pytest

from shop import create_app
from tests.factories import make_product


def test_the_home_page_is_vietnamese_by_default_and_shows_listable_products(db, client):
    product = make_product(name="Mật ong bạc hà Hà Giang", certificate={"stars": 5})
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Mật ong bạc hà Hà Giang" in html
    assert "★★★★★" in html
    assert product.producer.name in html
    assert "150.000\xa0₫" in html


def test_switching_to_english_is_remembered_and_goes_back_to_the_same_page(db, client, submit):
    response = submit(
        "/search?q=ca+phe", {"language": "en", "next": "/search?q=ca+phe"}, action="/language"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=ca+phe"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html
    submit("/", {"language": "vi", "next": "/"}, action="/language")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_the_language_switch_ignores_unknown_languages_and_foreign_targets(db, client, submit):
    response = submit("/", {"language": "fr", "next": "https://evil.example/"}, action="/language")
    assert response.headers["Location"] == "/"
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_a_logged_in_visitor_keeps_their_language_on_the_account(db, client, login, submit):
    from tests.factories import make_user

    user = make_user()
    db.session.commit()
    login(user)
    submit("/", {"language": "en", "next": "/"}, action="/language")
    db.session.refresh(user)
    assert user.preferred_language == "en"


@pytest.mark.parametrize("language, marker", [("vi", 'lang="vi"'), ("en", "Page not found")])
def test_an_unknown_page_is_a_friendly_404_in_the_visitors_language(client, language, marker):
    client.set_cookie("lang", language)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert marker in html and "Traceback" not in html


def test_an_unexpected_error_is_a_friendly_500_without_a_stack_trace(tmp_path):
    app = create_app("test", INSTANCE_PATH=str(tmp_path), SQLALCHEMY_DATABASE_URI="sqlite://")

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    client.set_cookie("lang", "en")
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_a_body_over_the_size_limit_gets_a_friendly_413(english):
    response = english.post("/register", data={"x": "a" * (13 * 1024 * 1024)})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_pages_carry_security_headers_without_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # only in production
    assert "<script>" not in response.get_data(as_text=True)


def test_the_session_cookie_is_http_only_and_same_site_lax(db, client, login):
    from tests.factories import make_user

    user = make_user()
    db.session.commit()
    response = client.post("/login")  # any response that sets the session
    login(user)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    del response


def test_production_refuses_to_start_without_its_secrets(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production", INSTANCE_PATH=str(tmp_path))


def test_production_uses_secure_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app("production", INSTANCE_PATH=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/static/css/shop.css")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    response.close()


def test_the_page_loads_no_third_party_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html
