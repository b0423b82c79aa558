"""/healthz, and the 503 answered while the database cannot be reached (both engines).

The PostgreSQL outage with a real network cut and recovery is in test_database_outage.py;
here the database is a SQLite file that cannot be opened, which raises the same
OperationalError on every request.
"""

from __future__ import annotations

import pytest
from flask_limiter import Limit
from flask_limiter.util import get_remote_address

from shop import create_app
from shop.extensions import limiter
from tests.conftest import IsolatedClient, csrf_from


def test_healthz_answers_a_tiny_json_without_a_session_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "search": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert len(response.get_data()) < 100


def test_healthz_is_not_in_the_sitemap_and_refuses_other_methods(client):
    assert "healthz" not in client.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "healthz" not in client.get("/robots.txt").get_data(as_text=True)
    assert client.post("/healthz").status_code == 405


@pytest.fixture
def two_requests_a_minute():
    """Give every route a default limit of 2 requests a minute for one test."""
    limiter.limit_manager.set_default_limits(
        [Limit("2 per minute", key_function=get_remote_address).bind(limiter)]
    )
    yield
    limiter.limit_manager.set_default_limits([])


def test_healthz_is_exempt_from_rate_limits(client, two_requests_a_minute):
    statuses = [client.get("/robots.txt").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the default limit is in force…
    assert [client.get("/healthz").status_code for _ in range(10)] == [200] * 10  # …not here


def test_a_broken_search_index_folder_fails_the_check(app, client, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder should be")
    app.config["SEARCH_INDEX_PATH"] = str(blocker / "search")
    app.extensions.pop("search_backend", None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "search": "failing"}


@pytest.fixture
def unreachable(tmp_path):
    """An app whose database cannot be opened at all (a SQLite file in a missing folder)."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'shop.db'}",
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    app.test_client_class = IsolatedClient
    return app.test_client()


def test_healthz_fails_with_503_json_when_the_database_is_down(unreachable):
    response = unreachable.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "failing"}}
    assert response.headers["Retry-After"] == "15"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "path", ["/", "/products", "/p/ca-phe", "/search?q=ca+phe", "/provinces/dak-lak"]
)
def test_every_page_is_a_friendly_503_when_the_database_is_down(unreachable, path):
    response = unreachable.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html
    assert response.headers["Retry-After"] == "15"
    assert "Tạm thời gián đoạn" in html or "Temporarily unavailable" in html
    assert 'class="error-page"' in html  # the shop's own error page, header and all
    assert "Traceback" not in html and "OperationalError" not in html


def test_the_503_page_speaks_the_visitors_language(unreachable):
    unreachable.set_cookie("lang", "en")
    html = unreachable.get("/").get_data(as_text=True)
    assert "Temporarily unavailable" in html
    assert "The shop is briefly unavailable. Please try again in a moment." in html


def test_a_form_post_gets_the_503_too_not_a_500(unreachable):
    token = csrf_from(unreachable.get("/").get_data(as_text=True))  # the header's forms
    response = unreachable.post("/cart/add", data={"variant_id": "1", "csrf_token": token})
    assert response.status_code == 503
    assert 'class="error-page"' in response.get_data(as_text=True)


def test_the_api_answers_json_503_when_the_database_is_down(unreachable):
    response = unreachable.get("/api/v1/products")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "15"
    body = response.get_json()
    assert body["error"]["code"] == 503 and body["error"]["message"]
