"""Product photos are public only while a listable product shows them (issue #13, item 11).

Before, /media served any stored file to anyone who kept its URL, for a year of caching: the
photos of a revoked, expired, hidden or suspended product stayed public. Now the public gets
404, the owning producer and staff still see them (never through a shared cache), and one
indexed query decides.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image

from shop import media
from shop.catalog.models import ProductImage
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus, Role
from tests import images
from tests.factories import make_producer, make_product, make_user
from tests.security.conftest import sign_in


def add_photo(db, product, color=images.RED) -> str:
    stored = media.store_image(images.png(size=(400, 300), color=color))
    db.session.add(
        ProductImage(product=product, key=stored.key, width=stored.width, height=stored.height)
    )
    db.session.flush()
    return stored.key


def fetch(client, url: str):
    """GET `url`, read the body and close the file behind it (send_file keeps it open)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def photo_urls(key: str) -> list[str]:
    return [f"/media/{key}-320.webp", f"/media/{key}-800.webp", f"/media/{key}.jpg"]


# How a product stops being listable, as a change to the world.
UNLISTED = {
    "hidden": lambda product, move_to: setattr(product, "status", ProductStatus.HIDDEN),
    "draft": lambda product, move_to: setattr(product, "status", ProductStatus.DRAFT),
    "revoked": lambda product, move_to: setattr(
        product.certificates[0], "status", CertificateStatus.REVOKED
    ),
    "pending": lambda product, move_to: setattr(
        product.certificates[0], "status", CertificateStatus.PENDING
    ),
    "expired": lambda product, move_to: move_to(
        product.certificates[0].expires_on + dt.timedelta(days=1)
    ),
    "producer suspended": lambda product, move_to: setattr(
        product.producer, "status", ProducerStatus.SUSPENDED
    ),
}


@pytest.fixture
def world(app, db, frozen_today):
    producer = make_producer()
    product = make_product(producer, name="Mật ong rừng U Minh")
    key = add_photo(db, product)
    staff = make_user(Role.STAFF)
    customer = make_user()
    stranger = make_producer()
    db.session.commit()
    return {
        "product": product,
        "key": key,
        "owner": producer.owner,
        "staff": staff,
        "customer": customer,
        "other producer": stranger.owner,
        "move_to": frozen_today,
    }


def test_a_listed_products_photo_is_public_and_cached_for_minutes_not_a_year(app, world):
    client = sign_in(app)
    for url in photo_urls(world["key"]):
        response = fetch(client, url)
        assert response.status_code == 200, url
        Image.open(io.BytesIO(response.data)).verify()
        cache = response.headers["Cache-Control"]
        assert "public" in cache and "max-age=600" in cache, cache


@pytest.mark.parametrize("how", list(UNLISTED))
def test_the_photo_of_an_unlisted_product_is_a_404_for_the_public_and_no_cache_keeps_it(
    app, db, world, how
):
    UNLISTED[how](world["product"], world["move_to"])
    db.session.commit()
    for who in (None, "customer", "other producer"):
        client = sign_in(app, world[who] if who else None)
        for url in photo_urls(world["key"]):
            response = fetch(client, url)
            assert response.status_code == 404, (how, who, url)
            assert response.headers["Cache-Control"] == "no-store", (how, who, url)
            assert b"RIFF" not in response.data[:16] and b"JFIF" not in response.data[:16]


@pytest.mark.parametrize("how", list(UNLISTED))
def test_the_owner_and_staff_still_see_an_unlisted_products_photo_privately(app, db, world, how):
    UNLISTED[how](world["product"], world["move_to"])
    db.session.commit()
    for who in ("owner", "staff"):
        client = sign_in(app, world[who])
        for url in photo_urls(world["key"]):
            response = fetch(client, url)
            assert response.status_code == 200, (how, who, url)
            assert response.headers["Cache-Control"] == "private, no-cache", (how, who, url)
            assert "Expires" not in response.headers


def test_the_owners_product_page_shows_the_photo_of_its_hidden_product(app, db, world):
    world["product"].status = ProductStatus.HIDDEN
    db.session.commit()
    client = sign_in(app, world["owner"])
    page = client.get(f"/producer/products/{world['product'].id}").get_data(as_text=True)
    assert f"/media/{world['key']}-320.webp" in page
    assert fetch(client, f"/media/{world['key']}-320.webp").status_code == 200


def test_a_file_shared_by_a_listed_and_an_unlisted_product_stays_public(app, db, world):
    """Files are named by content: the same picture uploaded for two products is one file."""
    other = make_product(make_producer(), status=ProductStatus.HIDDEN)
    assert add_photo(db, other) == world["key"]
    db.session.commit()
    assert fetch(sign_in(app), photo_urls(world["key"])[0]).status_code == 200
    world["product"].status = ProductStatus.HIDDEN
    db.session.commit()
    assert fetch(sign_in(app), photo_urls(world["key"])[0]).status_code == 404


def test_a_stored_file_no_product_shows_is_a_404(app, db, world):
    orphan = media.store_image(images.png(color=images.BLUE)).key
    assert (media.media_root() / orphan[:2] / f"{orphan}-320.webp").exists()
    for who in (None, "staff"):
        client = sign_in(app, world[who] if who else None)
        assert fetch(client, f"/media/{orphan}-320.webp").status_code == 404


def test_a_photo_request_is_one_query_for_the_public(app, db, world, count_queries):
    client = sign_in(app)
    with count_queries() as counter:
        response = fetch(client, photo_urls(world["key"])[0])
    assert response.status_code == 200
    assert counter["n"] == 1, counter["sql"]
    assert re.search(r'WHERE product_images\."?key"? = ', counter["sql"][0]), counter["sql"][0]


def test_the_photo_key_is_indexed(app, db):
    import sqlalchemy as sa

    indexes = sa.inspect(db.engine).get_indexes("product_images")
    assert any(index["column_names"] == ["key"] for index in indexes), indexes
