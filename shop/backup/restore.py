"""`restore_backup()`: verify everything, then database, files, migrations, search, checks.

Into the instance this app is configured for (DATABASE_URL, INSTANCE_PATH, MEDIA_ROOT):

1. refuse an instance that holds data (a row in users, products or orders, or any file in
   the media or scans folders) unless `force`;
2. unpack the whole archive into a staging folder and check every member against the
   manifest (sizes and SHA-256) — a damaged, truncated or altered archive is refused here,
   before anything is touched;
3. restore the database (SQLite: the file is replaced; PostgreSQL: pg_restore in one
   transaction) and compare every table's row count with the manifest;
4. put the media and scans in place (each file renamed into place);
5. migrate to the current schema (`flask db upgrade`), so an archive from an older version
   of the shop comes back in today's schema;
6. rebuild the search index from the restored catalogue and check it.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from flask import current_app

from shop.backup import database, files, postgres
from shop.backup.archive import read_verified
from shop.backup.errors import BackupRefused
from shop.backup.manifest import Manifest
from shop.extensions import db

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class RestoreResult:
    manifest: Manifest
    revision: str
    files: int
    indexed: int
    search_problems: int
    pending_mail: int
    other_sessions: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def verify_archive(archive: Path) -> Manifest:
    """Read the whole archive and check it against its manifest, unpacking nothing."""
    return read_verified(Path(archive))


def data_found() -> list[str]:
    """What makes the configured instance non-empty (nothing: it may be restored into)."""
    found = [f"rows in {table}" for table in database.tables_with_rows(db.engine)]
    found += [f"files in {root}" for root in files.roots().values() if files.has_files(root)]
    return found


def restore_backup(
    archive: Path, force: bool = False, progress: Callable[[str], None] | None = None
) -> RestoreResult:
    """Restore `archive` into this instance; see the module's docstring for the steps."""
    report = progress or (lambda _step: None)
    _refuse_unless_empty(force)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    manifest, others, placed = _restore_data(Path(archive), report, started, seconds)
    try:
        flask_migrate.upgrade()
    except Exception as error:  # the data is in place: say what is left to do
        raise BackupRefused(
            f"The archive was restored at revision {manifest.alembic_revision}, but migrating "
            f"it to the current schema failed ({type(error).__name__}: {error}). Fix the cause, "
            "then run `flask db upgrade` and `flask search reindex`."
        ) from error
    revision = _revision()
    seconds["migrate"] = _lap(started, seconds)
    report("migrated")
    indexed, problems = _rebuild_search()
    seconds["search"] = _lap(started, seconds)
    report("search")
    return RestoreResult(
        manifest=manifest,
        revision=revision,
        files=placed,
        indexed=indexed,
        search_problems=problems,
        pending_mail=_pending_mail(),
        other_sessions=others,
        seconds=seconds,
    )


def _refuse_unless_empty(force: bool) -> None:
    try:
        found = data_found()
    except sa.exc.OperationalError as error:
        raise BackupRefused(
            f"The database to restore into cannot be reached ({error.orig}). On PostgreSQL, "
            "create it first (an empty database: createdb). Nothing was changed."
        ) from None
    if found and not force:
        raise BackupRefused(
            f"This instance already holds data ({'; '.join(found)}). A restore replaces it: "
            "run again with --force if that is what you want. Nothing was changed."
        )


def _restore_data(
    archive: Path, report: Callable[[str], None], started: float, seconds: dict[str, float]
) -> tuple[Manifest, int, int]:
    """Verify, then restore the database and put the files in place (staged in the instance
    folder, removed afterwards); returns (manifest, other sessions, files placed)."""
    staging = Path(current_app.instance_path) / f".restore-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700, parents=True)
    try:
        manifest = read_verified(archive, staging)
        _check_engine(manifest)
        _check_revision(manifest)
        seconds["verify"] = _lap(started, seconds)
        report("verified")
        others = _restore_database(manifest, staging)
        seconds["database"] = _lap(started, seconds)
        report("database")
        try:
            placed = _place_files(manifest, staging)
        except OSError as error:
            raise BackupRefused(
                f"The database was restored but the files could not all be put in place ({error})."
                " Fix the cause and run the restore again with --force."
            ) from None
        seconds["files"] = _lap(started, seconds)
        report("files")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest, others, placed


def _lap(started: float, seconds: dict[str, float]) -> float:
    return time.perf_counter() - started - sum(seconds.values())


def _check_engine(manifest: Manifest) -> None:
    here = db.engine.dialect.name
    if manifest.engine != here:
        raise BackupRefused(
            f"The archive holds a {ENGINE_NAMES.get(manifest.engine, manifest.engine)} database "
            f"and this shop is configured for {ENGINE_NAMES.get(here, here)} (DATABASE_URL): "
            "restore it into the same kind of database. Nothing was changed."
        )


def _check_revision(manifest: Manifest) -> None:
    """Refuse an archive made at a revision these migrations do not know (a newer shop)."""
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    config = current_app.extensions["migrate"].migrate.get_config()
    scripts = ScriptDirectory.from_config(config)
    for revision in manifest.alembic_revision.split(","):
        try:
            known = scripts.get_revision(revision)
        except (CommandError, RevisionError):
            known = None
        if known is None:
            raise BackupRefused(
                f"The archive was made at schema revision {revision}, which this version of the "
                "shop does not know (a newer version made it): restore it with that version or "
                "a later one. Nothing was changed."
            )


def _restore_database(manifest: Manifest, staging: Path) -> int:
    """Restore the dump, then compare every table's rows with the manifest's counts."""
    db.session.remove()
    engine = db.engine
    engine.dispose()
    staged = staging / manifest.database_file
    others = 0
    if manifest.engine == "sqlite":
        database.restore_sqlite(engine.url, staged)
    else:
        others = postgres.other_sessions(engine)
        archived = set(manifest.tables) | set(manifest.rebuilt_on_restore)
        postgres.restore_postgres(engine, staged, archived, set(db.metadata.tables), staging)
    engine.dispose()
    counts = database.restored_counts(engine, sorted(manifest.tables))
    differences = [
        f"{table}: {'missing' if counts[table] is None else counts[table]} rows, the manifest "
        f"says {expected}"
        for table, expected in sorted(manifest.tables.items())
        if counts[table] != expected
    ]
    if differences:
        raise BackupRefused(
            "The restored database does not match the manifest ("
            + "; ".join(differences[:10])
            + ")."
        )
    return others


def _place_files(manifest: Manifest, staging: Path) -> int:
    roots = files.roots()
    placed = 0
    for name in sorted(manifest.files):
        label, _, relative = name.partition("/")
        if label in roots:
            files.put_in_place(staging / name, roots[label] / relative)
            placed += 1
    return placed


def _revision() -> str:
    with db.engine.connect() as connection:
        rows = connection.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
    return ",".join(sorted(rows))


def _rebuild_search() -> tuple[int, int]:
    """Rebuild the configured search backend from the restored catalogue and check it."""
    from shop.search import check, reindex

    current_app.extensions.pop("search_backend", None)  # nothing cached from before
    indexed = reindex()
    db.session.commit()
    missing, extra = check()
    return indexed, len(missing) + len(extra)


def _pending_mail() -> int:
    from shop.mail import OutboxMessage

    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    )
