"""The counting form of the listable rule (`listable_ids`) finds exactly `listable_products`.

Page totals and the home page's group counts use it because it is several times cheaper
(docs/benchmarks.md, "Whole shop"); these tests keep the two in step on every edge of the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import sqlalchemy as sa

from shop import clock
from shop.catalog import browse
from shop.catalog.services import listable_ids, listable_products
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from tests.factories import make_certificate, make_producer, make_product


def _edge_cases(today: dt.date) -> set[str]:
    """One product per edge of the rule; returns the slugs that must be listed."""
    three_years_ago = dt.date(today.year - 3, today.month, today.day)
    make_product(slug="plain", certificate={"stars": 5})
    make_product(slug="expires-today", certificate={"decision_date": three_years_ago})
    make_product(
        slug="expired",
        certificate={"decision_date": three_years_ago - dt.timedelta(days=1)},
    )
    make_product(slug="revoked", certificate={"status": CertificateStatus.REVOKED})
    make_product(slug="pending", certificate={"status": CertificateStatus.PENDING})
    make_product(slug="no-certificate", certificate=False)
    make_product(slug="draft", status=ProductStatus.DRAFT)
    make_product(slug="suspended", producer=make_producer(status=ProducerStatus.SUSPENDED))
    renewed = make_product(slug="renewal-pending", certificate={"stars": 3})
    make_certificate(
        renewed, decision_date=today - dt.timedelta(days=2), status=CertificateStatus.PENDING
    )
    twice = make_product(slug="two-approved", certificate={"decision_date": three_years_ago})
    make_certificate(twice, decision_date=today - dt.timedelta(days=30), stars=5)
    return {"plain", "expires-today", "renewal-pending", "two-approved"}


def _slugs(query: sa.Select, db) -> set[str]:
    from shop.catalog.models import Product

    ids = query.with_only_columns(Product.id).subquery()
    return set(db.session.scalars(sa.select(Product.slug).where(Product.id.in_(sa.select(ids)))))


def test_listable_ids_are_the_listable_products_on_every_edge(db, frozen_today):
    today = clock.today()
    expected = _edge_cases(today)
    db.session.commit()
    assert _slugs(listable_products(), db) == expected
    assert _slugs(listable_ids(), db) == expected
    later = today + dt.timedelta(days=1)  # "expires-today" drops out the next day, in both
    frozen_today(later)
    assert _slugs(listable_ids(later), db) == _slugs(listable_products(later), db)
    assert "expires-today" not in _slugs(listable_ids(later), db)


def test_page_totals_count_what_the_pages_show(db, frozen_today):
    _edge_cases(clock.today())
    for _ in range(5):
        make_product(certificate={"stars": 5}, variants=[{"price": 90_000}])
    db.session.commit()
    for filters in (
        browse.Filters(per_page=2),
        browse.Filters(stars=(5,), per_page=2),  # a filter on the current certificate
        browse.Filters(stars=(3,), per_page=2),  # the renewal awaiting review keeps its 3 stars
        browse.Filters(price_max=100_000, per_page=2),
    ):
        first = browse.browse(filters)
        shown = [row for page in range(1, first.pages + 1) for row in _page(filters, page)]
        assert first.total == len(shown) == len({p.id for p, _c in shown}), filters
        assert first.rows == browse.shelf(filters)


def _page(filters: browse.Filters, page: int):
    from dataclasses import replace

    return browse.browse(replace(filters, page=page)).rows


def test_group_counts_count_listable_products_only(db, frozen_today):
    _edge_cases(clock.today())
    make_product(slug="another-group", product_set_code=14)
    db.session.commit()
    rows = db.session.execute(listable_products()).all()
    expected: dict[str, int] = {}
    for product, _certificate in rows:
        group = product.product_set.group_code
        expected[group] = expected.get(group, 0) + 1
    assert browse.group_counts() == expected
    assert sum(expected.values()) == 5


def test_the_home_page_counts_are_kept_a_while_and_never_across_a_day(app, db, frozen_today):
    app.config["GROUP_COUNTS_CACHE_SECONDS"] = 60
    today = clock.today()
    make_product(
        product_set_code=14,
        certificate={"decision_date": dt.date(today.year - 3, today.month, today.day)},
    )
    db.session.commit()
    assert browse.cached_group_counts() == {"II": 1}
    make_product(product_set_code=14)
    db.session.commit()
    assert browse.cached_group_counts() == {"II": 1}  # kept: a minute old is fine
    frozen_today(today + dt.timedelta(days=1))
    assert browse.cached_group_counts() == {"II": 1}  # a new day: counted again (one expired)
    make_product(product_set_code=14)
    db.session.commit()
    app.config["GROUP_COUNTS_CACHE_SECONDS"] = 0
    assert browse.cached_group_counts() == {"II": 2}


def test_price_sorted_pages_follow_the_cheapest_variant_and_skip_unlisted(db, frozen_today):
    _edge_cases(clock.today())  # unlisted products at 150,000 VND must not take a place
    prices = [90_000, 250_000, 40_000, 120_000, 40_000, 310_000]
    for i, price in enumerate(prices):
        make_product(
            slug=f"priced-{i}",
            certificate={"stars": 5 if i % 2 else 4},
            variants=[{"price": price * 2}, {"price": price}],
        )
    db.session.commit()
    listed = [(p, c) for p, c in db.session.execute(listable_products()).all()]

    def expected(stars: tuple[int, ...], reverse: bool) -> list[str]:
        rows = [(p, c) for p, c in listed if not stars or c.stars in stars]
        newest = sorted(rows, key=lambda r: (r[0].created_at, r[0].id), reverse=True)
        by_price = sorted(
            newest, key=lambda r: min(v.price for v in r[0].variants), reverse=reverse
        )
        return [p.slug for p, _c in by_price]

    for sort, stars in (("price_asc", ()), ("price_desc", ()), ("price_asc", (5,))):
        filters = browse.Filters(sort=sort, stars=stars, per_page=3)
        first = browse.browse(filters)
        shown = [p.slug for page in range(1, first.pages + 1) for p, _c in _page(filters, page)]
        assert shown == expected(stars, sort == "price_desc"), (sort, stars)
        assert first.total == len(shown)


def test_a_listed_product_without_variants_comes_last_by_price_and_is_counted(db, frozen_today):
    from shop.catalog.models import Variant

    make_product(slug="cheap", variants=[{"price": 10_000}])
    make_product(slug="dear", variants=[{"price": 900_000}])
    bare = make_product(slug="no-variants")
    db.session.execute(sa.delete(Variant).where(Variant.product_id == bare.id))
    db.session.commit()
    for sort, order in (("price_asc", ["cheap", "dear"]), ("price_desc", ["dear", "cheap"])):
        page = browse.browse(browse.Filters(sort=sort))
        assert [p.slug for p, _c in page.rows] == [*order, "no-variants"]
        assert page.total == 3
    assert browse.browse(browse.Filters(sort="price_asc", price_max=50_000)).total == 1


def test_catalogue_totals_are_kept_per_filter_while_the_rows_stay_current(
    app, db, frozen_today, count_queries
):
    """The "N products" count of a filter combination is kept (any page, any order) for
    CATALOG_TOTALS_CACHE_SECONDS and never across a day; the rows are always read afresh."""
    app.config["CATALOG_TOTALS_CACHE_SECONDS"] = 30
    today = clock.today()
    make_product(
        slug="ends-today",
        certificate={"stars": 4, "decision_date": dt.date(today.year - 3, today.month, today.day)},
    )
    make_product(slug="five-a", certificate={"stars": 5})
    db.session.commit()
    all_products, five_stars = browse.Filters(per_page=1), browse.Filters(stars=(5,))

    assert browse.browse(all_products).total == 2
    assert browse.browse(five_stars).total == 1
    make_product(slug="five-b", certificate={"stars": 5})
    db.session.commit()

    with count_queries() as kept:
        page = browse.browse(replace(all_products, page=2, sort="price_asc"))
    assert page.total == 2  # kept: another page and order of the same filters
    assert [p.slug for p, _c in browse.browse(five_stars).rows] == ["five-b", "five-a"]
    assert browse.browse(five_stars).total == 1  # the rows are current, the count is kept
    assert browse.browse(browse.Filters(stars=(4, 5))).total == 3  # another combination
    with count_queries() as counted:
        app.config["CATALOG_TOTALS_CACHE_SECONDS"] = 0
        assert browse.browse(replace(all_products, page=2, sort="price_asc")).total == 3
    assert kept["n"] == counted["n"] - 1  # keeping saves the count's statement

    app.config["CATALOG_TOTALS_CACHE_SECONDS"] = 30
    frozen_today(today + dt.timedelta(days=1))
    assert browse.browse(all_products).total == 2  # a new day: counted again (one expired)
