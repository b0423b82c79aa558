"""Migration 0008: a shipment event's actor role becomes a checked enum, on a database that
already holds events; a value outside the four stops the upgrade instead of being changed."""

from __future__ import annotations

import uuid

import flask_migrate
import pytest
import sqlalchemy as sa

from shop import clock, create_app
from shop.extensions import db
from tests.conftest import FROZEN_TODAY, TEST_DATABASE_URL

BEFORE = "0007_orders_checkout_holds"
EVENTS = "SELECT actor_role FROM sub_order_events ORDER BY id"


def _a_shop_with_shipment_events() -> None:
    """An order whose two shipments were moved by the producer, the buyer and staff."""
    from shop.cart.models import Cart, CartLine
    from shop.catalog.services import sync_product_sets
    from shop.checkout.services import Delivery, place_order
    from shop.enums import OrderStatus, PaymentMethod
    from shop.geo import wards
    from shop.orders import states
    from tests.factories import make_product

    sync_product_sets()
    one, two = make_product(), make_product()
    cart = Cart(token="m" * 43)
    db.session.add(cart)
    db.session.add(CartLine(cart=cart, variant_id=one.variants[0].id, quantity=1))
    db.session.add(CartLine(cart=cart, variant_id=two.variants[0].id, quantity=1))
    db.session.commit()
    delivery = Delivery("Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", wards(66)[0][0], 66)
    order = place_order(cart, delivery, PaymentMethod.COD, "k" * 32, 300_000 + 60_000)
    first, second = order.sub_orders
    states.transition(first, OrderStatus.CONFIRMED, role=states.PRODUCER, actor_id=None)
    states.transition(first, OrderStatus.CANCELLED, role=states.BUYER, actor_id=None)
    states.transition(second, OrderStatus.CANCELLED, role=states.STAFF, actor_id=None)
    db.session.commit()
    db.session.remove()


def _insert_event(conn, role: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO sub_order_events (sub_order_id, from_status, to_status, actor_role, at,"
            " note) SELECT id, 'placed', 'cancelled', :role, CURRENT_TIMESTAMP, '' FROM sub_orders"
            " ORDER BY id LIMIT 1"
        ),
        {"role": role},
    )


def _check_migration(url: str, instance) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with app.app_context(), clock.frozen(FROZEN_TODAY):
        # The rows are made by today's code, then the schema goes back to 0007 with them.
        flask_migrate.upgrade()
        _a_shop_with_shipment_events()
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text(EVENTS)).scalars().all() == ["producer", "buyer", "staff"]
            _insert_event(conn, "admin")  # 0007 had no check
        with pytest.raises(SystemExit):  # flask-migrate logs the error and exits
            flask_migrate.upgrade()
        with db.engine.connect() as conn:  # nothing changed: still at 0007, the row kept
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
                BEFORE
            )
            assert "admin" in conn.execute(sa.text(EVENTS)).scalars().all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM sub_order_events WHERE actor_role = 'admin'"))
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text(EVENTS)).scalars().all() == ["producer", "buyer", "staff"]
            _insert_event(conn, "system")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _insert_event(conn, "admin")
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _insert_event(conn, "admin")
        db.engine.dispose()


def test_migration_0008_checks_the_actor_role_of_existing_events_on_sqlite(tmp_path):
    _check_migration(f"sqlite:///{tmp_path / 'deployed.db'}", tmp_path / "i")


@pytest.mark.postgres
def test_migration_0008_checks_the_actor_role_of_existing_events_on_postgresql(tmp_path):
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
