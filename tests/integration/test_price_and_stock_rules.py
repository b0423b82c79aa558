"""The price a product is shown "from" and the low-stock threshold are each one rule: the
card, the product page, the catalogue's price filter, the search document and the API agree."""

from __future__ import annotations

import pytest

from shop.catalog.rules import price_from
from shop.search.documents import documents_for
from tests.factories import make_product


@pytest.fixture
def priced(db, frozen_today):
    """A product sold in three sizes: 120.000, 90.000 and 150.000 đồng."""
    product = make_product(
        slug="mat-ong",
        variants=[
            {"price": 120_000, "stock": 9, "sku": "M-1"},
            {"price": 90_000, "stock": 9, "sku": "M-2"},
            {"price": 150_000, "stock": 9, "sku": "M-3"},
        ],
    )
    db.session.commit()
    return product


def test_every_place_shows_the_cheapest_variants_price(db, english, priced):
    assert price_from(priced) == 90_000
    catalogue = english.get("/products").get_data(as_text=True)
    assert "from ₫90,000" in catalogue
    page = english.get("/p/mat-ong").get_data(as_text=True)
    assert '<meta property="product:price:amount" content="90000">' in page
    api = english.get("/api/v1/products/mat-ong").get_json()
    assert (api["price_min"], api["price_max"]) == (90_000, 150_000)
    (document,), _gone = documents_for([priced.id])
    assert (document["price_min"], document["price_max"]) == (90_000, 150_000)
    assert "mat-ong" in english.get("/products?price_max=90000").get_data(as_text=True)
    assert "mat-ong" not in english.get("/products?price_max=89999").get_data(as_text=True)
    assert "mat-ong" in english.get("/products?price_min=90000").get_data(as_text=True)
    assert "mat-ong" not in english.get("/products?price_min=90001").get_data(as_text=True)


def test_one_price_is_shown_without_from(db, english, frozen_today):
    make_product(slug="tra", variants=[{"price": 80_000, "stock": 9, "sku": "T-1"}])
    db.session.commit()
    card = english.get("/products").get_data(as_text=True)
    assert "₫80,000" in card and "from ₫80,000" not in card


@pytest.mark.parametrize("stock, low", [(6, False), (5, True), (1, True), (0, False)])
def test_few_units_left_is_five_or_fewer_everywhere(db, english, frozen_today, stock, low):
    product = make_product(slug="gao", variants=[{"price": 50_000, "stock": stock, "sku": "G"}])
    db.session.commit()
    page = english.get("/p/gao").get_data(as_text=True)
    assert (f"Only {stock} left" in page) == low
    api = english.get("/api/v1/products/gao").get_json()
    assert api["stock_state"] == ("low" if low else "sold_out" if stock == 0 else "in_stock")
    owner = product.producer.owner
    with english.session_transaction() as session:
        session["_user_id"] = owner.get_id()
    dashboard = english.get("/producer/").get_data(as_text=True)
    assert ('data-testid="low-stock"' in dashboard) == (stock <= 5)
