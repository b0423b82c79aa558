"""The database side of a backup: one consistent snapshot, and what is read from it.

Whatever the engine, the manifest's facts — every table's row count, the Alembic revision and
the files the rows refer to — are read from the very snapshot that goes into the archive:

- SQLite: `sqlite3.Connection.backup` copies every page in one step, inside one read
  transaction, so the copy is the database as of one instant even while the shop writes
  (writers wait for the copy, which takes well under a second at 10,000 products); the facts
  are then read from the copy itself.
- PostgreSQL: see postgres.py (a REPEATABLE READ transaction exports its snapshot, the facts
  are read in it, and pg_dump runs on that same snapshot with `--snapshot`).

The search tables are derived data: their rows are not archived (not counted either) and
the restore rebuilds the index from the restored catalogue.
"""

from __future__ import annotations

import gzip
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from shop.backup.errors import BackupRefused
from shop.catalog.models import ProductImage
from shop.certification.models import Certificate
from shop.search.models import ProductSearch, SearchProducerSuggestion, SearchSuggestion, SearchTerm

DERIVED_TABLES = frozenset(
    model.__tablename__
    for model in (ProductSearch, SearchTerm, SearchSuggestion, SearchProducerSuggestion)
)
# A restore overwrites only an instance none of these tables has a row in (or with --force).
DATA_TABLES = ("users", "products", "orders")
CHUNK = 1024 * 1024


@dataclass
class Snapshot:
    """The archived copy of the database and the facts read from the same snapshot."""

    file: Path
    engine: str
    revision: str
    tables: dict[str, int]
    rebuilt: list[str]
    image_keys: list[str]
    scan_paths: list[str]
    server_version: str
    tools: dict[str, str] = field(default_factory=dict)


def read_facts(connection: sa.Connection) -> dict:
    """Row counts, revision and referenced files, as this connection's snapshot sees them."""
    names = sorted(sa.inspect(connection).get_table_names())
    revision = ""
    if "alembic_version" in names:
        rows = connection.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
        revision = ",".join(sorted(rows))
    if not revision:
        raise BackupRefused(
            "The database has no Alembic revision (no row in alembic_version), so a restore "
            "could not bring it to the current schema. If its schema is current, record that "
            "with `flask db stamp head` and back up again."
        )
    return {
        "revision": revision,
        "tables": {
            name: count_rows(connection, name) for name in names if name not in DERIVED_TABLES
        },
        "rebuilt": [name for name in names if name in DERIVED_TABLES],
        "image_keys": list(connection.scalars(sa.select(ProductImage.__table__.c.key).distinct())),
        "scan_paths": list(
            connection.scalars(
                sa.select(Certificate.__table__.c.scan_path)
                .where(Certificate.__table__.c.scan_path.is_not(None))
                .distinct()
            )
        ),
    }


def count_rows(connection: sa.Connection, table: str) -> int:
    return connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))


def tables_with_rows(engine: sa.Engine) -> list[str]:
    """Which of DATA_TABLES hold at least one row (a missing table holds none)."""
    if engine.dialect.name == "sqlite" and not sqlite_file(engine.url).exists():
        return []  # (connecting would create an empty file)
    with engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names())
        return [
            table
            for table in DATA_TABLES
            if table in names
            and connection.scalar(sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1))
        ]


def restored_counts(engine: sa.Engine, tables: list[str]) -> dict[str, int | None]:
    """The row count of each table now (None for a table that is not there)."""
    with engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names())
        return {t: count_rows(connection, t) if t in names else None for t in tables}


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_file(url: sa.URL) -> Path:
    """The database file behind a SQLite URL (an in-memory database has none)."""
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupRefused("The database is in memory: there is nothing on disk to back up.")
    return Path(url.database).absolute()


def snapshot_sqlite(url: sa.URL, copy: Path) -> Snapshot:
    """Copy the live database to `copy` with SQLite's online backup API, then read its facts."""
    source_path = sqlite_file(url)
    if not source_path.is_file():
        raise BackupRefused(f"There is no database file at {source_path}.")
    source = sqlite3.connect(source_path, timeout=60)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # pages=-1: every page in one step, one read transaction
            verdict = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
    finally:
        source.close()
    if verdict != "ok":
        raise BackupRefused(
            f"The copy of the database fails SQLite's quick_check ({verdict}): the database "
            "itself may be damaged. No archive was written."
        )
    engine = sa.create_engine(f"sqlite:///{copy}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            facts = read_facts(connection)
    finally:
        engine.dispose()
    return Snapshot(
        file=copy,
        engine="sqlite",
        server_version=sqlite3.sqlite_version,
        **facts,
    )


def compressed(path: Path) -> Path:
    """Gzip `path` into `path`.gz (and remove it): the database compresses well, photos don't."""
    target = path.with_name(path.name + ".gz")
    with open(path, "rb") as source, gzip.open(target, "wb", compresslevel=6) as out:
        shutil.copyfileobj(source, out, CHUNK)
    path.unlink()
    return target


def restore_sqlite(url: sa.URL, archived: Path) -> None:
    """Put the archived (gzipped) database in place of the configured one.

    The new file is unpacked beside the target and renamed over it; a journal or write-ahead log
    left by the old file is removed first, since SQLite would otherwise apply it to the new.
    The file is owner-only: it holds personal data (run the restore as the shop's user).
    """
    target = sqlite_file(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.restore")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with gzip.open(archived, "rb") as source, os.fdopen(descriptor, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
