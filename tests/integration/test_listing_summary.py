"""The listing summary agrees with the listable rule's sources, and every write keeps it so.

`is_listable()` and `listable_products()` read `ListingSummary`; `listable_by_parts()` and
`current_certificate_id()` evaluate the rule on the products, producers and certificates
themselves. For random shops and days the two must select the same products with the same
current certificate; each kind of write (a flush, a conditional UPDATE, a bulk UPDATE or
DELETE through the session) must leave the summary as a recomputation gives it, in the same
transaction. (tests/conftest.py also checks the summary after every test with an app.)
"""

from __future__ import annotations

import datetime as dt
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop import clock, create_app
from shop.catalog import rules, summary
from shop.catalog.models import ListingSummary, Product, ProductSet, Variant
from shop.certification.models import Certificate
from shop.conditional import change
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from shop.extensions import db as _db
from shop.producers.models import Producer
from tests.concurrency import Race
from tests.conftest import FROZEN_TODAY, TEST_DATABASE_URL
from tests.factories import make_certificate, make_producer, make_product

BASE = dt.date(2024, 1, 1)

certificates = st.lists(
    st.tuples(
        st.sampled_from(list(CertificateStatus)),
        st.integers(-1200, 900),  # decision day, from BASE
        st.one_of(st.none(), st.integers(1, 1500)),  # an expiry other than 36 months later
        st.integers(3, 5),  # stars
    ),
    max_size=4,
)
products = st.lists(
    st.tuples(
        st.integers(0, 2),  # which producer
        st.sampled_from(list(ProductStatus)),
        st.sampled_from([1, 13, 20]),  # product sets of three groups
        st.lists(st.integers(1_000, 900_000), max_size=2),  # variant prices
        certificates,
    ),
    min_size=1,
    max_size=6,
)
shops = st.tuples(st.lists(st.sampled_from(list(ProducerStatus)), min_size=3, max_size=3), products)
days = st.lists(st.integers(-1300, 2500), min_size=1, max_size=6)


def _build(producer_states, product_specs) -> None:
    producers = [make_producer(status=status) for status in producer_states]
    for which, status, set_code, prices, certs in product_specs:
        product = make_product(
            producers[which],
            status=status,
            product_set_code=set_code,
            certificate=False,
            variants=[{"price": price} for price in prices],
        )
        if not prices:  # make_product always adds one: a product without variants
            _db.session.delete(product.variants[0])
        for cert_status, decided, lasts, stars in certs:
            decision = BASE + dt.timedelta(days=decided)
            fields = {"decision_date": decision, "stars": stars, "status": cert_status}
            if lasts is not None:
                fields["expires_on"] = decision + dt.timedelta(days=lasts)
            make_certificate(product, **fields)
    _db.session.flush()


def _by_summary(day: dt.date) -> dict[int, int]:
    rows = _db.session.execute(
        rules.listable_products(day).with_only_columns(Product.id, Certificate.id)
    )
    return dict(rows.all())


def _by_parts(day: dt.date) -> dict[int, int]:
    rows = _db.session.execute(
        sa.select(Product.id, rules.current_certificate_id(day))
        .join(Product.producer)
        .where(rules.listable_by_parts(day))
    )
    return dict(rows.all())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shop=shops, offsets=days)
def test_the_summary_lists_what_the_rule_lists_with_the_same_current_certificate(db, shop, offsets):
    try:
        _build(*shop)
        all_ids = set(db.session.scalars(sa.select(Product.id)))
        for offset in offsets:
            day = BASE + dt.timedelta(days=offset)
            expected = _by_parts(day)
            assert _by_summary(day) == expected, day
            listed = set(db.session.scalars(sa.select(Product.id).where(rules.is_listable(day))))
            assert listed == set(expected)
            reasons = rules.unlisted_reasons(all_ids, day)
            assert {i for i, reason in reasons.items() if reason is None} == set(expected)
        assert summary.drift(db.session.connection()) == (set(), set())
    finally:
        db.session.rollback()  # the summary's rows were written in the same transaction


def test_stretches_follow_an_older_certificate_that_outlives_a_newer_one():
    old = (1, 3, dt.date(2027, 6, 30))
    new = (2, 5, dt.date(2026, 12, 31))
    older = (3, 4, dt.date(2026, 1, 1))
    assert summary.stretches([new, old, older]) == [
        (summary.BEGINNING, new),
        (dt.date(2027, 1, 1), old),
    ]


# --- every kind of write keeps it, in its own transaction ---------------------------------


def _row(product: Product) -> dict | None:
    """The product's summary row valid on the frozen day, as seen inside the transaction."""
    found = _db.session.execute(
        sa.select(ListingSummary).where(
            ListingSummary.product_id == product.id, *rules.listed_on(clock.today())
        )
    ).scalar_one_or_none()
    if found is None:
        return None
    return {
        "stars": found.stars,
        "price_from": found.price_from,
        "group": found.group_code,
        "province": found.province_code,
    }


def _in_step() -> None:
    assert summary.drift(_db.session.connection()) == (set(), set())


def test_a_new_product_with_an_approved_certificate_is_summarised_by_the_flush(db, frozen_today):
    product = make_product(certificate={"stars": 5}, variants=[{"price": 120_000}])
    assert _row(product) == {"stars": 5, "price_from": 120_000, "group": "I", "province": 1}
    _in_step()


def test_a_conditional_update_of_the_product_removes_its_row_before_the_commit(db, frozen_today):
    product = make_product()
    db.session.commit()
    assert change(product, Product.status == ProductStatus.ACTIVE, status=ProductStatus.HIDDEN)
    assert _row(product) is None
    _in_step()
    db.session.rollback()  # and the rollback takes the summary's change back with it
    assert _row(product) is not None


def test_a_revoked_certificate_by_conditional_update_unlists_at_once(db, frozen_today):
    product = make_product()
    certificate = product.certificates[0]
    assert change(
        certificate,
        Certificate.status == CertificateStatus.APPROVED,
        status=CertificateStatus.REVOKED,
    )
    assert _row(product) is None
    _in_step()


def test_a_bulk_update_of_producers_through_the_session_is_followed(db, frozen_today):
    one, two = make_product(), make_product()
    db.session.execute(
        sa.update(Producer)
        .where(Producer.id == one.producer_id)
        .values(status=ProducerStatus.SUSPENDED)
        .execution_options(synchronize_session=False)
    )
    assert _row(one) is None and _row(two) is not None
    _in_step()


def test_a_bulk_delete_of_variants_through_the_session_is_followed(db, frozen_today):
    product = make_product(variants=[{"price": 50_000}, {"price": 80_000}])
    db.session.execute(sa.delete(Variant).where(Variant.price == 50_000))
    assert _row(product)["price_from"] == 80_000
    _in_step()


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda p: setattr(p.variants[0], "price", 99_000), {"price_from": 99_000}),
        (lambda p: setattr(p.producer, "province_code", 79), {"province": 79}),
        (lambda p: setattr(p, "product_set_code", 20), {"group": "III"}),
        (lambda p: setattr(p.certificates[0], "stars", 3), {"stars": 3}),
    ],
    ids=["variant price", "producer province", "product set", "certificate stars"],
)
def test_an_edit_flushed_by_the_unit_of_work_is_followed(db, frozen_today, edit, expected):
    product = make_product(certificate={"stars": 4}, variants=[{"price": 150_000}])
    edit(product)
    db.session.flush()
    assert expected.items() <= _row(product).items()
    _in_step()


def test_a_product_sets_group_change_reaches_its_products(db, frozen_today):
    product = make_product(product_set_code=13)
    db.session.commit()
    product_set = db.session.get(ProductSet, 13)
    before = product_set.group_code
    product_set.group_code = "VI"
    db.session.flush()
    assert _row(product)["group"] == "VI"
    db.session.rollback()
    assert _row(product)["group"] == before


def test_a_stock_change_does_not_recompute(db, frozen_today, count_queries):
    product = make_product()
    db.session.commit()
    with count_queries() as statements:
        product.variants[0].stock = 3
        db.session.flush()
    assert statements["sql"] and not any("listing_summary" in s for s in statements["sql"])


def test_a_write_that_bypasses_the_session_shows_as_drift_until_refreshed(db, frozen_today):
    product = make_product()
    db.session.commit()
    with db.engine.begin() as connection:  # Core on a connection: no hook sees it
        connection.execute(
            sa.update(Product.__table__)
            .where(Product.__table__.c.id == product.id)
            .values(status="hidden")
        )
        stale, missing = summary.drift(connection)
        assert {row[0] for row in stale} == {product.id} and not missing
        summary.refresh(connection, [product.id])
        assert summary.drift(connection) == (set(), set())


def test_two_transactions_changing_one_product_at_once_leave_one_true_row(app, db, frozen_today):
    product = make_product(certificate={"stars": 4}, variants=[{"price": 150_000}])
    variant, certificate = product.variants[0], product.certificates[0]
    db.session.commit()

    def in_own_session(edit):
        def run():
            with app.app_context():
                from shop.extensions import db as scoped

                try:
                    edit(scoped.session)
                    scoped.session.commit()
                finally:
                    scoped.session.remove()

        return run

    reprice = in_own_session(lambda s: setattr(s.get(Variant, variant.id), "price", 99_000))
    regrade = in_own_session(lambda s: setattr(s.get(Certificate, certificate.id), "stars", 3))
    row = db.session.scalars(
        sa.select(ListingSummary.id).where(ListingSummary.product_id == product.id)
    ).one()
    # Holding the summary row lets both change their source first, then meet at the summary.
    with Race(db, rows=[(ListingSummary, row)]) as race:
        race.start(reprice)
        race.start(regrade)

    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(ListingSummary).where(ListingSummary.product_id == product.id)
    ).all()
    assert [(r.price_from, r.stars) for r in rows] == [(99_000, 3)]
    _in_step()


# --- the pages that read it cost a fixed number of queries ---------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/products",
        "/products?sort=price_asc&province=1",
        "/products?sort=price_desc&group=I",
        "/products?sort=stars&stars=4&price_max=500000",
        "/provinces/ha-noi",
        "/api/v1/products?sort=stars",
        "/api/v1/producers",
        "/sitemap-pages.xml",
    ],
)
def test_catalogue_pages_cost_the_same_queries_for_3_or_30_products(
    app, client, db, frozen_today, count_queries, path
):
    app.config["GROUP_COUNTS_CACHE_SECONDS"] = 0  # count each time, as the first request does
    counts = []
    for _ in range(2):
        while db.session.scalar(sa.select(sa.func.count()).select_from(Product)) < (
            3 if not counts else 30
        ):
            make_product(certificate={"stars": 4}, variants=[{"price": 90_000}, {"price": 1}])
        db.session.commit()
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        counts.append(statements["n"])
    assert counts[0] == counts[1]


# --- the migration fills it --------------------------------------------------------------


def _check_migration(url: str, instance) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with app.app_context(), clock.frozen(FROZEN_TODAY):
        from shop.catalog.services import sync_product_sets

        flask_migrate.upgrade()
        sync_product_sets()
        make_product(certificate={"stars": 5})
        renewed = make_product(certificate={"decision_date": dt.date(2024, 1, 5)})
        make_certificate(
            renewed, decision_date=dt.date(2025, 3, 1), expires_on=dt.date(2026, 12, 31)
        )
        make_product(status=ProductStatus.HIDDEN)
        _db.session.commit()
        with _db.engine.connect() as conn:
            made = conn.execute(sa.text("SELECT count(*) FROM listing_summary")).scalar()
        assert made == 3  # one each, and the renewal's older certificate for after its expiry
        flask_migrate.downgrade(revision="0012_audit_search_text")
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM listing_summary")).scalar() == 3
            assert summary.drift(conn) == (set(), set())
        _db.session.remove()
        _db.engine.dispose()


def test_migration_0014_fills_the_summary_of_an_existing_shop_on_sqlite(tmp_path):
    _check_migration(f"sqlite:///{tmp_path / 'deployed.db'}", tmp_path / "i")


@pytest.mark.postgres
def test_migration_0014_fills_the_summary_of_an_existing_shop_on_postgresql(tmp_path):
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"ocop_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        _check_migration(url.render_as_string(hide_password=False), tmp_path / "i")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
