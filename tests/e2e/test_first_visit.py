"""A first visit, in a real browser: browse, switch language, register, log out, log in.

Labels and buttons come from gettext and the Vietnamese catalogue may not be compiled, so
elements are found by id, name, data-testid or role, and the language is read from
<html lang>, never from translated text.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shop.accounts.models import User
from shop.extensions import db

ROOT = Path(__file__).resolve().parents[2]
VI_CATALOGUE = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.mo"

NAME = "Nguyễn Thị Lan"
EMAIL = "lan.nguyen@example.vn"
PHONE = "0912 345 678"
PASSWORD = "hoa-sen-2026"


def vietnamese(msgid: str) -> str:
    """The compiled Vietnamese catalogue's translation of msgid (msgid itself if none yet)."""
    if not VI_CATALOGUE.exists():
        return msgid
    with VI_CATALOGUE.open("rb") as mo:
        return gettext.GNUTranslations(mo).gettext(msgid)


def users_named(app, full_name: str) -> list[User]:
    with app.app_context():
        users = db.session.scalars(sa.select(User).where(User.full_name == full_name)).all()
        db.session.remove()
        return list(users)


def submit(page: Page) -> None:
    """Press the page form's submit button (the header has forms and buttons of its own)."""
    page.locator("main form[method=post] button[type=submit]").click()


def expect_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_a_visitor_browses_switches_language_registers_logs_out_and_logs_in(
    page: Page, live_server: str, live_app, shot
):
    # The home page, in Vietnamese by default, shows certified products with their stars.
    page.goto(live_server + "/")
    expect_language(page, "vi")
    expect(page.locator("header .logo")).to_contain_text("Chợ OCOP")
    cards = page.locator("#new-title + .grid").get_by_test_id("product-card")
    expect(cards).to_have_count(4)
    coffee = cards.filter(has_text="Cà phê Robusta rang mộc Buôn Ma Thuột")
    expect(coffee).to_be_visible()
    expect(coffee.locator(".ocop-badge")).to_be_visible()
    expect(coffee.locator(".ocop-stars")).to_have_text("★★★★★")
    expect(coffee.locator(".producer")).to_contain_text("Hợp tác xã Nông sản Đắk Lắk")
    expect(coffee.locator(".price")).to_contain_text("185.000")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    login_link = page.locator("header a[href='/login']")
    expect(login_link).to_have_text(vietnamese("Log in"))
    shot(page, "home-vi")

    # English, on request.
    page.get_by_test_id("lang-en").click()
    expect_language(page, "en")
    expect(page).to_have_url(live_server + "/")
    expect(login_link).to_have_text("Log in")
    expect(page.get_by_test_id("lang-vi")).to_have_text("Tiếng Việt")
    expect(cards).to_have_count(4)
    shot(page, "home-en")

    # And back to Vietnamese.
    page.get_by_test_id("lang-vi").click()
    expect_language(page, "vi")
    expect(page.get_by_test_id("lang-en")).to_have_text("English")
    expect(login_link).to_have_text(vietnamese("Log in"))

    # Register, with mistakes first: nothing is created and every mistake is pointed out.
    page.locator("header a[href='/register']").click()
    expect(page).to_have_url(live_server + "/register")
    page.locator("#full_name").fill(NAME)
    page.locator("#email").fill("lan.nguyen-at-example.vn")
    page.locator("#phone").fill(PHONE)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD + "-khac")
    page.locator("#privacy_consent").check()
    submit(page)
    expect(page.locator(".field.has-error")).to_have_count(2)
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#confirm")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#full_name")).to_have_attribute("aria-invalid", "false")
    expect(page.locator(".field.has-error .error")).to_have_count(2)
    expect(page.locator("#full_name")).to_have_value(NAME)  # what was right is kept
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    assert users_named(live_app, NAME) == []
    shot(page, "register-errors")

    # Corrected, the account is made and the visitor is logged in.
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    shot(page, "register-filled")
    submit(page)
    expect(page.get_by_test_id("account-menu")).to_have_text(NAME)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("header a[href='/login']")).to_have_count(0)
    expect_language(page, "vi")
    [user] = users_named(live_app, NAME)
    assert (user.email, user.phone, user.preferred_language) == (EMAIL, "+84912345678", "vi")
    shot(page, "registered")

    # Log out through the account menu (a <details> dropdown with a POST form).
    page.get_by_test_id("account-menu").click()
    logout = page.locator("header form[action='/logout'] button[type=submit]")
    expect(logout).to_be_visible()
    shot(page, "account-menu-open")
    logout.click()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    expect(page.locator("header a[href='/login']")).to_be_visible()
    expect(page.locator(".flash-info")).to_be_visible()
    shot(page, "logged-out")

    # Log in again.
    page.locator("header a[href='/login']").click()
    expect(page).to_have_url(live_server + "/login")
    page.locator("#email").fill(EMAIL.upper())  # e-mail addresses are case-insensitive
    page.locator("#password").fill(PASSWORD)
    shot(page, "login-filled")
    submit(page)
    expect(page.get_by_test_id("account-menu")).to_have_text(NAME)
    expect(page.locator(".flash-success")).to_contain_text(NAME)
    shot(page, "logged-in-again")


PHONE_SCREEN = {"width": 390, "height": 844}


@pytest.mark.browser_context_args(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
def test_the_home_page_and_a_form_fit_a_phone_screen(page: Page, live_server: str, shot):
    page.goto(live_server + "/")
    expect_language(page, "vi")
    expect(page.locator("#new-title + .grid").get_by_test_id("product-card")).to_have_count(4)
    expect(page.get_by_test_id("lang-en")).to_be_visible()
    expect(page.locator("#header-q")).to_be_visible()
    shot(page, "home-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px wide"

    page.locator("header a[href='/register']").click()
    expect(page.locator("#full_name")).to_be_visible()
    submit(page)
    expect(page.locator(".field.has-error").first).to_be_visible()
    shot(page, "register-errors-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form scrolls sideways on a phone: {width}px wide"
