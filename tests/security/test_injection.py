"""SQL (and search-syntax) injection strings in every query parameter are harmless.

Classic payloads go into search, catalogue filters, sorting and paging, the API, the
autocomplete, path segments, and the staff and producer list filters. Every answer is 200,
400 or 404 with a proper page (never a 500 or a stack trace), nothing is changed, and a
wildcard or an always-true clause does not widen a result. Both search backends: Whoosh on
SQLite, and the PostgreSQL backend when the tests run on PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.security.conftest import changed_tables, sign_in, snapshot

PAYLOADS = [
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "'; DROP TABLE products;--",
    "1); DELETE FROM users;--",
    "%' UNION SELECT password_hash, email FROM users--",
    "%",
    "_",
    "%%",
    "\\",
    "\\'",
    "\x00",
    "ca\x00phe",
    "x" * 5000,
    "cà phê " * 400,
    "Cà phê ☕ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202e\ufeff",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "ca OR phe AND NOT tra",
    "name:* producer:*",
    "[a TO z]",
    '"unbalanced',
    "(((",
    "ca~2 ph*",
    "&|!:*",
]

BACKENDS = ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request, app):
    if request.param == "postgres" and not (TEST_DATABASE_URL or "").startswith("postgresql"):
        pytest.skip("the postgres backend needs the tests to run on PostgreSQL")
    app.config["SEARCH_BACKEND"] = request.param
    app.extensions.pop("search_backend", None)
    return request.param


@pytest.fixture
def world(backend, shop_world):
    return shop_world


def public_urls(payload: str) -> list[str]:
    def q(**params):
        return urlencode(params)

    segment = quote(payload, safe="")
    urls = [f"/search?{q(q=payload)}", f"/search/suggest?{q(q=payload)}"]
    for name in ("sort", "page", "province", "stars", "price_min", "price_max", "set", "group"):
        urls.append(f"/search?{q(q='ca phe', **{name: payload})}")
        urls.append(f"/products?{q(**{name: payload})}")
        urls.append(f"/api/v1/products?{q(**{name: payload})}")
    for name in ("q", "per_page"):
        urls.append(f"/api/v1/products?{q(**{name: payload})}")
    for name in ("province", "page", "per_page", "q", "legal_form"):
        urls.append(f"/api/v1/producers?{q(**{name: payload})}")
    urls += [
        f"/products?{q(q=payload)}",
        f"/verify?{q(number=payload)}",
        f"/p/{segment}",
        f"/producers/{segment}",
        f"/provinces/{segment}",
        f"/verify/{segment}",
        f"/api/v1/products/{segment}",
        f"/api/v1/producers/{segment}",
        f"/api/v1/certificates/{segment}",
    ]
    return urls


def staff_urls(payload: str) -> list[str]:
    p = urlencode
    return [
        f"/staff/orders?{p({'q': payload})}",
        f"/staff/certificates/all?{p({'q': payload, 'status': payload})}",
        f"/staff/audit?{p({'q': payload, 'subject': payload})}",
        f"/staff/audit?{p({'since': payload, 'until': payload, 'page': payload})}",
        f"/staff/producers?{p({'q': payload})}",
        f"/staff/reviews?{p({'q': payload, 'page': payload})}",
        f"/staff/orders/{quote(payload, safe='')}",
    ]


def owner_urls(payload: str) -> list[str]:
    p = urlencode
    return [
        f"/producer/orders?{p({'status': payload, 'page': payload})}",
        f"/producer/orders?{p({'since': payload, 'until': payload, 'q': payload})}",
        f"/producer/orders.csv?{p({'since': payload, 'until': payload})}",
        f"/producer/orders/sales?{p({'months': payload})}",
    ]


def sweep(client, urls_for) -> list[str]:
    problems = []
    for payload in PAYLOADS:
        for url in urls_for(payload):
            response = client.get(url)
            body = response.get_data(as_text=True)
            response.close()
            redirect = response.headers.get("Location", "")
            if response.status_code == 302 and url.startswith("/verify?"):
                if not redirect.startswith("/verify/"):  # the form sends to the number's page
                    problems.append(f"302 to {redirect[:80]!r} from {url[:80]!r}")
            elif response.status_code not in (200, 400, 404):
                problems.append(f"{response.status_code} {url[:120]!r}")
            elif "Traceback" in body or "sqlalchemy" in body.lower() or "psycopg" in body:
                problems.append(f"internals shown {url[:120]!r}")
            elif response.mimetype == "text/html" and "<html" not in body:
                problems.append(f"no page {url[:120]!r}")
            elif url.startswith("/api/") and response.mimetype != "application/json":
                problems.append(f"not JSON {url[:120]!r}")
    return problems


@pytest.mark.parametrize("area", ["public", "staff", "producer"])
def test_injection_strings_in_every_parameter_are_harmless(app, db, world, area):
    who = {"public": None, "staff": "staff", "producer": "owner"}[area]
    urls = {"public": public_urls, "staff": staff_urls, "producer": owner_urls}[area]
    client = sign_in(app, world.users[who] if who else None)
    before, decisions = snapshot(db), _decisions(db)
    problems = sweep(client, urls)
    assert problems == [], "\n".join(problems)
    # Staff opening a person's data is itself logged (privacy.staff_viewed.*): the one write a
    # page view makes; nothing else changed.
    assert [t for t in changed_tables(before, snapshot(db)) if t != "audit_entries"] == []
    assert _decisions(db) == decisions


def _decisions(db) -> list[int]:
    """The audit entries other than staff views of personal data."""
    import sqlalchemy as sa

    from shop.audit import AuditEntry

    query = sa.select(AuditEntry.id).where(AuditEntry.action.not_like("privacy.staff_viewed.%"))
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_a_wildcard_or_an_always_true_clause_does_not_widen_a_search(app, db, world):
    client = sign_in(app, world.users["staff"])
    for payload in ("%", "_", "' OR 1=1--", "' OR '1'='1"):
        api = client.get(f"/api/v1/products?{urlencode({'q': payload})}").get_json()
        assert api["total"] == 0, (payload, api["total"])
        suggestions = client.get(f"/search/suggest?{urlencode({'q': payload})}").get_json()
        assert not any("Cà phê" in str(s) for s in suggestions.get("suggestions", [])), payload
        staff = client.get(f"/staff/orders?{urlencode({'q': payload})}").get_data(as_text=True)
        assert world.ids["number"] not in staff, payload
    baseline = client.get("/staff/orders").get_data(as_text=True)
    assert world.ids["number"] in baseline  # the order is there to be found


def test_a_huge_page_number_on_the_buyers_orders_is_not_a_server_error(app, db, world):
    client = sign_in(app, world.users["buyer"])
    response = client.get("/account/orders?page=99999999999999999999999")
    assert response.status_code in (200, 400, 404)


def test_a_nul_byte_in_a_form_field_is_a_friendly_400_and_changes_nothing(app, db, world):
    client = sign_in(app)
    before = snapshot(db)
    token = client.get("/register").get_data(as_text=True)
    from tests.conftest import csrf_from

    response = client.post(
        "/register",
        data={
            "full_name": "Lan\x00",
            "email": "lan@example.vn",
            "password": "mot-mat-khau-dai",
            "confirm": "mot-mat-khau-dai",
            "csrf_token": csrf_from(token),
        },
    )
    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot(db)) == []
