"""XSS: hostile text in every free-text field is shown escaped on every page that shows it.

Payloads go through the real forms where a form exists (product name and description,
variant pack, photo description, checkout address and note, review, reply) and through the
services or factories otherwise (producer name and story, account name). Then every page
that shows them is rendered: it must contain the payload escaped (so it was shown) and no
inline script, event handler or javascript: URL at all (so nothing of it became markup).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product, ProductRevision
from shop.orders.models import Order
from tests.factories import make_certificate, make_producer, make_product, make_user
from tests.security.conftest import deliver, place_for, sign_in, token_of
from tests.security.test_headers import inline_script_in

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"


def payload(field: str) -> str:
    return f"{field} {SCRIPT}{IMG} {URL} {TEMPLATE}"


ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile(app, db, frozen_today, fast_demo):
    """A producer, product, buyer, order and review whose every text field is hostile."""
    owner_account = make_user(full_name=payload("Owner"))
    producer = make_producer(
        owner=owner_account,
        name=payload("Producer"),
        slug="htx-hostile",
        description=payload("Story"),
        street=payload("ProducerStreet"),
    )
    # certified after its details are saved: then they change only by a revision for staff
    product = make_product(producer, name="Cà phê tạm", slug="ca-phe-hostile", certificate=False)
    buyer = make_user(full_name=payload("Buyer"), email="buyer@example.vn")
    db.session.commit()

    owner = sign_in(app, owner_account)
    page = f"/producer/products/{product.id}"
    details = {
        "name": "Cà phê " + payload("Name")[:150],
        "product_set_code": "13",
        "net_content": payload("Net")[:120],
        "ingredients": payload("Ingredients"),
        "shelf_life": payload("Shelf")[:120],
        "description": payload("Description"),
    }
    saved = owner.post(page, data={**details, "csrf_token": token_of(owner, page)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    make_certificate(db.session.get(Product, product.id))
    db.session.commit()
    proposal = {**details, "name": "Cà phê " + payload("Proposed")[:150]}
    saved = owner.post(page, data={**proposal, "csrf_token": token_of(owner, page)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    variant = product.variants[0]
    variant_page = f"{page}/variants/{variant.id}"
    saved = owner.post(
        variant_page,
        data={
            "label": payload("Pack")[:80],
            "sku": variant.sku,
            "price": "150000",
            "stock": "10",
            "weight_grams": "500",
            "csrf_token": token_of(owner, variant_page),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    from tests import images

    saved = owner.post(
        f"{page}/images",
        data={
            "photo": (io.BytesIO(images.png()), "a.png"),
            "alt_text": payload("Alt")[:200],
            "csrf_token": token_of(owner, page),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    product = db.session.get(Product, product.id)

    order = place_for(
        buyer, (product, 1), method=_cod(), note=payload("Note"), street=payload("Street")[:200]
    )
    deliver(order.sub_orders[0])
    db.session.commit()
    customer = sign_in(app, buyer)
    line = order.lines[0]
    reviewed = customer.post(
        f"/orders/{order.number}/lines/{line.id}/review",
        data={
            "rating": "4",
            "comment": payload("Review"),
            "csrf_token": token_of(customer, f"/orders/{order.number}"),
        },
    )
    assert reviewed.status_code == 302, reviewed.get_data(as_text=True)
    from shop.reviews.models import Review

    review = db.session.scalars(sa.select(Review)).one()
    replied = owner.post(
        f"/reviews/{review.id}/reply",
        data={"text": payload("Reply"), "csrf_token": token_of(owner, f"/p/{product.slug}")},
    )
    assert replied.status_code == 302, replied.get_data(as_text=True)
    customer.post(  # the cart shows the pack and name too
        "/cart/add",
        data={"variant_id": variant.id, "quantity": 1, "csrf_token": token_of(customer)},
    )
    staff = sign_in(app, make_user(_staff(), email="staff@example.vn"))
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    return {
        "owner": owner,
        "buyer": customer,
        "staff": staff,
        "guest": sign_in(app),
        "product": product,
        "order": order,
        "revision": db.session.scalars(sa.select(ProductRevision.id)).one(),
    }


def _cod():
    from shop.enums import PaymentMethod

    return PaymentMethod.COD


def _staff():
    from shop.enums import Role

    return Role.STAFF


def test_every_field_really_holds_the_payload(db, hostile):
    product = hostile["product"]
    assert SCRIPT in product.name and SCRIPT in product.description
    assert SCRIPT in product.variants[0].label and SCRIPT in product.images[0].alt_text
    assert all(SCRIPT in text for text in (product.net_content, product.ingredients))
    assert SCRIPT in product.shelf_life
    assert SCRIPT in db.session.scalars(sa.select(ProductRevision.name)).one()
    assert SCRIPT in hostile["order"].note and SCRIPT in hostile["order"].street
    from shop.reviews.models import Review

    review = db.session.scalars(sa.select(Review)).one()
    assert SCRIPT in review.comment and SCRIPT in review.reply


def pages(hostile) -> list[tuple[str, str, list[str]]]:
    """(who, path, fields whose payload the page must show escaped)."""
    order, product = hostile["order"], hostile["product"]
    sub = order.sub_orders[0].id
    revision = hostile["revision"]
    return [
        (
            "guest",
            f"/p/{product.slug}",
            ["Name", "Description", "Net", "Ingredients", "Shelf", "Pack", "Producer", "Review"],
        ),
        ("guest", "/verify/" + product.certificates[0].number, ["Name", "Producer"]),
        ("guest", "/products", ["Name"]),
        ("guest", "/", []),
        ("guest", "/search?q=ca+phe", ["Name"]),
        ("guest", "/search?q=" + "%3Cscript%3E", []),
        ("guest", "/producers/htx-hostile", ["Producer", "Story"]),
        ("buyer", "/cart", ["Name", "Pack"]),
        ("buyer", f"/orders/{order.number}", ["Name"]),
        ("buyer", "/account/orders", []),
        ("owner", "/producer/", []),
        ("owner", f"/producer/products/{product.id}", ["Name", "Proposed", "Net", "Description"]),
        ("owner", "/producer/orders", []),
        ("owner", f"/producer/orders/{sub}", ["Name", "Street", "Note"]),
        ("owner", f"/producer/orders/{sub}/packing-slip", ["Name", "Street", "Note"]),
        ("owner", "/producer/orders/sales", []),
        ("staff", f"/staff/orders/{order.number}", []),
        ("staff", "/staff/orders", []),
        ("staff", "/staff/reviews", ["Review"]),
        ("staff", "/staff/producers", ["Producer"]),
        ("staff", "/staff/revisions/", ["Name", "Producer"]),
        ("staff", f"/staff/revisions/{revision}", ["Name", "Proposed", "Net", "Producer"]),
        ("staff", f"/staff/certificates/{product.certificates[0].id}", ["Name", "Producer"]),
    ]


def test_every_page_shows_the_payloads_escaped_and_runs_none(db, hostile):
    missing = []
    for who, path, fields in pages(hostile):
        response = hostile[who].get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (who, path, response.status_code)
        assert inline_script_in(html) == [], (path, inline_script_in(html))
        assert "<img src=x" not in html, path
        assert " 49 " not in html.replace(TEMPLATE, ""), path  # {{7*7}} not evaluated
        missing += [(path, f) for f in fields if f"{f} {ESCAPED_SCRIPT}" not in html]
    assert missing == []


def test_opengraph_tags_carry_the_name_escaped(db, hostile):
    html = hostile["guest"].get(f"/p/{hostile['product'].slug}").get_data(as_text=True)
    tags = [line for line in html.splitlines() if 'property="og:' in line]
    assert any("og:title" in tag and "&lt;script&gt;" in tag for tag in tags), tags
    assert all("<script" not in tag.split("content=", 1)[-1] for tag in tags), tags


def test_json_csv_sitemap_and_mail_carry_the_payloads_inertly(app, db, hostile):
    product = hostile["product"]
    api = hostile["guest"].get(f"/api/v1/products/{product.slug}")
    assert api.mimetype == "application/json"
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert SCRIPT in api.get_json()["name"]  # data, not markup: JSON is never rendered as HTML

    export = hostile["owner"].get("/producer/orders.csv")
    assert export.mimetype == "text/csv"
    assert export.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert any(SCRIPT in cell for row in rows for cell in row)

    sitemap = hostile["guest"].get("/sitemap-products-1.xml").get_data(as_text=True)
    assert "<script" not in sitemap

    outbox = Path(app.instance_path) / "outbox"
    mails = [path.read_text() for path in outbox.glob("*.eml")] if outbox.exists() else []
    assert mails  # the order confirmation and the delivery e-mail
    for mail in mails:
        assert "Content-Type: text/html" not in mail  # plain text only: nothing to run
