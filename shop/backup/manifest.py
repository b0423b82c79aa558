"""What an archive holds and how it is described: the layout and manifest.json.

An archive is one tar file:

    database/shop.sqlite3.gz  SQLite: a consistent copy made with the online backup API, gzipped
    database/shop.pgdump      PostgreSQL: pg_dump's custom format (compressed by pg_dump)
    media/…                   product photos (every rendition), as under MEDIA_ROOT
    scans/…                   certificate scans, as under instance/scans
    manifest.json             written last: counts, checksums and where the archive came from

The manifest names every other member with its SHA-256 and size, and gives the row count of
every table in the database's own snapshot; a restore accepts an archive only when the two
agree exactly, and compares the restored tables with the counts. The manifest carries the
SHA-256 of its own canonical form (`manifest_sha256`), so a damaged manifest is refused too.
(Checksums find damage, not a forger who rewrites the manifest as well: keep archives where
only the shop's operators can write, encrypted — docs/operations.md.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sqlite3
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from shop import clock
from shop.backup.errors import BackupRefused

FORMAT = "cho-ocop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database/shop.sqlite3.gz", "postgresql": "database/shop.pgdump"}
FILE_SETS = ("media", "scans")  # folders of content-addressed files, copied as they are
TOP_LEVEL = ("database", *FILE_SETS)


@dataclass
class FileEntry:
    sha256: str
    size: int


@dataclass
class Manifest:
    """The parsed manifest.json of an archive."""

    engine: str
    alembic_revision: str
    tables: dict[str, int]
    rebuilt_on_restore: list[str]
    files: dict[str, FileEntry]
    created_at: dict[str, str] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    server_version: str | None = None
    missing_references: list[str] = field(default_factory=list)

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.engine]

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "tools": self.tools,
            "database": {
                "engine": self.engine,
                "server_version": self.server_version,
                "file": self.database_file,
                "alembic_revision": self.alembic_revision,
                "tables": dict(sorted(self.tables.items())),
                "rebuilt_on_restore": sorted(self.rebuilt_on_restore),
            },
            "files": {
                name: {"sha256": entry.sha256, "size": entry.size}
                for name, entry in sorted(self.files.items())
            },
            "missing_references": sorted(self.missing_references),
        }
        document["manifest_sha256"] = _own_checksum(document)
        return json.dumps(document, indent=1, ensure_ascii=False).encode()


def _own_checksum(document: dict[str, Any]) -> str:
    """SHA-256 of the manifest's canonical JSON without this field."""
    body = {key: value for key, value in document.items() if key != "manifest_sha256"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def created_now() -> dict[str, str]:
    """This moment in UTC and in Vietnam's time (the shop's clock)."""
    moment = clock.now().replace(microsecond=0)
    return {
        "utc": moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "vietnam": moment.astimezone(clock.SHOP_TZ).isoformat(),
    }


def tool_versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The versions that made the archive (the format, Python, SQLite, pg_dump if used)."""
    return {
        "shop_backup": str(FORMAT_VERSION),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **(extra or {}),
    }


def safe_member_name(name: str) -> bool:
    """True for a relative path under one of the archive's folders, without `..`."""
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and len(path.parts) >= 2
        and path.parts[0] in TOP_LEVEL
        and all(part not in ("", ".", "..") for part in path.parts)
        and "\\" not in name
        and "\x00" not in name
    )


def parse(data: bytes) -> Manifest:
    """Read manifest.json, or refuse an archive this version cannot restore."""
    try:
        document = json.loads(data)
        if document.get("format") != FORMAT:
            raise BackupRefused("manifest.json is not a Chợ OCOP backup manifest.")
        if document.get("manifest_sha256") != _own_checksum(document):
            raise BackupRefused("manifest.json is damaged (its own checksum does not match).")
        version = document.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupRefused(
                f"The archive's format version {version!r} is newer than this shop understands "
                f"({FORMAT_VERSION}): restore it with the version of the shop that made it."
            )
        return _manifest(document)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise BackupRefused(f"manifest.json is damaged ({type(error).__name__}).") from None


def _manifest(document: dict[str, Any]) -> Manifest:
    database = document["database"]
    engine = database["engine"]
    if engine not in DATABASE_FILES:
        raise BackupRefused(f"The archive holds an unknown kind of database: {engine!r}.")
    files = {
        str(name): FileEntry(sha256=str(entry["sha256"]), size=int(entry["size"]))
        for name, entry in document["files"].items()
    }
    if not all(safe_member_name(name) for name in files):
        raise BackupRefused("manifest.json names a file outside the archive's folders.")
    tables = {str(name): int(count) for name, count in database["tables"].items()}
    return Manifest(
        engine=engine,
        alembic_revision=str(database["alembic_revision"]),
        tables=tables,
        rebuilt_on_restore=[str(name) for name in database.get("rebuilt_on_restore", [])],
        files=files,
        created_at=dict(document.get("created_at", {})),
        tools=dict(document.get("tools", {})),
        server_version=database.get("server_version"),
        missing_references=list(document.get("missing_references", [])),
    )
