"""Filters on both search backends: an empty filter allows nothing, and a cached filter set
(Whoosh keeps them with its searcher) follows the index and the day."""

from __future__ import annotations

import datetime as dt

from shop import clock
from shop.search import SearchQuery, search_products, suggest
from tests.factories import make_product
from tests.integration.test_search import backend  # noqa: F401  (the fixture: both backends)


def _names(text: str, **filters) -> list[str]:
    rows, result = search_products(SearchQuery(text=text, today=clock.today(), **filters))
    assert result.total == len(rows)
    return sorted(product.name for product, _certificate in rows)


def test_a_filter_that_allows_nothing_finds_nothing(backend, db, frozen_today):  # noqa: F811
    make_product(name="Mắm tôm Hậu Lộc")
    db.session.commit()
    assert _names("mam tom") == ["Mắm tôm Hậu Lộc"]
    assert _names("mam tom", province=91) == []  # no product in An Giang
    assert _names("mam tom", stars=(5,)) == []
    assert _names("mam tom") == ["Mắm tôm Hậu Lộc"]  # and the unfiltered search still finds it


def test_a_repeated_filter_sees_products_indexed_since(backend, db, frozen_today):  # noqa: F811
    make_product(name="Mắm tôm Hậu Lộc", certificate={"stars": 5})
    db.session.commit()
    assert _names("mam", stars=(5,)) == ["Mắm tôm Hậu Lộc"]
    assert _names("mam", stars=(4,)) == []
    make_product(name="Mắm cá linh An Giang", certificate={"stars": 4})
    make_product(name="Mắm ruốc Huế", certificate={"stars": 5})
    db.session.commit()
    assert _names("mam", stars=(5,)) == ["Mắm ruốc Huế", "Mắm tôm Hậu Lộc"]
    assert _names("mam", stars=(4,)) == ["Mắm cá linh An Giang"]
    assert [s.name for s in suggest("mam c")] == ["Mắm cá linh An Giang"]


def test_a_repeated_search_follows_the_day(backend, db, frozen_today):  # noqa: F811
    today = clock.today()
    make_product(
        name="Bánh pía Sóc Trăng",
        certificate={"decision_date": dt.date(today.year - 3, today.month, today.day)},
    )
    make_product(name="Bánh pía sầu riêng")
    db.session.commit()
    assert _names("banh pia", stars=(4,)) == ["Bánh pía Sóc Trăng", "Bánh pía sầu riêng"]
    frozen_today(today + dt.timedelta(days=1))
    assert _names("banh pia", stars=(4,)) == ["Bánh pía sầu riêng"]
    assert [s.name for s in suggest("banh pia s")] == ["Bánh pía sầu riêng"]
