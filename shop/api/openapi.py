"""The OpenAPI 3.1 document of the public API: one Python dict, served as /api/v1/openapi.json.

Enumerations and bounds come from the code that validates them (browse, rules, enums, geo,
media), so the document cannot drift from the real checks; the tests validate every
response against these schemas.
"""

from __future__ import annotations

from typing import Any

from shop import geo, media
from shop.api.services import DEFAULT_PER_PAGE
from shop.catalog import browse
from shop.certification.rules import STAR_RANGE
from shop.enums import IssuingLevel, LegalForm
from shop.search.base import MAX_QUERY_LENGTH, MAX_QUERY_WORDS
from shop.search.base import SORTS as SEARCH_SORTS

MAX_PAGE = 100_000  # as browse.parse_filters
MAX_SET_CODE = 99  # as browse.parse_filters: an unknown code gives an empty list, not an error
STARS = list(STAR_RANGE)
JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object whose properties are all required unless named in `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
COUNT = {"type": "integer", "minimum": 0}
VND = {"type": "integer", "minimum": 1, "description": "Whole đồng (VND has no minor unit)."}
STAR_COUNT = {"type": "integer", "enum": STARS}

_PROVINCE = _object(
    {
        "code": {"type": "integer", "enum": sorted(code for code, _ in geo.provinces())},
        "name": STRING,
    }
)
_PRODUCT_SET = _object(
    {
        "code": {"type": "integer", "minimum": 1, "maximum": MAX_SET_CODE},
        "group_code": {"type": "string", "enum": list(browse.GROUPS)},
        "group_vi": STRING,
        "group_en": STRING,
        "name_vi": STRING,
        "name_en": STRING,
        "shippable": {"type": "boolean", "description": "False for sets sold only in person."},
    }
)
_PRODUCER_REF = {
    "slug": STRING,
    "name": STRING,
    "province": _ref("Province"),
    "url": {**URL, "description": "The producer's page on the shop."},
}
_PRODUCER = {
    **_PRODUCER_REF,
    "legal_form": {"type": "string", "enum": [form.value for form in LegalForm]},
    "description": STRING,
    "listed_products": {"type": "integer", "minimum": 1},
    "products_url": {**URL, "description": "Its listed products in this API."},
}
_CERTIFICATE = {
    "number": STRING,
    "stars": STAR_COUNT,
    "issuing_body": STRING,
    "issuing_level": {"type": "string", "enum": [level.value for level in IssuingLevel]},
    "decision_number": STRING,
    "decision_date": DATE,
    "expires_on": {**DATE, "description": "The last day the certificate is valid."},
    "verify_url": {**URL, "description": "The public verification page."},
}
_VARIANT = {
    "sku": STRING,
    "label": {**STRING, "description": 'The pack, e.g. "Hộp 500g".'},
    "price": VND,
    "stock": COUNT,
    "in_stock": {"type": "boolean"},
}
_IMAGE = {
    "alt_text": STRING,
    "width": {"type": "integer", "minimum": 1, "description": "The original's width in pixels."},
    "height": {"type": "integer", "minimum": 1},
    "renditions": {
        **_object({str(width): URL for width in media.WIDTHS}),
        "description": "WebP renditions by width in pixels (never upscaled).",
    },
}
_PRODUCT_SUMMARY = {
    "id": {"type": "integer"},
    "slug": STRING,
    "name": STRING,
    "url": {**URL, "description": "The product's page on the shop."},
    "stars": STAR_COUNT,
    "product_set": _ref("ProductSet"),
    "producer": _ref("ProducerRef"),
    "price_min": {**_nullable(VND), "description": "Lowest variant price; null without variants."},
    "price_max": _nullable(VND),
    "currency": {"type": "string", "const": "VND"},
    "in_stock": {"type": "boolean", "description": "Some variant has stock."},
    "stock_state": {
        "type": "string",
        "enum": ["in_stock", "low", "sold_out"],
        "description": "low: 5 units or fewer in total across the variants.",
    },
    "certificate": _ref("Certificate"),
    "image": {**_nullable(URL), "description": "The first photo's 320-pixel rendition."},
}
_PRODUCT = {
    **_PRODUCT_SUMMARY,
    "description": STRING,
    "claims": {
        **_object({"net_content": STRING, "ingredients": STRING, "shelf_life": STRING}),
        "description": "What the label claims, as staff approved it (empty when not given).",
    },
    "variants": {"type": "array", "items": _ref("Variant")},
    "images": {"type": "array", "items": _ref("Image")},
}
_LINKS = _object({"self": URL, "next": _nullable(URL), "prev": _nullable(URL)})


def _page_of(item: str, by_cursor: bool = False) -> dict[str, Any]:
    page: dict[str, Any] = {"type": "integer", "minimum": 1}
    if by_cursor:
        page = {
            **_nullable(page),
            "description": "The page's number; null on a page asked for by cursor (after).",
        }
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "page": page,
            "per_page": {"type": "integer", "minimum": 1, "maximum": browse.MAX_PER_PAGE},
            "total": COUNT,
            "pages": {"type": "integer", "minimum": 1},
            "links": _ref("Links"),
        }
    )


def _list_of(item: str) -> dict[str, Any]:
    return _object({"items": {"type": "array", "items": _ref(item)}})


_VERIFIED_CERTIFICATE = _object(
    {
        "number": STRING,
        "status": {"type": "string", "enum": ["valid", "expiring", "expired", "revoked"]},
        "days_left": {**_nullable(COUNT), "description": "Null unless valid or expiring."},
        "product": _object(
            {
                "name": {
                    **STRING,
                    "description": "The product's name as the certificate certifies it.",
                },
                "slug": STRING,
                "product_set": {
                    "type": "integer",
                    "description": "The certified product set (see /api/v1/product-sets).",
                },
                "sold_as": {
                    **_nullable(STRING),
                    "description": "Its name on the shop today; null when not on sale.",
                },
            }
        ),
        "producer": _object(
            {"name": STRING, "slug": STRING, "province": {**STRING, "description": "Its name."}}
        ),
        "stars": STAR_COUNT,
        "issuing_body": STRING,
        "issuing_level": _CERTIFICATE["issuing_level"],
        "decision_number": STRING,
        "decision_date": DATE,
        "expires_on": DATE,
        "verified_at": _nullable({"type": "string", "format": "date-time"}),
        "revoked_on": _nullable(DATE),
    }
)
_VERIFICATION = _object(
    {
        "number": {**STRING, "description": "The number as asked."},
        "status": {
            "type": "string",
            "enum": ["valid", "expiring", "expired", "revoked", "unknown"],
            "description": "The newest matching certificate's status; unknown when none.",
        },
        "certificates": {"type": "array", "items": _ref("VerifiedCertificate")},
    }
)
_ERROR = _object(
    {
        "error": _object(
            {
                "code": {"type": "integer"},
                "message": STRING,
                "param": {**STRING, "description": "The query parameter at fault (400 only)."},
            },
            optional=("param",),
        )
    }
)

SCHEMAS = {
    "Error": _ERROR,
    "Province": _PROVINCE,
    "ProductSet": _PRODUCT_SET,
    "ProducerRef": _object(_PRODUCER_REF),
    "Producer": _object(_PRODUCER),
    "Certificate": _object(_CERTIFICATE),
    "Variant": _object(_VARIANT),
    "Image": _object(_IMAGE),
    "ProductSummary": _object(_PRODUCT_SUMMARY),
    "Product": _object(_PRODUCT),
    "Links": _LINKS,
    "ProductPage": _page_of("ProductSummary", by_cursor=True),
    "ProducerPage": _page_of("Producer"),
    "ProductSetList": _list_of("ProductSet"),
    "ProvinceList": _list_of("Province"),
    "Verification": _VERIFICATION,
    "VerifiedCertificate": _VERIFIED_CERTIFICATE,
}


def _integer_param(name: str, low: int, high: int, description: str, **extra) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "integer", "minimum": low, "maximum": high, **extra},
    }


PARAMETERS = {
    "page": _integer_param(
        "page", 1, MAX_PAGE, "Page number; past the last page, no items.", default=1
    ),
    "per_page": _integer_param(
        "per_page", 1, browse.MAX_PER_PAGE, "Items per page.", default=DEFAULT_PER_PAGE
    ),
    "province": {
        "name": "province",
        "in": "query",
        "description": "A province code from /api/v1/provinces (34 since 1 July 2025).",
        "schema": _PROVINCE["properties"]["code"],
    },
}
_PRODUCT_FILTERS = [
    {
        "name": "q",
        "in": "query",
        "description": (
            "Words the product's slug (its name, folded) must all contain (the first "
            f"{MAX_QUERY_WORDS} words of the first {MAX_QUERY_LENGTH} characters). A query with "
            "no letter or digit matches nothing."
        ),
        "schema": STRING,
    },
    _integer_param("set", 1, MAX_SET_CODE, "A product-set code from /api/v1/product-sets."),
    {
        "name": "group",
        "in": "query",
        "description": "An OCOP group (Roman numeral, case ignored).",
        "schema": {"type": "string", "enum": list(browse.GROUPS)},
    },
    {"$ref": "#/components/parameters/province"},
    {
        "name": "producer",
        "in": "query",
        "description": "A producer's slug.",
        "schema": STRING,
    },
    {
        "name": "stars",
        "in": "query",
        "description": "Certificate stars; repeat for several (stars=4&stars=5).",
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": STAR_COUNT},
    },
    _integer_param(
        "price_min", 0, browse.MAX_PRICE, "The cheapest variant costs at least this many đồng."
    ),
    _integer_param(
        "price_max",
        0,
        browse.MAX_PRICE,
        "The cheapest variant costs at most this many đồng; not below price_min.",
    ),
    {
        "name": "sort",
        "in": "query",
        "description": (
            "newest first (default without q); relevance, best match first (default with q, "
            "allowed only with q); price_asc or price_desc by the cheapest variant's price; "
            "stars, most first. Ties go newest first."
        ),
        "schema": {"type": "string", "enum": list(SEARCH_SORTS)},
    },
    {
        "name": "after",
        "in": "query",
        "description": (
            "Without q: the opaque cursor of a `links.next`, for the page after the one that "
            "gave it (keyset paging: deep pages cost what the first does, and nothing shifts "
            "when products are listed meanwhile). `links.next` always carries one; page "
            "numbers still work, but `after` wins over `page`. With q, use page. A cursor "
            "made for another sort is refused."
        ),
        "schema": STRING,
    },
    {"$ref": "#/components/parameters/page"},
    {"$ref": "#/components/parameters/per_page"},
]


def _response(description: str, schema: str, cached: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": _ref(schema)}},
    }
    if cached:
        response["headers"] = {"Cache-Control": {"$ref": "#/components/headers/CacheControl"}}
    return response


BAD_PARAMETER = {"$ref": "#/components/responses/BadParameter"}
NOT_FOUND = {"$ref": "#/components/responses/NotFound"}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": STRING}


def _get(operation_id: str, summary: str, responses: dict, parameters=(), tag="catalogue"):
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = list(parameters)
    return {"get": operation}


PATHS = {
    "/api/v1/products": _get(
        "listProducts",
        "Listed products, filtered, sorted and paged as on the catalogue page",
        {"200": _response("One page of products", "ProductPage", True), "400": BAD_PARAMETER},
        _PRODUCT_FILTERS,
    ),
    "/api/v1/products/{slug}": _get(
        "getProduct",
        "One listed product with its variants, photos and certificate",
        {"200": _response("The product", "Product"), "404": NOT_FOUND},
        [SLUG],
    ),
    "/api/v1/producers": _get(
        "listProducers",
        "Active producers with at least one listed product, by slug",
        {"200": _response("One page of producers", "ProducerPage", True), "400": BAD_PARAMETER},
        [
            {"$ref": "#/components/parameters/province"},
            {"$ref": "#/components/parameters/page"},
            {"$ref": "#/components/parameters/per_page"},
        ],
    ),
    "/api/v1/producers/{slug}": _get(
        "getProducer",
        "One active producer with listed products",
        {"200": _response("The producer", "Producer"), "404": NOT_FOUND},
        [SLUG],
    ),
    "/api/v1/product-sets": _get(
        "listProductSets",
        "The OCOP product sets (Decision 148/QĐ-TTg)",
        {"200": _response("Every set, by code", "ProductSetList", True)},
    ),
    "/api/v1/provinces": _get(
        "listProvinces",
        "The 34 provinces and centrally-run cities",
        {"200": _response("Every province", "ProvinceList", True)},
    ),
    "/api/v1/certificates/{number}": _get(
        "verifyCertificate",
        "Whether a certificate number is genuine and valid",
        {
            "200": _response("The staff-verified certificates with this number", "Verification"),
            "404": _response('No verified certificate: status "unknown"', "Verification"),
        },
        [
            {
                "name": "number",
                "in": "path",
                "required": True,
                "description": "As printed (case and spaces ignored); may contain slashes.",
                "schema": {"type": "string", "maxLength": 80},
            }
        ],
        tag="certificates",
    ),
    "/api/v1/openapi.json": _get(
        "getOpenApiDocument",
        "This document",
        {
            "200": {
                "description": "The OpenAPI 3.1 document",
                "content": {JSON: {"schema": {"type": "object"}}},
            }
        },
        tag="meta",
    ),
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Chợ OCOP catalogue API",
        "version": "1.0.0",
        "summary": "Vietnam's OCOP-certified products, read-only, as JSON.",
        "description": (
            "Everything here is public and read-only: no login and no key. Only listable "
            "products appear: active, from an active producer, with an approved OCOP "
            "certificate that has not expired. Lists are cached for 60 seconds."
        ),
    },
    "tags": [
        {"name": "catalogue", "description": "Products, producers and reference data"},
        {"name": "certificates", "description": "Public certificate verification"},
        {"name": "meta", "description": "About the API itself"},
    ],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "responses": {
            "BadParameter": _response("A query parameter is invalid; `param` names it", "Error"),
            "NotFound": _response("Unknown, or not listed", "Error"),
        },
        "headers": {
            "CacheControl": {
                "description": "public, max-age=60",
                "schema": {"type": "string"},
            }
        },
    },
}
