"""Writing an archive atomically and owner-only; reading one back only if every byte checks.

The writer streams each file into a tar file while hashing it (one read per file), under a
temporary name in the destination's folder, created with mode 0600 (the archive holds
personal data); `commit()` flushes it to disk and renames it into place, so a crash or a full
disk never leaves something that looks like a finished archive.

The reader streams the archive once, unpacking every member into a staging folder while
hashing it, and refuses the archive unless the members are exactly the manifest's files with
their sizes and SHA-256 — so a damaged, truncated or altered archive is refused before the
restore touches anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import tarfile
import time
import zlib
from pathlib import Path
from typing import BinaryIO

from shop.backup.errors import BackupRefused
from shop.backup.manifest import MANIFEST, FileEntry, Manifest, parse, safe_member_name

CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """A tar file written beside `destination` and renamed to it by `commit()`."""

    def __init__(self, destination: Path):
        self.destination = destination
        self.partial = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.part")
        descriptor = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(descriptor, 0o600)  # whatever the umask
        self._raw = os.fdopen(descriptor, "wb")
        # A plain tar: photos and scans are compressed formats already, and compressing them
        # again ran at ~15 MB/s on this machine (the database is compressed on its own).
        self._tar = tarfile.open(  # noqa: SIM115  (closed by commit() or abort())
            fileobj=self._raw, mode="w", format=tarfile.PAX_FORMAT
        )
        self.files: dict[str, FileEntry] = {}

    def add_file(self, source: Path, name: str) -> FileEntry:
        """Store `source` as `name`; returns its checksum and size, also kept in `files`."""
        with open(source, "rb") as handle:
            status = os.fstat(handle.fileno())
            info = self._info(name, status.st_size, int(status.st_mtime))
            reader = _Hashing(handle)
            self._tar.addfile(info, reader)
        entry = FileEntry(sha256=reader.digest.hexdigest(), size=reader.size)
        self.files[name] = entry
        return entry

    def add_manifest(self, manifest: Manifest) -> None:
        """Write manifest.json, the last member."""
        data = manifest.to_json()
        self._tar.addfile(self._info(MANIFEST, len(data), int(time.time())), io.BytesIO(data))

    @staticmethod
    def _info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, mtime
        return info

    def commit(self) -> Path:
        """Finish the archive, make it durable, and give it its final name."""
        self._tar.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.partial, self.destination)
        _sync_folder(self.destination.parent)
        return self.destination

    def abort(self) -> None:
        """Drop the unfinished archive."""
        for closing in (self._tar.close, self._raw.close):
            with contextlib.suppress(OSError, ValueError, tarfile.TarError):
                closing()
        self.partial.unlink(missing_ok=True)

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, kind, _value, _traceback) -> None:
        if kind is not None and not self._raw.closed:
            self.abort()


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_verified(archive: Path, staging: Path | None = None) -> Manifest:
    """Check every member of `archive` against its manifest; unpack into `staging` if given.

    Raises BackupRefused when the archive cannot be read to its end, holds anything the
    manifest does not list (or lacks anything it lists), or any size or checksum differs.
    """
    try:
        manifest_data, found = _read_members(archive, staging)
    except BackupRefused:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupRefused(
            f"The archive {archive} is damaged or truncated and cannot be read "
            f"({type(error).__name__}: {error}). Nothing was changed."
        ) from None
    if manifest_data is None:
        raise BackupRefused(
            f"The archive {archive} has no manifest.json (its last member): it is damaged or "
            "truncated, or not a Chợ OCOP backup. Nothing was changed."
        )
    try:
        manifest = parse(manifest_data)
    except BackupRefused as refused:
        raise BackupRefused(f"{refused} Nothing was changed.") from None
    _compare(manifest, found)
    return manifest


def _read_members(archive: Path, staging: Path | None) -> tuple[bytes | None, dict]:
    found: dict[str, FileEntry] = {}
    manifest_data = None
    with tarfile.open(archive, "r|*") as tar:  # (also if someone compressed it since)
        for member in tar:
            source = tar.extractfile(member) if member.isfile() else None
            if member.name == MANIFEST and source is not None and manifest_data is None:
                manifest_data = source.read(MAX_MANIFEST_BYTES + 1)
                if len(manifest_data) > MAX_MANIFEST_BYTES:
                    raise BackupRefused("manifest.json is implausibly large; refused.")
                continue
            if source is None or not safe_member_name(member.name) or member.name in found:
                raise BackupRefused(
                    f"The archive holds an unexpected entry {member.name!r}; refused. "
                    "Nothing was changed."
                )
            found[member.name] = _unpack(source, staging, member.name)
    return manifest_data, found


def _unpack(source: BinaryIO, staging: Path | None, name: str) -> FileEntry:
    reader = _Hashing(source)
    if staging is None:
        while reader.read(CHUNK):
            pass
    else:
        target = staging / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = open(target, "wb")  # noqa: SIM115  (closed below; a write error is not the archive's)
        except OSError as error:
            raise _unpacking_failed(staging, error) from None
        with out:
            while chunk := reader.read(CHUNK):
                try:
                    out.write(chunk)
                except OSError as error:
                    raise _unpacking_failed(staging, error) from None
    return FileEntry(sha256=reader.digest.hexdigest(), size=reader.size)


def _unpacking_failed(staging: Path, error: OSError) -> BackupRefused:
    return BackupRefused(
        f"The archive could not be unpacked into {staging.parent} ({error}). Nothing was changed."
    )


def _compare(manifest: Manifest, found: dict[str, FileEntry]) -> None:
    expected = manifest.files
    problems = []
    if manifest.database_file not in expected:
        problems.append(f"the manifest lists no {manifest.database_file}")
    missing = sorted(expected.keys() - found.keys())
    extra = sorted(found.keys() - expected.keys())
    altered = sorted(
        name for name in expected.keys() & found.keys() if expected[name] != found[name]
    )
    for label, names in (
        ("missing", missing),
        ("not in the manifest", extra),
        ("altered", altered),
    ):
        if names:
            problems.append(f"{len(names)} file(s) {label} (first: {names[0]})")
    if problems:
        raise BackupRefused(
            "The archive does not match its manifest: "
            + "; ".join(problems)
            + ". It was damaged or changed after it was made. Nothing was changed."
        )
