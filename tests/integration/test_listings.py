"""A producer's listings: products from draft to sale, variants, photos, and who may touch them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.services import get_listable
from shop.enums import ProductStatus, Role
from shop.extensions import db as _db
from tests import images
from tests.conftest import csrf_from
from tests.factories import make_certificate, make_producer, make_product, make_user

NEW = "/producer/products/new"


@pytest.fixture
def producer(db):
    producer = make_producer(name="Hợp tác xã Cà phê Ea Tu")
    db.session.commit()
    return producer


@pytest.fixture
def draft(db, producer):
    """A draft product of `producer` without variants, photos or certificate."""
    product = make_product(
        producer,
        certificate=False,
        variants=[],
        status=ProductStatus.DRAFT,
        name="Cà phê Robusta Ea Tu",
        slug="ca-phe-robusta-ea-tu",
    )
    db.session.execute(sa.delete(Variant).where(Variant.product_id == product.id))
    db.session.commit()
    return product


def page_of(product) -> str:
    return f"/producer/products/{product.id}"


def product_form(**change) -> dict:
    return {
        "name": "Cà phê Robusta Ea Tu",
        "product_set_code": "13",
        "description": "Rang mộc, xay vừa.",
        **change,
    }


def variant_form(**change) -> dict:
    return {
        "label": "Hộp 500g",
        "sku": "EATU-500",
        "price": "150.000",
        "stock": "25",
        "weight_grams": "550",
        **change,
    }


def add_variant(submit, product, **change):
    return submit(page_of(product), variant_form(**change), action=f"{page_of(product)}/variants")


def post_button(client, path: str, token_page: str = "/producer/"):
    """Press a POST button: take a valid CSRF token from a page, then post it."""
    token = csrf_from(client.get(token_page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def rows() -> dict:
    """Every listing row as stored, to prove that a refused request changed nothing."""
    _db.session.expire_all()
    return {
        table.name: _db.session.execute(sa.select(table).order_by(table.c.id)).all()
        for table in (Product.__table__, Variant.__table__, ProductImage.__table__)
    }


def fresh(obj):
    _db.session.refresh(obj)
    return obj


# From draft to sale


def test_a_new_product_starts_as_an_unlisted_draft_with_a_slug_from_its_name(
    db, producer, english, login, submit
):
    login(producer.owner)
    response = submit(NEW, product_form())
    product = db.session.scalar(sa.select(Product))
    assert response.status_code == 302
    assert response.headers["Location"] == page_of(product)
    assert product.producer_id == producer.id
    assert product.status == ProductStatus.DRAFT
    assert product.slug == "ca-phe-robusta-ea-tu"
    assert product.product_set_code == 13
    assert get_listable(product.id) is None
    page = english.get(page_of(product)).get_data(as_text=True)
    assert "Not on sale." in page and "The product is still a draft." in page
    assert f"/producer/products/{product.id}/certificates" in page
    assert 'data-testid="publish"' in page
    dashboard = english.get("/producer/").get_data(as_text=True)
    assert f'href="{page_of(product)}"' in dashboard and "Add a product" in dashboard


def test_a_product_goes_on_sale_once_published_with_a_variant_and_an_approved_certificate(
    app, db, frozen_today, producer, draft, client, english, login, submit
):
    login(producer.owner)
    assert add_variant(submit, draft).status_code == 302
    assert post_button(client, f"{page_of(draft)}/publish").status_code == 302
    assert fresh(draft).status == ProductStatus.ACTIVE
    assert get_listable(draft.id) is None  # published, but no certificate yet
    page = client.get(page_of(draft)).get_data(as_text=True)
    assert "It has no OCOP certificate yet" in page

    make_certificate(draft)
    db.session.commit()
    assert get_listable(draft.id) is not None
    public = app.test_client()
    assert "Cà phê Robusta Ea Tu" in public.get("/").get_data(as_text=True)
    assert public.get("/p/ca-phe-robusta-ea-tu").status_code == 200
    assert "On sale." in client.get(page_of(draft)).get_data(as_text=True)


def test_a_hidden_product_leaves_the_shop_but_its_owner_still_sees_why(
    app, db, frozen_today, producer, client, english, login
):
    product = make_product(producer, name="Mật ong bạc hà Đồng Văn", slug="mat-ong-bac-ha")
    db.session.commit()
    login(producer.owner)
    assert post_button(client, f"{page_of(product)}/hide").status_code == 302
    assert fresh(product).status == ProductStatus.HIDDEN
    public = app.test_client()
    assert "Mật ong bạc hà" not in public.get("/").get_data(as_text=True)
    assert public.get("/p/mat-ong-bac-ha").status_code == 404
    own_view = client.get("/p/mat-ong-bac-ha")
    assert own_view.status_code == 200
    assert "You have hidden the product." in own_view.get_data(as_text=True)
    assert "You have hidden the product." in client.get(page_of(product)).get_data(as_text=True)

    assert post_button(client, f"{page_of(product)}/show").status_code == 302
    assert fresh(product).status == ProductStatus.ACTIVE
    assert public.get("/p/mat-ong-bac-ha").status_code == 200


def test_renaming_a_product_keeps_its_web_address(db, producer, draft, login, submit):
    login(producer.owner)
    response = submit(page_of(draft), product_form(name="Cà phê Robusta rang xay Ea Tu"))
    assert response.status_code == 302
    assert fresh(draft).name == "Cà phê Robusta rang xay Ea Tu"
    assert draft.slug == "ca-phe-robusta-ea-tu"


def test_a_second_product_with_the_same_name_gets_its_own_slug(db, producer, draft, login, submit):
    login(producer.owner)
    assert submit(NEW, product_form()).status_code == 302
    slugs = db.session.scalars(sa.select(Product.slug).order_by(Product.id)).all()
    assert slugs == ["ca-phe-robusta-ea-tu", "ca-phe-robusta-ea-tu-2"]


def test_the_product_set_list_offers_the_26_sets_in_their_groups(db, producer, english, login):
    login(producer.owner)
    page = english.get(NEW).get_data(as_text=True)
    assert page.count("<optgroup") == 6
    assert '<optgroup label="Beverages">' in page
    assert page.count("<option") == 27  # the 26 sets and "— choose —"


def test_publishing_without_a_variant_is_refused(db, producer, draft, client, english, login):
    login(producer.owner)
    response = post_button(client, f"{page_of(draft)}/publish")
    assert response.status_code == 302
    assert fresh(draft).status == ProductStatus.DRAFT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Add at least one variant" in page


@pytest.mark.parametrize(
    "status, action, message",
    [
        (ProductStatus.DRAFT, "hide", "Only a published product can be hidden."),
        (ProductStatus.ACTIVE, "publish", "Only a draft can be published."),
        (ProductStatus.ACTIVE, "show", "Only a hidden product can be shown again."),
    ],
)
def test_a_status_change_from_the_wrong_state_is_refused(
    db, producer, client, english, login, status, action, message
):
    product = make_product(producer, status=status)
    db.session.commit()
    login(producer.owner)
    response = post_button(client, f"{page_of(product)}/{action}")
    assert fresh(product).status == status
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)


# Bad input: a message on the field, and nothing changes


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "C"}, "The name needs 2 to 200 characters."),
        ({"name": "C" * 201}, "The name needs 2 to 200 characters."),
        ({"product_set_code": ""}, "This field is required."),
        ({"product_set_code": "999"}, "Choose a product set from the list."),
        ({"product_set_code": "abc"}, "Choose a product set from the list."),
        ({"description": "x" * 5001}, "At most 5000 characters."),
    ],
    ids=["empty", "blank", "short", "long", "no-set", "unknown-set", "set-abc", "description"],
)
def test_bad_product_details_get_a_message_and_change_nothing(
    db, producer, draft, english, login, submit, change, message
):
    login(producer.owner)
    before = rows()
    for path in (NEW, page_of(draft)):
        response = submit(path, product_form(**change))
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert message in page, path
        assert 'class="field has-error"' in page
        assert rows() == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"price": "0"}, "The price must be between ₫1 and ₫1,000,000,000."),
        ({"price": "-5000"}, "The price must be between ₫1 and ₫1,000,000,000."),
        ({"price": "abc"}, "Enter the price in whole đồng, like 150000 or 150.000."),
        ({"price": "1.000.000.001"}, "The price must be between ₫1 and ₫1,000,000,000."),
        ({"price": "150.5"}, "Enter the price in whole đồng, like 150000 or 150.000."),
        ({"price": "1.500,000"}, "Enter the price in whole đồng, like 150000 or 150.000."),
        ({"price": ""}, "This field is required."),
        ({"stock": "-1"}, "The stock must be a whole number from 0 to 1000000."),
        ({"stock": "1000001"}, "The stock must be a whole number from 0 to 1000000."),
        ({"stock": "2.5"}, "Enter the stock as a whole number, like 25."),
        ({"weight_grams": "0"}, "The weight must be from 1 to 100000 grams"),
        ({"weight_grams": "100001"}, "The weight must be from 1 to 100000 grams"),
        ({"label": ""}, "This field is required."),
        ({"label": "H" * 81}, "At most 80 characters."),
        ({"sku": ""}, "This field is required."),
        ({"sku": "EATU 500"}, "Use at most 64 letters A–Z, digits, hyphens (-) and underscores"),
        ({"sku": "CÀ-PHÊ-1"}, "Use at most 64 letters A–Z, digits, hyphens (-) and underscores"),
        ({"sku": "A/B"}, "Use at most 64 letters A–Z, digits, hyphens (-) and underscores"),
        ({"sku": "A" * 65}, "Use at most 64 letters A–Z, digits, hyphens (-) and underscores"),
        ({"sku": "taken-1"}, "The SKU TAKEN-1 is already used in the shop."),
    ],
)
def test_bad_variant_input_gets_a_message_on_the_form_and_changes_nothing(
    db, producer, draft, english, login, submit, change, message
):
    make_product(variants=[{"sku": "TAKEN-1"}])  # another producer's product
    db.session.commit()
    login(producer.owner)
    before = rows()
    response = add_variant(submit, draft, **change)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field has-error"' in page
    assert rows() == before


def test_a_duplicate_sku_is_reported_together_with_the_other_mistakes(
    db, producer, draft, english, login, submit
):
    make_product(variants=[{"sku": "TAKEN-1"}])
    db.session.commit()
    login(producer.owner)
    page = add_variant(submit, draft, sku="Taken-1", price="abc", label="").get_data(as_text=True)
    assert "The SKU TAKEN-1 is already used in the shop." in page
    assert "Enter the price in whole đồng" in page
    assert "This field is required." in page


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("150000", 150_000),
        ("150.000", 150_000),
        ("150,000", 150_000),
        ("150 000 đ", 150_000),
        ("150.000₫", 150_000),
        ("1.000.000.000", 1_000_000_000),
        ("1", 1),
    ],
)
def test_prices_typed_the_vietnamese_way_are_stored_as_whole_dong(
    db, producer, draft, login, submit, typed, stored
):
    login(producer.owner)
    assert add_variant(submit, draft, price=typed, sku="eatu_500-a").status_code == 302
    (variant,) = db.session.scalars(sa.select(Variant)).all()
    assert variant.price == stored
    assert variant.sku == "EATU_500-A"
    assert (variant.label, variant.stock, variant.weight_grams) == ("Hộp 500g", 25, 550)


def test_a_variant_is_edited_on_its_own_page_and_keeps_its_sku_unique(
    db, producer, draft, english, login, submit
):
    login(producer.owner)
    add_variant(submit, draft, sku="EATU-250", label="Hộp 250g")
    add_variant(submit, draft, sku="EATU-500")
    small, large = db.session.scalars(sa.select(Variant).order_by(Variant.id)).all()
    assert (small.position, large.position) == (0, 1)
    path = f"{page_of(draft)}/variants/{large.id}"
    page = english.get(path).get_data(as_text=True)
    assert 'value="150,000"' in page  # shown grouped, in the visitor's way

    assert submit(path, variant_form(price="165.000", stock="0")).status_code == 302
    assert (fresh(large).price, large.stock, large.sku) == (165_000, 0, "EATU-500")

    before = rows()
    response = submit(path, variant_form(sku="eatu-250"))
    assert "The SKU EATU-250 is already used in the shop." in response.get_data(as_text=True)
    assert rows() == before


def test_variants_can_be_deleted_but_a_published_product_keeps_one(
    db, producer, client, english, login
):
    product = make_product(producer, variants=[{"sku": "A-1"}, {"sku": "A-2"}])
    db.session.commit()
    first, second = product.variants
    login(producer.owner)
    assert post_button(client, f"{page_of(product)}/variants/{first.id}/delete").status_code == 302
    assert [v.sku for v in fresh(product).variants] == ["A-2"]

    response = post_button(client, f"{page_of(product)}/variants/{second.id}/delete")
    assert "A published product needs at least one variant." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert [v.sku for v in fresh(product).variants] == ["A-2"]


def test_a_draft_can_lose_its_last_variant(db, producer, client, login):
    product = make_product(producer, status=ProductStatus.DRAFT)
    db.session.commit()
    (variant,) = product.variants
    login(producer.owner)
    post_button(client, f"{page_of(product)}/variants/{variant.id}/delete")
    assert fresh(product).variants == []


# Photos


def upload(submit, product, data: bytes, alt_text: str = "", filename: str = "anh.jpg"):
    return submit(
        page_of(product),
        {"photo": (io.BytesIO(data), filename), "alt_text": alt_text},
        action=f"{page_of(product)}/images",
        content_type="multipart/form-data",
    )


def photo_order(product) -> list[int]:
    return [image.id for image in fresh(product).images]


def test_photos_are_uploaded_reordered_described_and_deleted(
    db, producer, draft, client, english, login, submit
):
    login(producer.owner)
    upload(submit, draft, images.png(color=images.RED), alt_text="Gói cà phê mặt trước")
    upload(submit, draft, images.png(color=images.BLUE))
    upload(submit, draft, images.webp())
    first, second, third = photo_order(draft)
    page = client.get(page_of(draft)).get_data(as_text=True)
    assert page.count('data-testid="photo"') == 3
    assert 'alt="Gói cà phê mặt trước"' in page
    assert 'alt="Cà phê Robusta Ea Tu"' in page  # no description: the product's name

    post_button(client, f"{page_of(draft)}/images/{first}/down")
    assert photo_order(draft) == [second, first, third]
    post_button(client, f"{page_of(draft)}/images/{third}/up")
    assert photo_order(draft) == [second, third, first]
    post_button(client, f"{page_of(draft)}/images/{second}/up")  # already first: no change
    assert photo_order(draft) == [second, third, first]

    path = f"{page_of(draft)}/images/{third}"
    assert submit(path, {"alt_text": "Hạt cà phê rang"}).status_code == 302
    assert fresh(db.session.get(ProductImage, third)).alt_text == "Hạt cà phê rang"
    assert "At most 200 characters." in submit(path, {"alt_text": "x" * 201}).get_data(as_text=True)

    post_button(client, f"{page_of(draft)}/images/{second}/delete")
    assert photo_order(draft) == [third, first]


def test_a_product_has_at_most_eight_photos(db, producer, draft, english, login, submit):
    login(producer.owner)
    for n in range(8):
        assert upload(submit, draft, images.png(color=(n * 20, 10, 10))).status_code == 302
    before = rows()
    response = upload(submit, draft, images.png(color=images.WHITE))
    assert response.status_code == 200
    assert "A product can have at most 8 photos. Delete one first." in response.get_data(
        as_text=True
    )
    assert rows() == before


def test_an_upload_without_a_file_asks_for_one(db, producer, draft, english, login, submit):
    login(producer.owner)
    response = submit(page_of(draft), {"alt_text": ""}, action=f"{page_of(draft)}/images")
    assert "Choose a photo to upload." in response.get_data(as_text=True)


# Who may touch a listing

ROUTES = [
    ("GET", "{p}"),
    ("POST", "{p}"),
    ("POST", "{p}/publish"),
    ("POST", "{p}/hide"),
    ("POST", "{p}/show"),
    ("POST", "{p}/variants"),
    ("GET", "{p}/variants/{v}"),
    ("POST", "{p}/variants/{v}"),
    ("POST", "{p}/variants/{v}/delete"),
    ("POST", "{p}/images"),
    ("GET", "{p}/images/{i}"),
    ("POST", "{p}/images/{i}"),
    ("POST", "{p}/images/{i}/up"),
    ("POST", "{p}/images/{i}/down"),
    ("POST", "{p}/images/{i}/delete"),
]


@pytest.fixture
def listing(db, producer):
    """A published product with two variants and two photos, each a target worth guarding."""
    product = make_product(producer, variants=[{"sku": "OWN-1"}, {"sku": "OWN-2"}])
    for position in range(2):
        db.session.add(
            ProductImage(
                product=product, key=f"{position}" * 40, width=800, height=600, position=position
            )
        )
    db.session.commit()
    return product


def url_of(listing, template: str) -> str:
    ids = {"p": listing.id, "v": listing.variants[-1].id, "i": listing.images[-1].id}
    return "/producer/products/" + template.format(**ids)


def attempt(client, method: str, path: str, token_page: str):
    if method == "GET":
        return client.get(path)
    token = csrf_from(client.get(token_page).get_data(as_text=True))
    data = {
        **product_form(name="Đã bị đổi"),
        **variant_form(sku="STOLEN-1"),
        "alt_text": "đã bị đổi",
        "photo": (io.BytesIO(images.png()), "anh.png"),
        "csrf_token": token,
    }
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("method, template", ROUTES)
def test_the_owner_reaches_every_listing_route(
    db, client, producer, login, listing, method, template
):
    """The control for the next test: its 404s come from ownership, not from a wrong URL."""
    login(producer.owner)
    response = attempt(client, method, url_of(listing, template), "/producer/")
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("method, template", ROUTES)
def test_another_producer_gets_404_on_every_listing_route(
    db, client, login, listing, method, template
):
    other = make_producer()
    db.session.commit()
    login(other.owner)
    before = rows()
    response = attempt(client, method, url_of(listing, template), "/producer/")
    assert response.status_code == 404
    assert rows() == before


@pytest.mark.parametrize("method, template", [*ROUTES, ("GET", "new"), ("POST", "new")])
def test_a_customer_gets_403_and_a_visitor_is_sent_to_log_in(
    app, db, client, login, listing, method, template
):
    url = NEW if template == "new" else url_of(listing, template)
    anonymous = app.test_client()
    response = anonymous.get(url) if method == "GET" else anonymous.post(url)
    if method == "GET":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code in (302, 400)  # log in first, or no CSRF token
    customer = make_user(Role.CUSTOMER)
    db.session.commit()
    login(customer)
    before = rows()
    assert attempt(client, method, url, "/").status_code == 403
    assert rows() == before


def test_a_variant_or_photo_of_another_product_is_404_even_under_an_own_product(
    db, producer, draft, listing, client, login
):
    stranger = make_product(variants=[{"sku": "THEIRS-1"}])
    db.session.add(ProductImage(product=stranger, key="9" * 40, width=10, height=10))
    db.session.commit()
    login(producer.owner)
    mine = page_of(draft)
    assert client.get(f"{mine}/variants/{stranger.variants[0].id}").status_code == 404
    assert client.get(f"{mine}/images/{stranger.images[0].id}").status_code == 404
    # and an own variant addressed under the wrong (own) product is not found either
    assert client.get(f"{mine}/variants/{listing.variants[0].id}").status_code == 404
    before = rows()
    path = f"{mine}/variants/{stranger.variants[0].id}/delete"
    assert post_button(client, path).status_code == 404
    assert rows() == before
