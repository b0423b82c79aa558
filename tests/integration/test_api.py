"""The public catalogue API: every answer matches the OpenAPI document, only listable
products ever appear, filters combine, bad parameters are 400s, and the query count is fixed."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from shop.api import serializers
from shop.api.openapi import DOCUMENT
from shop.catalog.browse import MAX_PER_PAGE
from shop.catalog.models import Product, ProductImage, Variant
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from tests.factories import make_producer, make_product

TODAY = dt.date(2026, 11, 30)
DAK_LAK, HANOI = 66, 1
DOC_URI = "urn:cho-ocop:openapi"
REGISTRY = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(DOCUMENT))


# --- checking answers against the document ----------------------------------------------------


def resolved(node: dict) -> dict:
    """Follow a local "#/components/…" reference inside the document."""
    while "$ref" in node:
        target = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def documented_response(path: str, status: int) -> dict:
    """The response object the document declares for GET `path` and `status`."""
    return resolved(DOCUMENT["paths"][path]["get"]["responses"][str(status)])


def check(response, path: str, status: int = 200) -> dict:
    """Assert the status and validate the JSON body against the documented schema."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    schema = documented_response(path, status)["content"]["application/json"]["schema"]
    wrapped = {"$ref": DOC_URI + schema["$ref"]} if "$ref" in schema else schema
    validator = Draft202012Validator(
        wrapped, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(response.json), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return response.json


def slugs(body: dict) -> list[str]:
    return [item["slug"] for item in body["items"]]


# --- the world --------------------------------------------------------------------------------


def decided_to_expire_on(day: dt.date) -> dt.date:
    return dt.date(day.year - 3, day.month, day.day)


def at(days_ago: int) -> dt.datetime:
    return dt.datetime(2026, 11, 1, 8) - dt.timedelta(days=days_ago)


@pytest.fixture
def dak_lak(db):
    return make_producer(name="Alpha Coffee", slug="alpha-coffee", province_code=DAK_LAK)


@pytest.fixture
def world(db, frozen_today, dak_lak):
    """Listed products in Đắk Lắk and Hà Nội, and one of each way of not being listed."""
    hanoi = make_producer(name="Bravo Honey", slug="bravo-honey", province_code=HANOI)
    suspended = make_producer(
        name="Charlie Tea",
        slug="charlie-tea",
        province_code=DAK_LAK,
        status=ProducerStatus.SUSPENDED,
    )
    listed = {
        "robusta": make_product(
            dak_lak,
            name="Cà phê Robusta",
            slug="ca-phe-robusta",
            created_at=at(5),
            variants=[{"price": 200_000, "stock": 3}],
        ),
        "arabica": make_product(
            dak_lak,
            name="Cà phê Arabica",
            slug="ca-phe-arabica",
            created_at=at(4),
            variants=[{"price": 300_000, "stock": 0}, {"price": 90_000, "stock": 0}],
        ),
        "five-star": make_product(
            dak_lak,
            name="Cà phê chồn",
            slug="ca-phe-chon",
            created_at=at(3),
            certificate={"stars": 5},
            variants=[{"price": 50_000}],
        ),
        "pepper": make_product(
            dak_lak,
            name="Hồ tiêu",
            slug="ho-tieu",
            created_at=at(2),
            product_set_code=5,
            variants=[{"price": 150_000, "stock": 40}],
        ),
        "honey": make_product(
            hanoi,
            name="Mật ong",
            slug="mat-ong",
            created_at=at(1),
            product_set_code=4,
            variants=[{"price": 10_000}],
        ),
    }
    expired = {"decision_date": decided_to_expire_on(TODAY - dt.timedelta(days=1))}
    unlisted = {
        "expired": make_product(dak_lak, slug="ca-phe-het-han", certificate=expired),
        "revoked": make_product(
            dak_lak, slug="ca-phe-thu-hoi", certificate={"status": CertificateStatus.REVOKED}
        ),
        "pending": make_product(
            dak_lak, slug="ca-phe-cho-duyet", certificate={"status": CertificateStatus.PENDING}
        ),
        "hidden": make_product(dak_lak, slug="ca-phe-an", status=ProductStatus.HIDDEN),
        "suspended": make_product(suspended, slug="tra-bi-dinh-chi"),
    }
    for product in (*listed.values(), *unlisted.values()):
        product.certificates[0].reviewed_at = dt.datetime(2025, 6, 2, 3, 4, 5)
    db.session.add(
        ProductImage(
            product=listed["robusta"], key="ab12" * 10, width=1200, height=900, alt_text="Gói"
        )
    )
    db.session.commit()
    return {"listed": listed, "unlisted": unlisted, "producers": (dak_lak, hanoi, suspended)}


# --- products ---------------------------------------------------------------------------------


def test_the_product_list_shows_every_listable_product_newest_first(client, world):
    body = check(client.get("/api/v1/products"), "/api/v1/products")
    assert slugs(body) == ["mat-ong", "ho-tieu", "ca-phe-chon", "ca-phe-arabica", "ca-phe-robusta"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 24, 5, 1)
    assert body["links"]["next"] is None and body["links"]["prev"] is None


def test_a_product_item_carries_prices_stock_certificate_and_first_image(client, world):
    body = check(client.get("/api/v1/products?producer=alpha-coffee"), "/api/v1/products")
    items = {item["slug"]: item for item in body["items"]}
    robusta, arabica = items["ca-phe-robusta"], items["ca-phe-arabica"]
    certificate = world["listed"]["robusta"].certificates[0]
    assert robusta["url"] == "http://localhost/p/ca-phe-robusta"
    assert robusta["image"] == f"http://localhost/media/{'ab12' * 10}-320.webp"
    assert (robusta["in_stock"], robusta["stock_state"]) == (True, "low")
    assert robusta["certificate"] == {
        "number": certificate.number,
        "stars": 4,
        "issuing_body": "UBND thành phố Hà Nội",
        "issuing_level": "province",
        "decision_number": certificate.decision_number,
        "decision_date": "2025-06-01",
        "expires_on": "2028-06-01",
        "verify_url": f"http://localhost/verify/{certificate.number}",
    }
    assert robusta["producer"]["province"] == {"code": DAK_LAK, "name": "Đắk Lắk"}
    assert robusta["product_set"]["code"] == 13
    assert (arabica["price_min"], arabica["price_max"], arabica["currency"]) == (
        90_000,
        300_000,
        "VND",
    )
    assert (arabica["in_stock"], arabica["stock_state"], arabica["image"]) == (
        False,
        "sold_out",
        None,
    )
    assert items["ho-tieu"]["stock_state"] == "in_stock"


def test_filters_and_sorting_combine(client, world):
    body = check(
        client.get("/api/v1/products?stars=4&province=66&sort=price_asc"), "/api/v1/products"
    )
    assert slugs(body) == ["ca-phe-arabica", "ho-tieu", "ca-phe-robusta"]
    body = check(
        client.get("/api/v1/products?stars=4&stars=5&province=66&sort=price_desc"),
        "/api/v1/products",
    )
    assert slugs(body) == ["ca-phe-robusta", "ho-tieu", "ca-phe-arabica", "ca-phe-chon"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sort=stars", ["ca-phe-chon", "mat-ong", "ho-tieu", "ca-phe-arabica", "ca-phe-robusta"]),
        ("group=i&set=13", ["ca-phe-chon", "ca-phe-arabica", "ca-phe-robusta"]),
        ("set=4", ["mat-ong"]),
        ("province=1", ["mat-ong"]),
        ("producer=bravo-honey", ["mat-ong"]),
        ("producer=charlie-tea", []),
        ("price_min=100000&price_max=250000", ["ho-tieu", "ca-phe-robusta"]),
        ("price_max=60000&sort=price_asc", ["mat-ong", "ca-phe-chon"]),
        ("q=C%C3%80+PH%C3%8A&stars=4&sort=newest", ["ca-phe-arabica", "ca-phe-robusta"]),
        ("q=m%E1%BA%ADt", ["mat-ong"]),
        ("q=%21%21%21", []),
        ("q=&province=1", ["mat-ong"]),
    ],
)
def test_each_filter_narrows_the_list(client, world, query, expected):
    body = check(client.get(f"/api/v1/products?{query}"), "/api/v1/products")
    assert slugs(body) == expected
    assert body["total"] == len(expected)


def test_paging_links_keep_the_filters_and_walk_the_pages(client, world):
    first = check(client.get("/api/v1/products?province=66&per_page=2&q=ca"), "/api/v1/products")
    assert (first["total"], first["pages"], len(first["items"])) == (3, 2, 2)
    assert first["links"]["prev"] is None
    next_url = urlsplit(first["links"]["next"])
    assert parse_qs(next_url.query) == {
        "province": ["66"],
        "per_page": ["2"],
        "q": ["ca"],
        "page": ["2"],
    }
    second = check(client.get(f"{next_url.path}?{next_url.query}"), "/api/v1/products")
    assert len(slugs(second)) == 1
    assert second["links"]["next"] is None
    prev_query = parse_qs(urlsplit(second["links"]["prev"]).query)
    assert prev_query == {"province": ["66"], "per_page": ["2"], "q": ["ca"]}  # page 1 is implied
    assert set(slugs(first)) | set(slugs(second)) == {
        "ca-phe-chon",
        "ca-phe-arabica",
        "ca-phe-robusta",
    }


def test_a_page_past_the_end_is_empty_and_points_back_to_the_last_page(client, world):
    body = check(client.get("/api/v1/products?page=9&per_page=2"), "/api/v1/products")
    assert body["items"] == [] and body["pages"] == 3
    assert parse_qs(urlsplit(body["links"]["prev"]).query)["page"] == ["3"]


def test_lists_may_be_cached_for_a_minute(client, world):
    for path in (
        "/api/v1/products",
        "/api/v1/producers",
        "/api/v1/product-sets",
        "/api/v1/provinces",
    ):
        assert client.get(path).headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize(
    "stocks, state",
    [([], "sold_out"), ([0, 0], "sold_out"), ([5], "low"), ([2, 3], "low"), ([6], "in_stock")],
)
def test_stock_state_is_low_at_five_units_or_fewer_in_total(stocks, state):
    product = Product(variants=[Variant(stock=n) for n in stocks])
    assert serializers.stock_state(product) == state


def test_the_product_detail_has_variants_images_and_description(client, world):
    body = check(client.get("/api/v1/products/ca-phe-robusta"), "/api/v1/products/{slug}")
    assert body["description"] == "Mô tả sản phẩm."
    assert body["variants"] == [
        {
            "sku": body["variants"][0]["sku"],
            "label": "Hộp 500g",
            "price": 200_000,
            "stock": 3,
            "in_stock": True,
        }
    ]
    key = "ab12" * 10
    assert body["images"] == [
        {
            "alt_text": "Gói",
            "width": 1200,
            "height": 900,
            "renditions": {
                str(w): f"http://localhost/media/{key}-{w}.webp" for w in (320, 800, 1600)
            },
        }
    ]
    assert body["product_set"]["name_en"] == "Coffee and cocoa"
    assert body["producer"]["slug"] == "alpha-coffee"
    arabica = check(client.get("/api/v1/products/ca-phe-arabica"), "/api/v1/products/{slug}")
    assert [v["price"] for v in arabica["variants"]] == [300_000, 90_000]
    assert arabica["images"] == [] and arabica["image"] is None


@pytest.mark.parametrize("name", ["expired", "revoked", "pending", "hidden", "suspended"])
def test_an_unlisted_product_is_in_no_list_and_has_no_detail(client, world, name):
    slug = world["unlisted"][name].slug
    for query in ("", "?province=66", "?producer=charlie-tea", "?q=ca+phe", "?per_page=100"):
        assert slug not in slugs(client.get(f"/api/v1/products{query}").json)
    check(client.get(f"/api/v1/products/{slug}"), "/api/v1/products/{slug}", 404)


def test_a_product_disappears_from_the_api_the_day_after_its_certificate_expires(
    client, db, frozen_today, dak_lak
):
    make_product(
        dak_lak, slug="het-han-mai", certificate={"decision_date": decided_to_expire_on(TODAY)}
    )
    db.session.commit()
    assert slugs(client.get("/api/v1/products").json) == ["het-han-mai"]
    assert client.get("/api/v1/products/het-han-mai").status_code == 200
    frozen_today(TODAY + dt.timedelta(days=1))
    assert slugs(client.get("/api/v1/products").json) == []
    assert client.get("/api/v1/products/het-han-mai").status_code == 404
    assert client.get("/api/v1/producers/alpha-coffee").status_code == 404


def test_an_unknown_product_is_a_json_404(client, world):
    body = check(client.get("/api/v1/products/no-such-thing"), "/api/v1/products/{slug}", 404)
    assert body["error"]["code"] == 404


# --- bad parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, param",
    [
        ("page=-1", "page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=" + "9" * 5000, "page"),
        ("page=99999999999999999999999999", "page"),
        ("per_page=1000", "per_page"),
        ("per_page=0", "per_page"),
        ("stars=2", "stars"),
        ("stars=4&stars=x", "stars"),
        ("stars=6", "stars"),
        ("province=9999", "province"),
        ("province=2", "province"),
        ("province=%C4%90%E1%BA%AFk", "province"),
        ("sort=evil", "sort"),
        ("sort=price_asc;DROP+TABLE+products", "sort"),
        ("price_min=5&price_max=1", "price_max"),
        ("price_min=-1", "price_min"),
        ("price_max=1e9", "price_max"),
        ("price_min=10000000000", "price_min"),
        ("group=VII", "group"),
        ("group=%E2%85%A1", "group"),
        ("set=0", "set"),
        ("set=100", "set"),
        ("producer=a%00b", "producer"),
        ("q=ca%00phe", "q"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, db, query, param):
    response = client.get(f"/api/v1/products?{query}")
    body = check(response, "/api/v1/products", 400)
    assert body["error"]["param"] == param
    assert body["error"]["code"] == 400 and body["error"]["message"]
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "query",
    [
        "page=",
        "q=%F0%9D%94%A0%F0%9D%94%9E",
        "q=" + "c%C3%A0+" * 300,
        "producer=" + "x" * 5000,
        "producer=c%C3%A0-ph%C3%AA",
        "unknown=1",
        "stars=",
    ],
)
def test_odd_but_harmless_parameters_are_accepted(client, db, query):
    check(client.get(f"/api/v1/products?{query}"), "/api/v1/products")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/%00",
        "/api/v1/producers/%00",
        "/api/v1/products/c%C3%A0-ph%C3%AA",
        "/api/v1/products/" + "x" * 5000,
        "/api/v1/nothing-here",
    ],
)
def test_nonsense_paths_are_json_404s(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json["error"]["code"] == 404


def test_the_api_is_read_only(client, db):
    response = client.post("/api/v1/products")
    assert response.status_code == 405 and response.json["error"]["code"] == 405


def test_producers_reject_bad_paging_and_provinces(client, db):
    for query, param in (
        ("page=0", "page"),
        ("per_page=101", "per_page"),
        ("province=3", "province"),
    ):
        body = check(client.get(f"/api/v1/producers?{query}"), "/api/v1/producers", 400)
        assert body["error"]["param"] == param


# --- producers, product sets, provinces -------------------------------------------------------


def test_producers_list_only_active_producers_with_listed_products_and_count_them(client, world):
    body = check(client.get("/api/v1/producers"), "/api/v1/producers")
    assert [(p["slug"], p["listed_products"]) for p in body["items"]] == [
        ("alpha-coffee", 4),
        ("bravo-honey", 1),
    ]
    assert body["total"] == 2
    alpha = body["items"][0]
    assert alpha["legal_form"] == "cooperative"
    assert alpha["province"] == {"code": DAK_LAK, "name": "Đắk Lắk"}
    assert alpha["products_url"] == "http://localhost/api/v1/products?producer=alpha-coffee"
    body = check(client.get("/api/v1/producers?province=1"), "/api/v1/producers")
    assert [p["slug"] for p in body["items"]] == ["bravo-honey"]
    body = check(client.get("/api/v1/producers?per_page=1&page=2"), "/api/v1/producers")
    assert [p["slug"] for p in body["items"]] == ["bravo-honey"]
    assert body["links"]["next"] is None and "per_page=1" in body["links"]["prev"]


def test_a_producer_detail_exists_only_while_it_has_listed_products(client, db, world):
    body = check(client.get("/api/v1/producers/alpha-coffee"), "/api/v1/producers/{slug}")
    assert body["listed_products"] == 4
    check(client.get("/api/v1/producers/charlie-tea"), "/api/v1/producers/{slug}", 404)
    check(client.get("/api/v1/producers/nobody"), "/api/v1/producers/{slug}", 404)
    make_producer(slug="empty-shelves")
    db.session.commit()
    check(client.get("/api/v1/producers/empty-shelves"), "/api/v1/producers/{slug}", 404)


def test_the_product_sets_are_the_26_of_the_decision(client, db):
    body = check(client.get("/api/v1/product-sets"), "/api/v1/product-sets")
    assert [s["code"] for s in body["items"]] == list(range(1, 27))
    coffee = body["items"][12]
    assert (coffee["group_code"], coffee["name_vi"], coffee["name_en"]) == (
        "I",
        "Cà phê, ca cao",
        "Coffee and cocoa",
    )
    assert {s["group_code"] for s in body["items"]} == {"I", "II", "III", "IV", "V", "VI"}


def test_the_provinces_are_the_34_current_ones(client, db):
    body = check(client.get("/api/v1/provinces"), "/api/v1/provinces")
    assert len(body["items"]) == 34
    assert {"code": 66, "name": "Đắk Lắk"} in body["items"]


# --- the certificate endpoint that was already there ------------------------------------------


def test_certificate_verification_matches_its_documented_shape(client, db, world):
    path = "/api/v1/certificates/{number}"
    number = world["listed"]["robusta"].certificates[0].number
    body = check(client.get(f"/api/v1/certificates/{number}"), path)
    assert body["status"] == "valid"
    revoked = world["unlisted"]["revoked"].certificates[0]
    revoked.revoked_at = dt.datetime(2026, 10, 1, 12)
    db.session.commit()
    body = check(client.get(f"/api/v1/certificates/{revoked.number}"), path)
    assert body["status"] == "revoked" and body["certificates"][0]["revoked_on"] == "2026-10-01"
    body = check(client.get("/api/v1/certificates/NO-SUCH-1"), path, 404)
    assert body["status"] == "unknown"


# --- a fixed number of queries ----------------------------------------------------------------


@pytest.fixture
def count_queries(db):
    """A context manager counting the SQL statements sent while it is open."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


def _fifty_products(db, producer):
    for n in range(50):
        product = make_product(
            producer,
            slug=f"san-pham-{n:02d}",
            product_set_code=1 + n % 26,
            variants=[{"price": 10_000 + n}, {"price": 20_000 + n, "stock": n % 3}],
        )
        db.session.add(ProductImage(product=product, key=f"{n:040x}", width=800, height=800))
    db.session.commit()


def test_the_product_list_costs_the_same_queries_for_2_or_50_items(
    client, db, frozen_today, dak_lak, count_queries
):
    _fifty_products(db, dak_lak)
    counts = {}
    for per_page in (2, 50):
        with count_queries() as statements:
            body = check(
                client.get(f"/api/v1/products?per_page={per_page}&sort=price_asc"),
                "/api/v1/products",
            )
        assert len(body["items"]) == per_page
        counts[per_page] = len(statements)
    # the page cache's version (a miss), count and page from the listing summary, variants,
    # images, product sets
    assert counts == {2: 6, 50: 6}


def test_the_producer_list_and_details_cost_a_fixed_number_of_queries(
    client, db, frozen_today, dak_lak, count_queries
):
    _fifty_products(db, dak_lak)
    for n in range(6):
        make_product(make_producer(slug=f"producer-{n:02d}"))
    db.session.commit()
    counts = {}
    for per_page in (2, 7):
        with count_queries() as statements:
            body = check(client.get(f"/api/v1/producers?per_page={per_page}"), "/api/v1/producers")
        assert len(body["items"]) == per_page
        counts[per_page] = len(statements)
    assert counts == {2: 3, 7: 3}  # the page cache's version (a miss), the count, the page
    with count_queries() as statements:
        check(client.get("/api/v1/products/san-pham-07"), "/api/v1/products/{slug}")
    assert len(statements) == 4  # the version, the product with its set, variants, images


# --- the document itself ----------------------------------------------------------------------


def test_the_openapi_document_is_valid_openapi_3_1(client, db):
    validate_openapi(DOCUMENT)
    served = check(client.get("/api/v1/openapi.json"), "/api/v1/openapi.json")
    assert served == json.loads(json.dumps(DOCUMENT))
    assert served["openapi"].startswith("3.1")
    schemas = served["components"]["schemas"]
    for name in (
        "Product",
        "ProductSummary",
        "Variant",
        "Certificate",
        "Producer",
        "ProductSet",
        "Province",
        "Error",
    ):
        Draft202012Validator.check_schema(schemas[name])


def _documented(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented_and_every_documented_path_exists(app):
    routes = {
        _documented(rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes == set(DOCUMENT["paths"])


def _parameters(path: str) -> dict[str, dict]:
    found = {}
    for parameter in DOCUMENT["paths"][path]["get"].get("parameters", []):
        parameter = resolved(parameter)
        found[parameter["name"]] = parameter
    return found


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/producers"])
def test_documented_bounds_and_enums_are_exactly_what_is_validated(client, db, path):
    for name, parameter in _parameters(path).items():
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        schema = schema.get("items", schema)
        accepted, refused = [], []
        if "minimum" in schema:
            accepted += [schema["minimum"], schema["maximum"]]
            refused += [schema["minimum"] - 1, schema["maximum"] + 1]
        if "enum" in schema:
            accepted += schema["enum"]
            if schema["type"] == "integer":
                refused += [n for n in range(max(schema["enum"]) + 2) if n not in schema["enum"]]
            else:
                refused += ["Z", schema["enum"][0] + "x"]
        for value in accepted:
            response = client.get(path, query_string={name: value})
            assert response.status_code == 200, (name, value, response.json)
        for value in refused:
            response = client.get(path, query_string={name: value})
            assert response.status_code == 400, (name, value)
            assert response.json["error"]["param"] == name


def test_per_page_defaults_and_is_capped_as_documented(client, db):
    per_page = _parameters("/api/v1/products")["per_page"]["schema"]
    assert (
        per_page["default"] == check(client.get("/api/v1/products"), "/api/v1/products")["per_page"]
    )
    assert per_page["maximum"] == MAX_PER_PAGE
