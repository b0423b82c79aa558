"""The storefront: browsing with filters, province, producer and product pages, SEO files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from shop.producers.models import Producer
from tests.factories import make_producer, make_product

DAK_LAK, HANOI, LAM_DONG = 66, 1, 68


def ward_of(province: int) -> int:
    from shop import geo

    return geo.wards(province)[0][0]


@pytest.fixture
def catalogue(db, frozen_today):
    """A small catalogue across provinces, sets, stars and prices."""
    coffee_coop = make_producer(
        name="HTX Cà phê Ea Tu",
        slug="htx-ca-phe-ea-tu",
        province_code=DAK_LAK,
        ward_code=ward_of(DAK_LAK),
    )
    tea_house = make_producer(
        name="Hộ kinh doanh Chè Tân Cương",
        slug="che-tan-cuong",
        province_code=HANOI,
        ward_code=ward_of(HANOI),
    )
    products = {
        "robusta": make_product(
            coffee_coop,
            name="Cà phê Robusta rang mộc",
            slug="robusta",
            product_set_code=13,
            certificate={"stars": 4},
            variants=[{"price": 120_000, "stock": 3}, {"price": 450_000, "stock": 0}],
        ),
        "arabica": make_product(
            coffee_coop,
            name="Cà phê Arabica Cầu Đất",
            slug="arabica",
            product_set_code=13,
            certificate={"stars": 5},
            variants=[{"price": 260_000}],
        ),
        "honey": make_product(
            coffee_coop,
            name="Mật ong hoa cà phê",
            slug="honey",
            product_set_code=4,
            certificate={"stars": 3},
            variants=[{"price": 180_000}],
        ),
        "tea": make_product(
            tea_house,
            name="Chè búp Tân Cương",
            slug="tea",
            product_set_code=11,
            certificate={"stars": 4},
            variants=[{"price": 95_000}],
        ),
        "hidden": make_product(
            tea_house, name="Chè ẩn", slug="hidden", status=ProductStatus.HIDDEN
        ),
        "pending": make_product(
            tea_house,
            name="Chè chờ duyệt",
            slug="pending",
            certificate={"status": CertificateStatus.PENDING},
        ),
    }
    # created_at ascending in dict order, so "newest" is the reverse
    for i, product in enumerate(products.values()):
        product.created_at = dt.datetime(2026, 1, 1) + dt.timedelta(days=i)
    db.session.commit()
    return products


def slugs_in(html: str) -> list[str]:
    return re.findall(r'<a href="/p/([a-z0-9-]+)" class="card-link">', html)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["tea", "honey", "arabica", "robusta"]),
        ("?stars=4", ["tea", "robusta"]),
        ("?stars=4&stars=5", ["tea", "arabica", "robusta"]),
        ("?group=I&province=66", ["honey", "arabica", "robusta"]),
        ("?set=13&sort=price_asc", ["robusta", "arabica"]),
        ("?set=13&sort=price_desc", ["arabica", "robusta"]),
        ("?sort=stars", ["arabica", "tea", "robusta", "honey"]),
        ("?price_min=100000&price_max=200000", ["honey", "robusta"]),
        ("?price_min=200000", ["arabica"]),  # the cheapest variant counts
        ("?province=1&stars=5", []),
    ],
)
def test_catalogue_filters_and_sorts_combine(client, catalogue, query, expected):
    html = client.get(f"/products{query}").get_data(as_text=True)
    assert slugs_in(html) == expected


def test_unlisted_products_never_show_in_the_catalogue(client, catalogue):
    html = client.get("/products").get_data(as_text=True)
    assert "Chè ẩn" not in html and "Chè chờ duyệt" not in html


def test_paging_keeps_the_filters(db, client, frozen_today):
    producer = make_producer()
    for i in range(30):
        make_product(producer, certificate={"stars": 4}, slug=f"p{i:02d}")
    make_product(producer, certificate={"stars": 3})
    db.session.commit()
    first = client.get("/products?stars=4&sort=price_asc").get_data(as_text=True)
    assert len(slugs_in(first)) == 24
    next_link = re.search(r'href="([^"]+)" data-testid="next-page"', first).group(1)
    assert "stars=4" in next_link and "sort=price_asc" in next_link and "page=2" in next_link
    second = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert len(slugs_in(second)) == 6


def test_an_empty_result_says_so_helpfully(english, catalogue):
    html = english.get("/products?province=1&stars=5").get_data(as_text=True)
    assert "No certified product matches these filters" in html and "Clear filters" in html


@pytest.mark.parametrize(
    "query, param",
    [
        ("?stars=2", "stars"),
        ("?page=0", "page"),
        ("?price_min=abc", "price_min"),
        ("?province=999", "province"),
        ("?sort=evil", "sort"),
        ("?group=VII", "group"),
        ("?price_min=5&price_max=1", "price_max"),
    ],
)
def test_a_bad_filter_gets_a_400_naming_it(english, catalogue, query, param):
    response = english.get(f"/products{query}")
    assert response.status_code == 400
    assert f"“{param}”" in response.get_data(as_text=True)


def test_the_home_page_has_five_star_picks_new_arrivals_and_the_six_groups(client, catalogue):
    html = client.get("/").get_data(as_text=True)
    five = html.split('id="five-title"')[1].split("</section>")[0]
    assert slugs_in(five) == ["arabica"]
    for group in ("I", "II", "III", "IV", "V", "VI"):
        assert f'data-testid="group-{group}"' in html
    assert re.search(r'data-testid="group-I">.*?4 sản phẩm', html, re.S)


def test_a_province_page_lists_that_provinces_products(client, catalogue):
    html = client.get("/provinces/dak-lak").get_data(as_text=True)
    assert "Đắk Lắk" in html and sorted(slugs_in(html)) == ["arabica", "honey", "robusta"]
    assert client.get("/provinces/atlantis").status_code == 404


def test_a_producer_page_shows_the_profile_and_only_its_listed_products(client, catalogue):
    html = client.get("/producers/che-tan-cuong").get_data(as_text=True)
    assert "Hộ kinh doanh Chè Tân Cương" in html and "Hà Nội" in html
    assert slugs_in(html) == ["tea"]


def test_a_suspended_producer_has_no_public_page(db, client, catalogue):
    catalogue["tea"].producer.status = ProducerStatus.SUSPENDED
    db.session.commit()
    assert client.get("/producers/che-tan-cuong").status_code == 404
    assert client.get("/p/tea").status_code == 404


def test_the_product_page_shows_variants_stock_certificate_producer_and_more(client, catalogue):
    html = client.get("/p/robusta").get_data(as_text=True)
    assert "120.000\xa0₫" in html and "450.000\xa0₫" in html
    assert "Chỉ còn 3" in html and "Hết hàng" in html
    assert 'data-testid="certificate-facts"' in html and 'href="/verify/' in html
    assert 'href="/producers/htx-ca-phe-ea-tu"' in html
    more = html.split('id="more-title"')[1]
    assert sorted(slugs_in(more)) == ["arabica", "honey"]


def test_product_pages_carry_seo_and_sharing_tags(client, catalogue):
    html = client.get("/p/robusta").get_data(as_text=True)
    assert "<title>Cà phê Robusta rang mộc · Chợ OCOP</title>" in html
    assert '<link rel="canonical" href="http://localhost/p/robusta">' in html
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:url" content="http://localhost/p/robusta">' in html
    assert '<meta name="description" content="Mô tả sản phẩm.">' in html


def test_robots_and_sitemaps_list_only_what_the_public_may_see(client, catalogue):
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /staff/" in robots and "Sitemap: http://localhost/sitemap.xml" in robots
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "http://localhost/sitemap-products-1.xml" in index
    products = client.get("/sitemap-products-1.xml").get_data(as_text=True)
    assert sorted(re.findall(r"/p/([a-z-]+)</loc>", products)) == [
        "arabica",
        "honey",
        "robusta",
        "tea",
    ]
    pages = client.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "/producers/htx-ca-phe-ea-tu" in pages and "/provinces/dak-lak" in pages


def _grow_catalogue(n: int) -> None:
    producer = make_producer()
    for _ in range(n):
        make_product(producer, variants=[{"price": 100_000}, {"price": 200_000}])


PRODUCER_PAGE = "the producer's page"


@pytest.mark.parametrize(
    "path",
    ["/", "/products", "/products?stars=4&sort=price_asc", "/provinces/ha-noi", PRODUCER_PAGE],
)
def test_list_pages_run_a_fixed_number_of_queries_whatever_the_page_size(
    app, db, client, frozen_today, count_queries, path
):
    app.config["GROUP_COUNTS_CACHE_SECONDS"] = 0  # the home page's counts: counted each time
    _grow_catalogue(2)
    db.session.commit()
    if path == PRODUCER_PAGE:
        path = "/producers/" + db.session.scalars(sa.select(Producer.slug)).first()
    with count_queries() as few:
        assert client.get(path).status_code == 200
    _grow_catalogue(30)
    db.session.commit()
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many["n"] == few["n"], many["sql"]


def test_the_product_page_runs_a_fixed_number_of_queries(db, client, frozen_today, count_queries):
    small = make_product(slug="small")
    big = make_product(slug="big", variants=[{"price": 1000 * i} for i in range(1, 9)])
    for _ in range(6):
        make_product(big.producer)
    db.session.commit()
    with count_queries() as one:
        client.get("/p/small")
    with count_queries() as eight:
        client.get("/p/big")
    assert one["n"] == eight["n"], (one["sql"], eight["sql"])
    del small


def test_the_product_page_puts_name_price_pack_and_button_before_the_photos(client, catalogue):
    html = client.get("/p/robusta").get_data(as_text=True)
    order = [
        "<h1>Cà phê Robusta rang mộc</h1>",
        'data-testid="ocop-badge"',
        'data-testid="buy-price"><span data-price>120.000\xa0₫</span>',
        'data-testid="variant-picker"',
        'data-testid="add-to-cart"',
        'data-testid="gallery"',
        'data-testid="variants"',
    ]
    places = [html.index(marker) for marker in order]
    assert places == sorted(places)
    assert 'class="buy-bar"' in html
