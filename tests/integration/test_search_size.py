"""Whoosh past WHOOSH_MAX_PRODUCTS: the shop keeps serving and says, where staff and operators
look, that search should move to the PostgreSQL backend (shop/search/size.py)."""

from __future__ import annotations

import logging

import pytest

from shop.enums import Role
from shop.search import backend as search_backend
from shop.search import reindex
from tests.factories import make_product, make_user

VIETNAMESE = "Hãy chuyển sang bộ tìm kiếm PostgreSQL"
ENGLISH = "Switch to the PostgreSQL search backend"
SWITCH = "SEARCH_BACKEND=postgres"


@pytest.fixture
def three_indexed(app, db):
    """Three listable products in a fresh Whoosh index."""
    app.config["SEARCH_BACKEND"] = "whoosh"
    app.extensions.pop("search_backend", None)
    for _ in range(3):
        make_product()
    db.session.commit()
    assert reindex() == 3
    return 3


@pytest.fixture
def staff(db, login):
    user = make_user(Role.STAFF)
    db.session.commit()
    return login(user)


def test_the_staff_front_page_says_so_in_vietnamese_then_english(app, three_indexed, staff, client):
    app.config["WHOOSH_MAX_PRODUCTS"] = 2

    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-testid="search-size-warning"' in page
    assert VIETNAMESE in page and SWITCH in page and "có 3 sản phẩm" in page
    assert "mức 2 mà Whoosh" in page

    client.set_cookie("lang", "en")
    page = client.get("/staff/").get_data(as_text=True)
    assert ENGLISH in page and SWITCH in page and "holds 3 products" in page


def test_at_the_limit_nothing_is_said(app, three_indexed, staff, client):
    app.config["WHOOSH_MAX_PRODUCTS"] = 3
    page = client.get("/staff/").get_data(as_text=True)
    assert "search-size-warning" not in page and VIETNAMESE not in page

    assert "warnings" not in client.get("/healthz").get_json()


def test_healthz_stays_200_and_names_the_switch(app, three_indexed, client):
    app.config["WHOOSH_MAX_PRODUCTS"] = 2

    answer = client.get("/healthz")

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok"
    (warning,) = body["warnings"]
    assert "3 products" in warning and "WHOOSH_MAX_PRODUCTS=2" in warning
    assert SWITCH in warning and "flask search reindex" in warning
    # and search still answers
    assert client.get("/search", query_string={"q": "cà phê"}).status_code == 200


def test_the_reindex_command_warns_in_both_languages(app, three_indexed):
    app.config["WHOOSH_MAX_PRODUCTS"] = 2

    result = app.test_cli_runner().invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert "3 products indexed." in result.output
    assert VIETNAMESE in result.output and ENGLISH in result.output


def test_the_reindex_command_is_quiet_under_the_limit(app, three_indexed):
    app.config["WHOOSH_MAX_PRODUCTS"] = 20_000
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0
    assert VIETNAMESE not in result.output and ENGLISH not in result.output


def test_the_log_says_so_after_a_rebuild_and_at_a_process_first_search(app, three_indexed, caplog):
    app.config["WHOOSH_MAX_PRODUCTS"] = 2
    with caplog.at_level(logging.WARNING, logger="shop.search.size"):
        reindex()
    assert "The Whoosh search index holds 3 products" in caplog.text
    assert SWITCH in caplog.text

    caplog.clear()
    app.extensions.pop("search_backend", None)  # as in a new worker
    with caplog.at_level(logging.WARNING, logger="shop.search.size"):
        search_backend()
    assert "holds 3 products, more than WHOOSH_MAX_PRODUCTS=2" in caplog.text


def test_zero_turns_the_warning_off(app, three_indexed, client):
    app.config["WHOOSH_MAX_PRODUCTS"] = 0
    assert "warnings" not in client.get("/healthz").get_json()


@pytest.mark.postgres
def test_the_postgres_backend_never_warns(app, three_indexed, staff, client):
    app.config["SEARCH_BACKEND"] = "postgres"
    app.extensions.pop("search_backend", None)
    reindex()
    app.config["WHOOSH_MAX_PRODUCTS"] = 1

    assert "warnings" not in client.get("/healthz").get_json()
    assert "search-size-warning" not in client.get("/staff/").get_data(as_text=True)
