"""Backups proven by restoring them: under write load, into a new instance, on both engines.

The suite's own database (SQLite, or PostgreSQL with TEST_DATABASE_URL) is the shop being
backed up; each restore goes into a new instance (a new SQLite file, or a new PostgreSQL
database) and is compared with the manifest and the source by plain SQL and by hashing.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import stat
import threading
import time
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from shop import clock, geo
from shop.backup import create_backup
from shop.cart import services as carts
from shop.cart.models import Cart, CartLine
from shop.catalog.models import ProductImage, Variant
from shop.certification.models import Certificate
from shop.certification.scans import scans_root, store_scan
from shop.checkout.services import Delivery, place_order
from shop.enums import PaymentMethod
from shop.extensions import db as _db
from shop.media import media_root
from shop.orders.models import Order
from shop.producers.listing_services import add_image
from shop.search import SearchQuery, search_products
from tests import pdfs
from tests.backups import (
    ON_POSTGRES,
    SEARCH_BACKEND,
    Instances,
    files_under,
    members,
    repack,
    table_counts,
)
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_product, make_user
from tests.load.world import consistency_problems
from tests.scans import PDF, png_bytes

DAK_LAK = 66
DERIVED = {"product_search", "search_terms", "search_suggestions", "search_producer_suggestions"}
DELIVERY = Delivery(
    "Trần Thị Mai",
    "+84987654321",
    "mai@example.vn",
    "15 Lê Duẩn",
    geo.wards(DAK_LAK)[0][0],
    DAK_LAK,
)


@pytest.fixture
def instances(tmp_path):
    made = Instances(tmp_path / "instances")
    yield made
    made.close()


@pytest.fixture
def source(app, db):
    """The test's shop as deployed: its schema recorded at the migrations' head (the test
    database is built by create_all, which gives the same schema) and the engine's search."""
    app.config["SEARCH_BACKEND"] = SEARCH_BACKEND
    app.extensions.pop("search_backend", None)
    flask_migrate.stamp()
    yield app
    if ON_POSTGRES:  # the suite's database is shared by every test: leave it as it was
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def head_revision(app) -> str:
    return ScriptDirectory.from_config(
        app.extensions["migrate"].migrate.get_config()
    ).get_current_head()


PRODUCTS = ["Cà phê Robusta Ea Tu", "Mật ong hoa cà phê", "Chè Shan tuyết cổ thụ"]


def build_shop(db) -> dict:
    """A customer, three products with a photo each and certificates with scans, one order."""
    customer = make_user(email="mai@example.vn", full_name="Trần Thị Mai")
    products = []
    for n, name in enumerate(PRODUCTS):
        scan = store_scan(pdfs.one_page(b"/Lang(vi-%d)" % n))  # three different scans
        product = make_product(
            name=name,
            slug=f"san-pham-{n}",
            variants=[{"price": 100_000, "stock": 100_000, "sku": f"BK-{n}"}],
            certificate={"scan_path": scan.path, "scan_type": scan.content_type},
        )
        add_image(product, png_bytes(color=(60 * n, 90, 160)), "", product.producer.owner)
        products.append(product)
    db.session.commit()
    variant_ids = [p.variants[0].id for p in products]
    initial_stock = dict(db.session.execute(sa.select(Variant.id, Variant.stock)).all())
    _order(variant_ids[0])
    return {
        "initial_stock": initial_stock,
        "customer": customer.email,
        "variant_ids": variant_ids,
        "slugs": [p.slug for p in products],
    }


def _order(variant_id: int) -> Order:
    cart = Cart(
        token=secrets.token_urlsafe(32), lines=[CartLine(variant_id=variant_id, quantity=1)]
    )
    _db.session.add(cart)
    _db.session.commit()
    total = carts.view(cart).total
    return place_order(cart, DELIVERY, PaymentMethod.COD, secrets.token_hex(16), total)


class Writers:
    """Threads that keep the shop writing: buyers placing orders, a producer adding photos."""

    def __init__(self, app, variant_ids: list[int]):
        self.app = app
        self.variant_ids = variant_ids
        self.stopping = threading.Event()
        self.done = {"orders": 0, "photos": 0}
        self.busy = 0  # SQLite answered "database is locked": the writer tries again
        self.failures: list[str] = []
        self.threads = [
            threading.Thread(target=self._loop, args=(self._place_order,), daemon=True),
            threading.Thread(target=self._loop, args=(self._add_photo,), daemon=True),
        ]

    def start(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _loop(self, action) -> None:
        with self.app.app_context():
            n = 0
            while not self.stopping.is_set():
                n += 1
                try:
                    self.done[action(n)] += 1
                except sa.exc.OperationalError:
                    _db.session.rollback()
                    self.busy += 1
                except Exception as error:  # reported by the test
                    _db.session.rollback()
                    self.failures.append(repr(error))
                    return
            _db.session.remove()

    def _place_order(self, n: int) -> str:
        _order(self.variant_ids[n % len(self.variant_ids)])
        return "orders"

    def _add_photo(self, n: int) -> str:
        product = make_product(name=f"Sản phẩm mới {n}", slug=f"san-pham-moi-{n}")
        add_image(
            product,
            png_bytes(size=(60, 40), color=(n % 256, (7 * n) % 256, 200)),
            "",
            product.producer.owner,
        )
        _db.session.commit()
        return "photos"

    def wait_for(self, orders: int, photos: int, within: float = 60) -> None:
        """Until this many orders and photos more than now are committed."""
        goal = {"orders": self.done["orders"] + orders, "photos": self.done["photos"] + photos}
        deadline = time.monotonic() + within
        while any(self.done[k] < goal[k] for k in goal) and time.monotonic() < deadline:
            assert self.failures == [], self.failures
            time.sleep(0.01)
        assert all(self.done[k] >= goal[k] for k in goal), (self.done, goal, self.failures)


def count(db, table: str) -> int:
    with db.engine.connect() as connection:  # a new transaction: what is committed now
        return connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def restored_files() -> dict[str, str]:
    """archive name -> SHA-256 of every file in this instance's media and scans folders."""
    media = {f"media/{name}": sha for name, sha in files_under(media_root()).items()}
    return media | {f"scans/{name}": sha for name, sha in files_under(scans_root()).items()}


def buy_as(client, email: str, slug: str, variant_id: int):
    """Log in through the form, add one item to the cart, check out with cash on delivery."""

    def token(path: str) -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    signed_in = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token("/login")}
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    added = client.post(
        "/cart/add",
        data={"variant_id": variant_id, "quantity": 1, "csrf_token": token(f"/p/{slug}")},
    )
    assert added.status_code == 302
    details = {
        "privacy_consent": "y",
        "full_name": "Trần Thị Mai",
        "phone": "0987 654 321",
        "email": email,
        "province_code": str(DAK_LAK),
        "ward_code": str(geo.wards(DAK_LAK)[0][0]),
        "street": "15 Lê Duẩn",
        "note": "",
        "payment_method": "cod",
    }
    delivery = client.post("/checkout", data={**details, "csrf_token": token("/checkout")})
    assert delivery.status_code == 302, delivery.get_data(as_text=True)
    page = client.get("/checkout/review").get_data(as_text=True)
    reviewed = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
        for name in ("idempotency_key", "cart_revision", "details_key", "expected_total")
    }
    return client.post(
        "/checkout/place",
        data={**reviewed, "csrf_token": token("/")},
    )


def test_a_backup_taken_while_the_shop_sells_restores_row_for_row_and_file_for_file(
    source, db, instances, backups, frozen_today
):
    shop = build_shop(db)
    writers = Writers(source, shop["variant_ids"]).start()
    try:
        writers.wait_for(orders=3, photos=1)  # the shop is busy before the backup starts
        orders_at_start, images_at_start = count(db, "orders"), count(db, "product_images")

        def meanwhile(step: str) -> None:
            if step == "snapshot":  # orders and photos committed after the snapshot was taken
                writers.wait_for(orders=3, photos=2)

        result = create_backup(backups, progress=meanwhile)
    finally:
        writers.stop()
    assert writers.failures == []
    source_files = restored_files()
    source_tables = set(table_counts(db.engine))
    manifest = result.manifest

    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert set(manifest.tables) == source_tables - DERIVED  # every table is counted
    assert set(manifest.rebuilt_on_restore) == DERIVED & source_tables
    # the counts are the snapshot's: what came before it, not what came after
    assert orders_at_start <= manifest.tables["orders"] <= count(db, "orders") - 3
    assert images_at_start <= manifest.tables["product_images"] <= count(db, "product_images") - 2
    assert manifest.missing_references == []

    target = instances.new("restore")
    with target.app_context():
        outcome = target.test_cli_runner().invoke(args=["backup", "restore", str(result.path)])
        assert outcome.exit_code == 0, outcome.output
        assert "every count as in the manifest" in outcome.output

        restored = table_counts(_db.engine)
        assert {table: restored[table] for table in manifest.tables} == manifest.tables
        assert (
            consistency_problems(_db, shop["initial_stock"]) == []
        )  # every order whole, stock right

        archived = {n: e.sha256 for n, e in manifest.files.items() if not n.startswith("database/")}
        assert restored_files() == archived
        assert all(source_files[name] == sha for name, sha in archived.items())
        named = {
            *(f"media/{k[:2]}/{k}.jpg" for k in _db.session.scalars(sa.select(ProductImage.key))),
            *(
                f"scans/{path}"
                for path in _db.session.scalars(
                    sa.select(Certificate.scan_path).where(Certificate.scan_path.is_not(None))
                )
            ),
        }
        assert named <= set(archived)  # every photo and scan the restored rows name is there

        rows, _ = search_products(SearchQuery(text="mat ong", today=clock.today()))
        assert [product.name for product, _ in rows] == ["Mật ong hoa cà phê"]

        numbers = set(_db.session.scalars(sa.select(Order.number)))
        answer = buy_as(
            target.test_client(), shop["customer"], shop["slugs"][1], shop["variant_ids"][1]
        )
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/orders/OCOP-")
        placed = answer.headers["Location"].removeprefix("/orders/")
        assert placed not in numbers
        assert count(_db, "orders") == manifest.tables["orders"] + 1


def no_database(app) -> bool:
    """No table in the instance's database (on SQLite, not even a file)."""
    if ON_POSTGRES:
        with _db.engine.connect() as connection:
            return sa.inspect(connection).get_table_names() == []
    return not Path(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database).exists()


def nothing_restored(app) -> bool:
    """No database and no media or scans in the instance."""
    return no_database(app) and files_under(media_root()) == {} and files_under(scans_root()) == {}


def test_a_restore_refuses_an_instance_that_holds_data_unless_forced(
    source, db, instances, backups, frozen_today
):
    build_shop(db)
    archive = create_backup(backups).path
    busy = instances.new("busy")
    with busy.app_context():
        flask_migrate.upgrade()
        make_user(email="someone@example.vn")
        _db.session.commit()
        runner = busy.test_cli_runner()

        refused = runner.invoke(args=["backup", "restore", str(archive)])

        assert refused.exit_code == 1
        assert "already holds data (rows in users)" in refused.output
        assert "--force" in refused.output
        assert (count(_db, "users"), count(_db, "products")) == (1, 0)

        forced = runner.invoke(args=["backup", "restore", "--force", str(archive)])

        assert forced.exit_code == 0, forced.output
        emails = set(_db.session.scalars(sa.text("SELECT email FROM users")))
        assert "someone@example.vn" not in emails and "mai@example.vn" in emails
        assert count(_db, "products") == 3

    with_a_scan = instances.new("scan")
    with with_a_scan.app_context():
        scans_root().mkdir(parents=True)
        (scans_root() / "left-behind.pdf").write_bytes(PDF)
        refused = with_a_scan.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert refused.exit_code == 1
        assert f"already holds data (files in {scans_root()})" in refused.output
        assert no_database(with_a_scan) and list(files_under(scans_root())) == ["left-behind.pdf"]


def test_a_tampered_or_truncated_archive_is_refused_and_nothing_changes(
    source, db, instances, backups, frozen_today
):
    build_shop(db)
    archive = create_backup(backups).path
    photo = next(name for name in members(archive) if name.startswith("media/"))
    original = members(archive)[photo]
    middle = len(original) // 2
    altered_photo = original[:middle] + bytes([original[middle] ^ 0xFF]) + original[middle + 1 :]
    tampered = repack(archive, backups / "tampered.tar", {photo: altered_photo})
    truncated = backups / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    manifest = members(archive)["manifest.json"]
    recounted = manifest.replace(b'"orders": 1,', b'"orders": 2,')
    assert recounted != manifest
    miscounted = repack(archive, backups / "miscounted.tar", {"manifest.json": recounted})
    target = instances.new("target")
    with target.app_context():
        runner = target.test_cli_runner()

        altered = runner.invoke(args=["backup", "restore", str(tampered)])
        cut = runner.invoke(args=["backup", "restore", str(truncated)])
        recount = runner.invoke(args=["backup", "restore", str(miscounted)])

        assert altered.exit_code == 1
        assert f"does not match its manifest: 1 file(s) altered (first: {photo})" in altered.output
        assert cut.exit_code == 1
        assert "is damaged or truncated" in cut.output
        assert recount.exit_code == 1
        assert "manifest.json is damaged (its own checksum does not match)" in recount.output
        assert all("Nothing was changed" in r.output for r in (altered, cut, recount))
        assert nothing_restored(target)
        assert runner.invoke(args=["backup", "verify", str(tampered)]).exit_code == 1
        intact = runner.invoke(args=["backup", "verify", str(archive)])
        assert intact.exit_code == 0 and ": intact." in intact.output


def test_an_archive_from_a_newer_version_of_the_shop_is_refused_before_anything_changes(
    source, db, instances, backups, frozen_today
):
    build_shop(db)
    archive = create_backup(backups).path
    manifest = json.loads(members(archive)["manifest.json"])
    manifest["database"]["alembic_revision"] = "0099_from_the_future"
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    manifest["manifest_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    newer = repack(archive, backups / "newer.tar", {"manifest.json": json.dumps(manifest).encode()})
    target = instances.new("target")
    with target.app_context():
        outcome = target.test_cli_runner().invoke(args=["backup", "restore", str(newer)])

        assert outcome.exit_code == 1, outcome.output
        assert "made at schema revision 0099_from_the_future, which this version" in outcome.output
        assert nothing_restored(target)


def test_an_archive_from_an_older_schema_is_migrated_to_the_current_one_on_restore(
    instances, backups, frozen_today
):
    from shop.catalog.services import sync_product_sets

    old = instances.new("old", SEARCH_BACKEND="whoosh")  # 0002 has no autocomplete tables
    with old.app_context():
        # Today's models make the rows (at head); the schema then goes back to 0002 with them,
        # as a shop still at 0002 held them.
        flask_migrate.upgrade()
        sync_product_sets()
        product = make_product(name="Nước mắm nhĩ Phú Quốc", slug="nuoc-mam-nhi")
        add_image(product, png_bytes(), "", product.producer.owner)
        _db.session.commit()
        _db.session.remove()
        flask_migrate.downgrade(revision="0002_listing_indexes")
        manifest = create_backup(backups).manifest
    assert manifest.alembic_revision == "0002_listing_indexes"
    target = instances.new("new")
    with target.app_context():
        flask_migrate.upgrade()  # a new server set up with today's schema, then restored into
        if ON_POSTGRES:  # a table of something else in the same database
            with _db.engine.begin() as connection:
                connection.execute(sa.text("CREATE TABLE not_the_shops (id integer)"))

        outcome = target.test_cli_runner().invoke(
            args=["backup", "restore", str(backups / _only(backups))]
        )

        assert outcome.exit_code == 0, outcome.output
        assert f"revision 0002_listing_indexes -> {head_revision(target)}" in outcome.output
        versions = _db.session.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
        assert versions == [head_revision(target)]
        if ON_POSTGRES:  # the shop's newer tables were dropped and made again, not the other one
            assert "not_the_shops" in sa.inspect(_db.engine).get_table_names()
        rows, _ = search_products(SearchQuery(text="nuoc mam", today=clock.today()))
        assert [product.name for product, _ in rows] == ["Nước mắm nhĩ Phú Quốc"]


def _only(folder) -> str:
    (archive,) = [p.name for p in folder.iterdir() if p.name.endswith(".tar")]
    return archive


def test_the_manifest_names_every_file_with_its_checksum_and_the_snapshot_counts(
    source, db, backups, frozen_today
):
    build_shop(db)
    outcome = source.test_cli_runner().invoke(args=["backup", "create", str(backups)])
    assert outcome.exit_code == 0, outcome.output
    archive = backups / _only(backups)
    assert re.fullmatch(r"cho-ocop-\d{8}T\d{6}Z\.tar", archive.name)
    contents = members(archive)
    manifest = json.loads(contents.pop("manifest.json"))

    assert list(members(archive))[-1] == "manifest.json"
    assert manifest["format"] == "cho-ocop-backup" and manifest["format_version"] == 1
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert manifest["manifest_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert manifest["created_at"] == {
        "utc": "2026-11-30T05:00:00Z",
        "vietnam": "2026-11-30T12:00:00+07:00",
    }
    assert manifest["database"]["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["database"]["alembic_revision"] == head_revision(source)
    assert {"shop_backup", "python", "sqlite"} <= set(manifest["tools"])
    assert ("pg_dump" in manifest["tools"]) == ON_POSTGRES
    tables = manifest["database"]["tables"]
    assert {
        t: tables[t] for t in ("users", "products", "variants", "product_images", "orders")
    } == {
        "users": 4,
        "products": 3,
        "variants": 3,
        "product_images": 3,
        "orders": 1,
    }
    assert tables["alembic_version"] == 1
    assert manifest["files"] == {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in contents.items()
    }
    database_file = "database/shop.pgdump" if ON_POSTGRES else "database/shop.sqlite3.gz"
    assert [name for name in contents if name.startswith("database/")] == [database_file]
    scans = [name for name in contents if name.startswith("scans/")]
    assert sum(name.endswith(".pdf") for name in scans) == 3
    assert sum(name.endswith("-p1.png") for name in scans) == 3  # each one-page scan, drawn
    assert len(scans) == 6
    assert sum(name.startswith("media/") for name in contents) == 3 * 4  # 3 widths + a JPEG


def test_a_backup_is_refused_inside_the_instance_over_an_existing_file_or_in_a_missing_folder(
    source, db, backups
):
    from shop.backup import BackupRefused

    instance = Path(source.instance_path)
    (backups / "taken.tar").write_bytes(b"an older archive")
    cases = {
        instance / "backup.tar": f"Refusing to write the archive inside {instance.resolve()}",
        media_root(): "Refusing to write the archive inside",
        backups / "taken.tar": "already exists; archives are never overwritten",
        backups / "no-such-folder" / "b.tar": "does not exist",
    }
    for path, message in cases.items():
        with pytest.raises(BackupRefused, match=re.escape(message)):
            if path == media_root():
                path.mkdir(parents=True, exist_ok=True)
            create_backup(path)
    assert (backups / "taken.tar").read_bytes() == b"an older archive"
    assert sorted(p.name for p in backups.iterdir()) == ["taken.tar"]  # no leftovers


def test_a_backup_that_fails_half_way_leaves_nothing_behind(
    source, db, backups, monkeypatch, frozen_today
):
    from shop.backup import BackupRefused
    from shop.backup.archive import ArchiveWriter

    build_shop(db)
    written = []
    add_file = ArchiveWriter.add_file

    def disk_fills_up(writer, path, name):
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(name)
        return add_file(writer, path, name)

    monkeypatch.setattr(ArchiveWriter, "add_file", disk_fills_up)

    with pytest.raises(BackupRefused, match="The backup failed and nothing was written"):
        create_backup(backups)
    assert list(backups.iterdir()) == []  # no archive, no partial file, no staging folder


def test_a_database_without_a_migration_revision_is_not_backed_up(app, db, backups):
    outcome = app.test_cli_runner().invoke(args=["backup", "create", str(backups)])

    assert outcome.exit_code == 1
    assert "The database has no Alembic revision" in outcome.output
    assert "flask db stamp head" in outcome.output
    assert list(backups.iterdir()) == []


def test_a_photo_missing_from_disk_is_named_in_the_manifest_and_the_command_fails(
    source, db, backups, frozen_today
):
    build_shop(db)
    key = db.session.scalars(sa.select(ProductImage.key)).first()
    (media_root() / key[:2] / f"{key}-800.webp").unlink()

    outcome = source.test_cli_runner().invoke(args=["backup", "create", str(backups)])

    assert outcome.exit_code == 1
    assert (
        f"1 files the database refers to were not on disk (first: media/{key[:2]}/{key}-800.webp)"
        in outcome.output
    )
    manifest = json.loads(members(backups / _only(backups))["manifest.json"])
    assert manifest["missing_references"] == [f"media/{key[:2]}/{key}-800.webp"]


def test_the_files_a_photo_is_stored_as_are_the_ones_a_backup_looks_for(app):
    from shop.media import rendition_paths, store_image

    stored = store_image(png_bytes(size=(2000, 900)))

    assert sorted(files_under(media_root())) == sorted(rendition_paths(stored.key))
    assert rendition_paths("ab12") == [
        "ab/ab12-320.webp",
        "ab/ab12-800.webp",
        "ab/ab12-1600.webp",
        "ab/ab12.jpg",
    ]


def test_the_client_tools_get_the_url_s_parameters_and_the_password_only_in_a_private_file(
    app, tmp_path
):
    from shop.backup.postgres import connection_args

    url = sa.make_url(
        "postgresql+psycopg://shop:p%40ss%3Aw'rd@db.example.vn:6543/cho_ocop?sslmode=require"
    )

    conninfo, environment = connection_args(url, tmp_path)

    assert (
        conninfo
        == "host='db.example.vn' port='6543' user='shop' dbname='cho_ocop' sslmode='require'"
    )
    assert environment["PGPASSFILE"] == str(tmp_path / "pgpass")
    assert (tmp_path / "pgpass").read_text() == "*:*:*:*:p@ss\\:w'rd\n"
    assert stat.S_IMODE((tmp_path / "pgpass").stat().st_mode) == 0o600
    assert "p@ss" not in conninfo
