"""The public API fuzzed with schemathesis from the OpenAPI document the app itself serves.

Each operation gets a bounded, derandomized number of generated requests (valid and invalid
parameters), run in-process against the app (WSGI) on a small catalogue from the factories.
Every response must be no 5xx and conform to the document (status code, content type,
headers, body schema) as far as schemathesis' default checks go.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from shop import create_app
from tests.factories import make_certificate, make_producer, make_product

MAX_EXAMPLES = 25


@pytest.fixture
def api_schema(app, db, frozen_today):
    """A few producers and products (one with a second certificate), then the live document."""
    coffee_farm = make_producer(name="HTX Cà phê Ea Tu", slug="htx-ca-phe-ea-tu")
    coffee = make_product(coffee_farm, name="Cà phê Robusta", slug="ca-phe-robusta")
    make_certificate(coffee, number="OCOP-DL-0001", stars=5)
    make_product(
        make_producer(name="Cơ sở Nước mắm", slug="co-so-nuoc-mam", province_code=66),
        name="Nước mắm cá cơm",
        slug="nuoc-mam-ca-com",
        product_set_code=2,
        variants=[{"price": 90_000}, {"price": 180_000, "label": "Chai 1 lít"}],
    )
    make_product(coffee_farm, name="Trà sen", slug="tra-sen", certificate={"stars": 3})
    db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show up as a 500, not a raise
    # schemathesis asks for gzip but its WSGI transport does not decode it (a real HTTP client
    # does); the compression itself is tested in tests/integration/test_phone_pages.py
    app.config["COMPRESS_RESPONSES"] = False
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations() -> list[tuple[str, GenerationMode]]:
    """Every operation of the served document (read from an app, so new ones join), with
    valid data, and with invalid data where it has query parameters to get wrong."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_PATH="/tmp/api-fuzz")
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for path, item in sorted(document["paths"].items()):
        found.append((path, GenerationMode.POSITIVE))
        parameters = item["get"].get("parameters", [])
        if any("$ref" in p or p.get("in") == "query" for p in parameters):
            found.append((path, GenerationMode.NEGATIVE))
    return found


# schemathesis.pytest.from_fixture() reads pytest's private Node._nodeid, gone in pytest 9,
# so each operation's strategy is run with Hypothesis directly (the same generated cases).
@pytest.mark.parametrize("path, mode", _operations())
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(api_schema, path, mode):
    operation = api_schema[path]["GET"]
    seen = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # Not checked, being about leniency rather than faults: a valid-looking request may be
        # refused with a documented 400 when parameters contradict each other (price_max below
        # price_min), and the API reads an empty parameter as absent and a repeated one by its
        # first value (?price_min=&price_min=false is accepted).
        response = case.call_and_validate(
            excluded_checks=[positive_data_acceptance, negative_data_rejection]
        )
        assert response.status_code < 500, (case.formatted_path, case.query)
        seen.append(response.status_code)

    run()
    assert seen


def test_the_document_has_the_operations_the_fuzzer_covers(app, db):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = set(document["paths"])
    assert {"/api/v1/products", "/api/v1/products/{slug}", "/api/v1/producers"} <= paths
    assert len(paths) >= 6
