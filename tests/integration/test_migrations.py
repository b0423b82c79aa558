"""`flask db upgrade` on an empty database gives exactly the models' schema, on both engines."""

from __future__ import annotations

import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shop import create_app
from shop.extensions import db
from tests.conftest import TEST_DATABASE_URL


def _schema_differences(url: str, instance) -> list:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
    assert set(db.metadata.tables) <= tables
    return differences


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    assert _schema_differences(f"sqlite:///{tmp_path / 'migrated.db'}", tmp_path / "i") == []


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql(tmp_path):
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"ocop_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        differences = _schema_differences(url.render_as_string(hide_password=False), tmp_path / "i")
        assert differences == []
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_installs_what_the_postgres_search_backend_needs():
    import importlib.util
    from pathlib import Path

    from shop.search.postgres_backend import INSTALL_SQL

    path = Path(__file__).parents[2] / "migrations" / "versions" / "0001_initial_schema.py"
    spec = importlib.util.spec_from_file_location("initial_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    normalise = lambda statements: [" ".join(s.split()) for s in statements]  # noqa: E731
    assert normalise(module.POSTGRES_SEARCH_SQL) == normalise(INSTALL_SQL)


@pytest.mark.postgres
def test_migration_0003_fills_autocomplete_from_what_is_indexed(tmp_path):
    """On a deployed database, autocomplete's new tables hold what index() would write."""
    import datetime as dt

    from shop.catalog.services import sync_product_sets
    from shop.search import reindex
    from shop.search.documents import documents_for
    from shop.search.postgres_backend import _UPSERT, _params
    from tests.factories import make_producer, make_product

    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"ocop_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False),
            INSTANCE_PATH=str(tmp_path / "i"),
        )
        with app.app_context():
            # The rows are made by today's models (at head), then the schema goes back to
            # 0002 with them, as a deployment at 0002 held them.
            flask_migrate.upgrade()
            sync_product_sets()
            cooperative = make_producer(name="HTX Trà Shan Tuyết Suối Giàng")
            products = [
                make_product(cooperative, name="Trà shan tuyết cổ thụ"),
                make_product(
                    cooperative,
                    name="Trà shan tuyết búp",
                    certificate={"decision_date": dt.date(2024, 1, 15)},
                ),
                make_product(name="Mật ong bạc hà Mèo Vạc"),
            ]
            db.session.commit()
            # product_search as a deployment at 0002 holds it (written by the backend's SQL)
            documents, _gone = documents_for({p.id for p in products})
            db.session.execute(_UPSERT, [_params(d) for d in documents])
            db.session.commit()
            db.session.remove()
            flask_migrate.downgrade(revision="0002_listing_indexes")

            flask_migrate.upgrade()
            migrated = _autocomplete_rows()
            app.config["SEARCH_BACKEND"] = "postgres"
            app.extensions.pop("search_backend", None)
            reindex()
            db.session.commit()
            assert len(migrated[0]) == 3 and len(migrated[1]) == 2
            reindexed = _autocomplete_rows()
            # 0003 fills the suggestions from what was indexed, syllable by syllable; a reindex
            # (run once after upgrading, docs/architecture.md "Search") adds the joined forms
            # of adjacent syllables that today's indexer writes, and nothing else differs.
            assert migrated[1] == reindexed[1]
            assert [r[:3] + r[4:] for r in migrated[0]] == [r[:3] + r[4:] for r in reindexed[0]]
            added = [
                _lexemes(new) - _lexemes(old)
                for old, new in zip(migrated[0], reindexed[0], strict=True)
            ]
            assert [
                _lexemes(old) - _lexemes(new)
                for old, new in zip(migrated[0], reindexed[0], strict=True)
            ] == [
                set(),
                set(),
                set(),
            ]
            assert added == [
                {"trashan", "shantuyet", "tuyetco", "cothu"},
                {"trashan", "shantuyet", "tuyetbup"},
                {"matong", "ongbac", "bacha", "hameo", "meovac"},
            ]
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _lexemes(row) -> set[str]:
    """The words of a suggestion row's tsvector text ("'co':4 'shan':2" -> {"co", "shan"})."""
    return {part.split(":")[0].strip("'") for part in row[3].split()}


def _autocomplete_rows() -> tuple[list, list]:
    products = db.session.execute(
        sa.text(
            "SELECT product_id, name, slug, words::text, valid_until FROM search_suggestions"
            " ORDER BY product_id"
        )
    ).all()
    producers = db.session.execute(
        sa.text(
            "SELECT slug, name, words::text, valid_until FROM search_producer_suggestions"
            " ORDER BY slug"
        )
    ).all()
    return products, producers


def _accounts_through_0004(url: str, instance) -> list[tuple[int, str]]:
    """Upgrade to 0003, add three accounts as a deployed shop holds them, upgrade to head."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with app.app_context():
        flask_migrate.upgrade(revision="0003_search_suggestions")
        with db.engine.begin() as conn:
            for n in range(3):
                conn.execute(
                    sa.text(
                        "INSERT INTO users (email, password_hash, full_name, role, active,"
                        " preferred_language, created_at) VALUES (:email, 'x', 'A', 'customer',"
                        " true, 'vi', CURRENT_TIMESTAMP)"
                    ),
                    {"email": f"khach{n}@example.vn"},
                )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, session_token FROM users ORDER BY id")).all()
        db.engine.dispose()
    return [tuple(row) for row in rows]


def _assert_each_has_its_own_token(rows: list[tuple[int, str]]) -> None:
    tokens = [token for _id, token in rows]
    assert len(rows) == 3 and len(set(tokens)) == 3
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, base64url


def test_migration_0004_gives_each_existing_account_its_own_session_token_on_sqlite(tmp_path):
    rows = _accounts_through_0004(f"sqlite:///{tmp_path / 'deployed.db'}", tmp_path / "i")
    _assert_each_has_its_own_token(rows)


@pytest.mark.postgres
def test_migration_0004_gives_each_existing_account_its_own_session_token_on_postgresql(
    tmp_path,
):
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"ocop_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        rows = _accounts_through_0004(url.render_as_string(hide_password=False), tmp_path / "i")
        _assert_each_has_its_own_token(rows)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _audit_through_0012(url: str, instance) -> list[tuple[str, str | None]]:
    """Upgrade to 0011, add an audit entry as a deployed shop holds it, upgrade to head."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with app.app_context():
        flask_migrate.upgrade(revision="0011_phone_cancel_reason")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_entries (at, action, subject_type, subject_id, summary,"
                    " reason) VALUES (CURRENT_TIMESTAMP, 'certificate.revoked', 'Certificate',"
                    " 1, 'OCOP-00001 · Nước mắm Phú Quốc', 'Đã hết hạn')"
                )
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT search_text FROM audit_entries")).all()
        db.engine.dispose()
    return [row[0] for row in rows]


def test_migration_0012_folds_the_words_of_existing_audit_entries_on_sqlite(tmp_path):
    rows = _audit_through_0012(f"sqlite:///{tmp_path / 'deployed.db'}", tmp_path / "i")
    assert rows == ["ocop-00001 · nuoc mam phu quoc da het han"]


@pytest.mark.postgres
def test_migration_0012_folds_the_words_of_existing_audit_entries_on_postgresql(tmp_path):
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"ocop_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        rows = _audit_through_0012(url.render_as_string(hide_password=False), tmp_path / "i")
        assert rows == ["ocop-00001 · nuoc mam phu quoc da het han"]
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
