"""How a visitor's session begins and ends.

The session is Flask's signed cookie. Besides the CSRF token it holds the log-in (Flask-Login's
`_user_id`, which is the account's session token, never its id), the guest cart's token, the
numbers of the orders placed from this browser, and the delivery details typed at checkout.
The language choice is a cookie of its own (shop.i18n): it is not personal and outlives all
of this.

- Log-in starts a new session. It keeps only what the visitor had here as a guest: the cart
  token (the lines join the account's cart at once) and the orders placed from this browser.
  Delivery details typed as a guest are dropped: the account's own details prefill checkout.
- Every log-in is recorded in the account's history (shop.privacy.logins), which the person
  can see and download.
- Log-out empties the session and deletes the remember-me cookie.
- A session or remember-me cookie holding a token that is no longer its account's (password
  changed or reset, "log out on all devices") or whose account was deactivated is ended at
  its next request exactly like a log-out.
- HTML pages shown to a signed-in visitor, or to a guest whose session holds orders or
  delivery details, are `Cache-Control: no-store`: after log-out the Back button cannot bring
  them back from the browser's cache.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from shop.accounts.models import User
from shop.extensions import db

GUEST_CART_KEY = "cart_token"
ORDERS_KEY = "my_orders"
CHECKOUT_KEY = "checkout_details"
# A random key naming this browser (not the person), for the limit on unpaid orders per browser.
BROWSER_KEY = "browser"
# What a guest legitimately had in this browser and keeps at log-in.
CARRIED_AT_LOG_IN = (GUEST_CART_KEY, ORDERS_KEY, BROWSER_KEY)
# What makes a guest's pages personal (their orders, their address).
PERSONAL_KEYS = (ORDERS_KEY, CHECKOUT_KEY)


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def start(user: User, *, remember: bool = False) -> None:
    """Log `user` in on a new session, keeping only what this browser had as a guest."""
    carried = {key: session[key] for key in CARRIED_AT_LOG_IN if key in session}
    session.clear()
    session.update(carried)
    login_user(user, remember=remember)
    from shop.privacy.logins import record_login

    record_login(user, request.remote_addr, request.user_agent.string)


def end() -> None:
    """Log out: empty the session and delete the remember-me cookie."""
    session.clear()
    logout_user()  # marks the remember-me cookie for deletion when the browser sent one


def renew(user: User) -> None:
    """Keep this browser logged in after it replaced its account's session token (a password
    change): the session, and the remember-me cookie if it has one, now hold the new token."""
    login_user(user, remember=_remember_cookie_name() in request.cookies)


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the active account holding this token.

    Any other token belongs to a log-in that has been ended elsewhere: this browser's
    session is emptied and its remember-me cookie deleted, as a log-out would.
    """
    user = db.session.scalar(sa.select(User).where(User.session_token == token))
    if user is not None and user.active:
        return user
    session.clear()
    if _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"  # Flask-Login deletes the cookie after this request
    flash(_l("You have been logged out on this device. Please log in again."), "info")
    return None


def _shows_personal_data() -> bool:
    user = g.get("_login_user")  # only if this request loaded it: never load it here
    if user is not None and user.is_authenticated:
        return True
    return any(key in session for key in PERSONAL_KEYS)


def register(app: Flask) -> None:
    """Keep personal pages out of the browser's cache."""

    @app.after_request
    def no_store_personal_pages(response):
        if response.mimetype == "text/html" and _shows_personal_data():
            response.headers["Cache-Control"] = "no-store"
        return response
