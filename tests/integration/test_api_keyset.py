"""Keyset pages of the API's product list: `links.next` carries a cursor (`after`), and walking
the cursors gives every listed product once, in the order the page numbers give."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from shop.enums import ProductStatus
from tests.factories import make_product
from tests.integration.test_api import check, slugs

PRICES = [90_000, 150_000, 90_000, 300_000, 45_000, 150_000, 90_000, 210_000]


@pytest.fixture
def shelf(db, frozen_today):
    """Eight listed products (ties in price, stars and creation time), one without variants,
    one hidden."""
    created = dt.datetime(2026, 1, 1, 8, 0)
    for n, price in enumerate(PRICES):
        make_product(
            slug=f"p{n}",
            created_at=created + dt.timedelta(hours=n // 3),  # three share each time
            certificate={"stars": 3 + n % 3},
            variants=[{"price": price}],
        )
    bare = make_product(slug="no-price", created_at=created, certificate={"stars": 5})
    db.session.delete(bare.variants[0])
    make_product(slug="hidden", status=ProductStatus.HIDDEN)
    db.session.commit()


def _walk(client, query: str) -> tuple[list[str], list[dict]]:
    """Every item, following `links.next` from the first page; and the bodies."""
    url, found, bodies = f"/api/v1/products?{query}", [], []
    while url:
        body = check(client.get(url), "/api/v1/products")
        bodies.append(body)
        found += slugs(body)
        url = body["links"]["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    return found, bodies


def _by_number(client, query: str, pages: int) -> list[str]:
    found = []
    for page in range(1, pages + 1):
        found += slugs(
            check(client.get(f"/api/v1/products?{query}&page={page}"), "/api/v1/products")
        )
    return found


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "stars"])
def test_walking_the_cursors_lists_every_product_once_in_the_page_numbers_order(
    client, shelf, sort
):
    walked, bodies = _walk(client, f"sort={sort}&per_page=2")
    assert len(walked) == len(set(walked)) == 9 and "hidden" not in walked
    assert walked == _by_number(client, f"sort={sort}&per_page=2", 5)
    assert [b["page"] for b in bodies] == [1, None, None, None, None]
    assert bodies[-1]["links"]["next"] is None
    later = parse_qs(urlsplit(bodies[0]["links"]["next"]).query)
    assert later["sort"] == [sort] if sort != "newest" else "sort" not in later
    assert later["per_page"] == ["2"] and "page" not in later


def test_the_orders_put_ties_newest_first_and_no_price_last(client, shelf):
    by_price, _ = _walk(client, "sort=price_asc&per_page=4")
    assert by_price == ["p4", "p6", "p2", "p0", "p5", "p1", "p7", "p3", "no-price"]
    by_price_desc, _ = _walk(client, "sort=price_desc&per_page=4")
    assert by_price_desc == ["p3", "p7", "p5", "p1", "p6", "p2", "p0", "p4", "no-price"]


def test_a_cursor_keeps_its_place_when_a_newer_product_is_listed(client, db, shelf):
    first = check(client.get("/api/v1/products?per_page=3"), "/api/v1/products")
    make_product(slug="brand-new")  # created now, after all of them: it would shift page 2
    db.session.commit()
    parts = urlsplit(first["links"]["next"])
    second = check(client.get(f"{parts.path}?{parts.query}"), "/api/v1/products")
    assert not set(slugs(first)) & set(slugs(second)) and "brand-new" not in slugs(second)


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "after=" + "A" * 40,
        "sort=stars&after=WyJuZXdlc3QiLG51bGwsIjIwMjYtMDEtMDFUMDg6MDA6MDAiLDFd",  # newest's
        "q=ca&after=WyJuZXdlc3QiLG51bGwsIjIwMjYtMDEtMDFUMDg6MDA6MDAiLDFd",
    ],
)
def test_a_cursor_not_given_by_this_list_is_a_400_naming_after(client, shelf, query):
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    assert response.json["error"]["param"] == "after"


def test_the_page_parameter_still_pages_by_number(client, shelf):
    body = check(client.get("/api/v1/products?per_page=4&page=3"), "/api/v1/products")
    assert (body["page"], body["pages"], body["total"], len(body["items"])) == (3, 3, 9, 1)
    assert body["links"]["next"] is None
    assert parse_qs(urlsplit(body["links"]["prev"]).query)["page"] == ["2"]
