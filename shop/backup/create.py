"""`create_backup()`: the database snapshot, then the files, then the manifest, in one archive."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from shop import clock
from shop.backup import database, files, postgres
from shop.backup.archive import ArchiveWriter
from shop.backup.errors import BackupRefused
from shop.backup.manifest import DATABASE_FILES, Manifest, created_now, tool_versions
from shop.extensions import db

Progress = Callable[[str], None]


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    size: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return sum(1 for name in self.manifest.files if not name.startswith("database/"))


def archive_path(requested: Path) -> Path:
    """Where to write: `requested`, or a dated name inside it if it is a folder.

    Refused: a folder that does not exist, a file that exists (archives are never
    overwritten), and anywhere inside the instance, media or scans folders (a copy kept on
    the disk it protects is lost with it, and would be swept into the next archive).
    """
    path = Path(requested).expanduser()
    if path.is_dir():
        stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = path / f"cho-ocop-{stamp}.tar"
    parent = path.parent.resolve()
    if not parent.is_dir():
        raise BackupRefused(f"The folder {parent} does not exist.")
    path = parent / path.name
    protected = [Path(current_app.instance_path), *files.roots().values()]
    for folder in protected:
        folder = folder.resolve()
        if path == folder or folder in path.parents:
            raise BackupRefused(
                f"Refusing to write the archive inside {folder}: keep backups off the shop's "
                "own folders (and off this machine)."
            )
    if path.exists():
        raise BackupRefused(f"{path} already exists; archives are never overwritten.")
    return path


def create_backup(requested: Path, progress: Progress | None = None) -> BackupResult:
    """Write one archive of the database, the media and the scans; returns what it holds.

    `progress(step)` is called after each step: "snapshot" (the database's consistent copy
    is taken and counted), "database", "files", "done". Whatever fails, no archive and no
    temporary file is left behind.
    """
    report = progress or (lambda _step: None)
    destination = archive_path(requested)
    staging = destination.parent / f".{destination.name}.{secrets.token_hex(4)}.staging"
    staging.mkdir(mode=0o700)
    seconds: dict[str, float] = {}
    created_at = created_now()  # the snapshot is taken right after: the data is as of then
    started = time.perf_counter()
    try:
        with ArchiveWriter(destination) as writer:
            manifest = _write(writer, staging, report, seconds)
            manifest.created_at = created_at
            writer.add_manifest(manifest)
            writer.commit()
    except (OSError, sqlite3.Error, sa.exc.OperationalError) as error:
        detail = getattr(error, "orig", None) or error
        raise BackupRefused(
            f"The backup failed and nothing was written ({type(detail).__name__}: {detail})."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    seconds["total"] = time.perf_counter() - started
    report("done")
    return BackupResult(destination, manifest, destination.stat().st_size, seconds)


def _write(writer: ArchiveWriter, staging: Path, report: Progress, seconds: dict) -> Manifest:
    """Database first, then the files; the manifest of what was written."""
    started = time.perf_counter()
    snapshot = _snapshot(staging, lambda: report("snapshot"))
    writer.add_file(snapshot.file, DATABASE_FILES[snapshot.engine])
    snapshot.file.unlink()
    seconds["database"] = time.perf_counter() - started
    report("database")
    for label, root in files.roots().items():
        for path, relative in files.stored_files(root):
            writer.add_file(path, f"{label}/{relative}")
    seconds["files"] = time.perf_counter() - started - seconds["database"]
    report("files")
    missing = files.referenced(snapshot.image_keys, snapshot.scan_paths) - writer.files.keys()
    return Manifest(
        engine=snapshot.engine,
        alembic_revision=snapshot.revision,
        tables=snapshot.tables,
        rebuilt_on_restore=snapshot.rebuilt,
        files=dict(writer.files),
        tools=tool_versions(snapshot.tools),
        server_version=snapshot.server_version,
        missing_references=sorted(missing),
    )


def _snapshot(staging: Path, paused: Callable[[], None]) -> database.Snapshot:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        snapshot = database.snapshot_sqlite(engine.url, staging / "shop.sqlite3")
        snapshot.file = database.compressed(snapshot.file)
        paused()
        return snapshot
    if engine.dialect.name == "postgresql":
        return postgres.snapshot_postgres(engine, staging / "shop.pgdump", staging, paused)
    raise BackupRefused(f"Backups support SQLite and PostgreSQL, not {engine.dialect.name}.")
