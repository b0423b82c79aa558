"""What a phone's browser measures (#15 item 11): compressed text, no layout jump on the
catalogue (sized pictures, the first ones not lazy), headings that do not skip levels."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.factories import make_product


@pytest.fixture
def listed(db, frozen_today):
    for n in range(6):
        make_product(name=f"Sản phẩm OCOP số {n}", slug=f"san-pham-{n}")
    db.session.commit()


def test_text_pages_are_gzipped_for_a_browser_that_accepts_it(client, listed):
    plain = client.get("/products")
    packed = client.get("/products", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    # The CSRF token is signed with the second it was made, so two requests may differ there.
    assert _without_csrf(gzip.decompress(packed.data)) == _without_csrf(plain.data)
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3


def _without_csrf(page: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token"', page)


@pytest.mark.parametrize(
    "path, mimetype",
    [("/static/css/shop.css", "text/css"), ("/static/js/search.js", "text/javascript")],
)
def test_the_stylesheet_and_scripts_are_gzipped_too(client, path, mimetype):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.mimetype == mimetype and packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"].startswith('W/"')  # not byte-identical to the plain file
    plain.close()
    packed.close()


def test_json_is_gzipped_but_a_tiny_answer_and_pictures_are_not(client, listed):
    answer = client.get("/api/v1/products", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert (
        client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers.get("Content-Encoding")
        is None
    )


def test_the_catalogue_loads_its_first_pictures_at_once_and_sizes_every_one(db, client):
    from shop.catalog.models import ProductImage

    for n in range(6):
        product = make_product(name=f"Sản phẩm có ảnh {n}", slug=f"co-anh-{n}")
        db.session.add(ProductImage(product=product, key=f"{n:064d}", width=800, height=600))
    db.session.commit()
    html = client.get("/products").get_data(as_text=True)
    pictures = re.findall(r'<img src="/media/[^>]*>', html)
    assert len(pictures) == 6
    assert all('width="320" height="240"' in tag for tag in pictures)
    assert ['loading="lazy"' in tag for tag in pictures] == [False, False, True, True, True, True]
    assert 'fetchpriority="high"' in pictures[0]


def headings(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]


@pytest.mark.parametrize("path", ["/products", "/products?group=1", "/search?q=san+pham", "/"])
def test_headings_never_skip_a_level(client, listed, path):
    levels = headings(client.get(path).get_data(as_text=True))
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"h{before} then h{after} on {path}: {levels}"
