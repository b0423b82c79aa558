"""New shop instances for the backup tests, and ways to look inside archives.

An instance is an app with its own instance folder and its own, empty database: a new
SQLite file, or a new PostgreSQL database next to TEST_DATABASE_URL's (named after it, e.g.
`test_restore_1a2b3c4d`), dropped again when the test ends.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from shop import create_app
from shop.extensions import db
from tests.conftest import TEST_DATABASE_URL, IsolatedClient

ON_POSTGRES = (TEST_DATABASE_URL or "").startswith("postgresql")
SEARCH_BACKEND = "postgres" if ON_POSTGRES else "whoosh"


class Instances:
    """Makes instances on demand; `close()` disposes of them and drops their databases."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.apps: list[Flask] = []
        self.databases: list[str] = []

    def new(self, label: str, **config) -> Flask:
        if ON_POSTGRES:
            url = self._new_postgres_database(label)
        else:
            url = f"sqlite:///{self.folder / label / 'shop.db'}"
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=url,
            SQLALCHEMY_ENGINE_OPTIONS={},
            INSTANCE_PATH=str(self.folder / label / "instance"),
            **{"SEARCH_BACKEND": SEARCH_BACKEND, **config},
        )
        app.test_client_class = IsolatedClient
        self.apps.append(app)
        return app

    def _new_postgres_database(self, label: str) -> str:
        base = sa.make_url(TEST_DATABASE_URL)
        name = f"{base.database}_{label}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def _admin(statement: str) -> None:
        admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            admin.dispose()

    def close(self) -> None:
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for name in self.databases:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(root: Path) -> dict[str, str]:
    """relative path -> SHA-256 of every file under `root`."""
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def members(archive: Path) -> dict[str, bytes]:
    """Every member of an archive, in order."""
    with tarfile.open(archive, "r:*") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def repack(archive: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """A copy of `archive` with some members' bytes replaced (the manifest left as it was)."""
    with tarfile.open(target, "w") as out:
        for name, data in members(archive).items():
            data = replace.get(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


def table_counts(engine: sa.Engine) -> dict[str, int]:
    """Every table's row count, by plain SQL."""
    with engine.connect() as connection:
        return {
            name: connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))
            for name in sa.inspect(connection).get_table_names()
        }
