"""CSRF: every state-changing route refuses a request without a valid token, and changes nothing.

The routes are read from the application's URL map, so a route added later is covered the day
it appears; a URL parameter this test cannot fill fails loudly. Each request comes from a
signed-in visitor of the role the route serves (owner, buyer, staff), so the refusal is the
CSRF check's and not the log-in's. A control request with the session's real token proves
that the URL and the role were right (it is not refused as forged, 403 or 404).
"""

from __future__ import annotations

import pytest
from flask import url_for

from shop import create_app
from tests.security.conftest import changed_tables, sign_in, snapshot, token_of

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Authenticated by Stripe's signature instead of a session; a forged call is refused there
# (see tests/integration/test_stripe.py).
EXEMPT = {"payments.webhook"}

# Routes for visitors who are not signed in yet.
ANONYMOUS = {
    "accounts.login",
    "accounts.register",
    "accounts.reset_request",
    "accounts.reset_password",
    "producers.signup",
    "privacy.unsubscribe",  # the link in a marketing e-mail works without logging in
}

FORGED_MESSAGE = "Your form expired or was sent from another page."


def _rules() -> list[tuple[str, str]]:
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_PATH="/tmp/csrf-map")
    found = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods & STATE_CHANGING:
            if rule.endpoint not in EXEMPT:
                found.add((rule.endpoint, method))
    return sorted(found)


ROUTES = _rules()


def role_for(endpoint: str, path: str) -> str | None:
    if endpoint in ANONYMOUS:
        return None
    if path.startswith("/staff/"):
        return "staff"
    if path.startswith("/producer/") or endpoint == "reviews.reply":
        return "owner"
    return "buyer"  # the cart, checkout, the buyer's orders, language, log-out, password


# Names that mean different things on different routes.
PER_ENDPOINT = {
    ("cart.update", "line_id"): "cart_line_id",
    ("cart.remove", "line_id"): "cart_line_id",
    ("reviews.post", "line_id"): "order_line_id",
    ("reviews.post", "number"): "delivered_number",
    ("accounts.reset_password", "token"): "reset_token",
    ("certification.decide", "action"): "approve",
    ("privacy.unsubscribe", "token"): "unsubscribe_token",
    ("revisions.decide", "action"): "approve",
    ("producers.change_status", "action"): "hide",
    ("producers.move_image", "direction"): "down",
}


def url_of(app, endpoint: str, ids: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    args = {}
    for name in rule.arguments:
        key = PER_ENDPOINT.get((endpoint, name), name)
        value = ids.get(key, key if (endpoint, name) in PER_ENDPOINT else None)
        assert value is not None, f"{endpoint}: this test cannot fill <{name}>; teach it how"
        args[name] = value
    with app.test_request_context():
        return url_for(endpoint, **args)


def test_the_sweep_covers_every_kind_of_state_changing_route():
    endpoints = {e for e, _ in ROUTES}
    assert len(ROUTES) >= 30
    assert {
        "accounts.login",
        "accounts.logout",
        "cart.add",
        "checkout.place",
        "i18n.switch_language",
        "reviews.reply",
        "certification.decide",
        "producers.upload_image",
    } <= endpoints
    assert not endpoints & EXEMPT


@pytest.mark.parametrize("endpoint, method", ROUTES)
def test_a_state_changing_request_without_a_valid_token_is_refused_and_changes_nothing(
    app, db, shop_world, endpoint, method
):
    url = url_of(app, endpoint, shop_world.ids)
    role = role_for(endpoint, url)
    user = shop_world.users[role] if role else None
    client = sign_in(app, user)
    other = sign_in(app, shop_world.users["other_producer"])
    someone_elses_token = token_of(other)
    form = {"quantity": "2", "variant_id": str(shop_world.ids["variant_id"]), "language": "vi"}

    before = snapshot(db)
    attempts = {
        "no token": {},
        "empty token": {"csrf_token": ""},
        "garbage token": {"csrf_token": "x" * 40},
        "another session's token": {"csrf_token": someone_elses_token},
    }
    for label, token in attempts.items():
        response = client.open(url, method=method, data={**form, **token})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (label, url, response.status_code)
        assert FORGED_MESSAGE in page, (label, url)
        assert "<html" in page and "Traceback" not in page, (label, url)
        # A JSON caller (the cart script) is refused the same way.
        response = client.open(
            url, method=method, json={**form, **token}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 400, (label, "json", url)
    assert changed_tables(before, snapshot(db)) == [], url
    if role is not None:  # still signed in: the refusal did not log anyone out either
        assert user.full_name in client.get("/").get_data(as_text=True)

    # The control: the same request with this session's token is not refused as forged.
    control = client.open(url, method=method, data={**form, "csrf_token": token_of(client)})
    assert control.status_code not in (403, 404, 405), (url, control.status_code)
    assert FORGED_MESSAGE not in control.get_data(as_text=True), url


def test_the_refusal_is_in_the_visitors_language(app, db, shop_world):
    client = sign_in(app, shop_world.users["buyer"], language="vi")
    response = client.post("/cart/add", data={"variant_id": shop_world.ids["variant_id"]})
    assert response.status_code == 400
    assert "Biểu mẫu" in response.get_data(as_text=True) or "biểu mẫu" in response.get_data(
        as_text=True
    )
