"""Where uploaded files live: one small interface, the local folder as its default.

The shop keeps two sets of files, each in a storage of its own:

- `media`: product photos (their WebP and JPEG renditions), public while a listable product
  shows them, served through /media (shop/media.py), which decides who may see each one;
- `scans`: certificate scans and their drawn pages, private evidence, sent only to the
  producer and staff (shop/certification/downloads.py).

Both are content-addressed and written once: a name is derived from the bytes, a file is
never rewritten, and a half-written file never appears under its name (save is all or
nothing). Every reader and writer goes through `storage("media")` / `storage("scans")`.

`LocalStorage` (the default) keeps the files in a folder: MEDIA_ROOT (default
instance/media) and SCANS_ROOT (default instance/scans). With several app servers, point
both settings at a folder every server mounts (NFS, a shared volume): docs/deploy.md.

Another kind of storage is one class with the same methods, named by MEDIA_STORAGE or
SCANS_STORAGE ("package.module:ClassName", built with the app's config): an S3-style bucket
would `save` with PutObject, `open` with GetObject, `exists` with HeadObject, `delete` with
DeleteObject, and answer `url()` with a short-lived pre-signed GET address, which the /media
route then redirects to after its own check of who may see the photo (docs/deploy.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import Flask, current_app
from werkzeug.utils import import_string

KINDS = ("media", "scans")


class Storage(Protocol):
    """What the shop asks of a place that keeps files. Names are relative POSIX paths
    ("ab/abcdef-320.webp"); a name that tries to leave the storage raises ValueError."""

    def save(self, name: str, data: bytes) -> None:
        """Keep `data` under `name`, whole or not at all (readers never see half a file)."""

    def open(self, name: str) -> BinaryIO:
        """The file for reading; FileNotFoundError when there is none."""

    def read(self, name: str) -> bytes:
        """The file's bytes; FileNotFoundError when there is none."""

    def exists(self, name: str) -> bool:
        """True when a complete file is kept under `name`."""

    def delete(self, name: str) -> None:
        """Remove the file; nothing happens when there is none."""

    def url(self, name: str) -> str | None:
        """An address the visitor's browser may fetch the file from directly (a pre-signed
        URL of an object store), or None: the shop sends the bytes itself (local folders)."""


def checked_name(name: str) -> PurePosixPath:
    """`name` as a relative path inside the storage, or ValueError."""
    path = PurePosixPath(name)
    if not name or "\x00" in name or "\\" in name or path.is_absolute() or ".." in path.parts:
        raise ValueError(f"not a storage name: {name!r}")
    if any(part.startswith(".") for part in path.parts):  # .part files, hidden files
        raise ValueError(f"not a storage name: {name!r}")
    return path


class LocalStorage:
    """Files in a folder of this machine, or of a shared file system every server mounts."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """Where the file `name` is (or would be) on disk."""
        return self.root.joinpath(*checked_name(name).parts)

    def save(self, name: str, data: bytes) -> None:
        # Written beside its place under a temporary name, then renamed: a crash or a full
        # disk never leaves a half file under the real name, and on a shared folder two
        # servers saving the same content-addressed file at once both leave a whole one.
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
        try:
            with open(partial, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def open(self, name: str) -> BinaryIO:
        return open(self.path(name), "rb")  # noqa: SIM115 (the caller closes it)

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(name).unlink()

    def url(self, name: str) -> str | None:
        checked_name(name)
        return None


class MemoryStorage:
    """Files in a dict: for tests of code written against the interface (not for serving:
    every process would have its own)."""

    def __init__(self, root: object = None):
        self.files: dict[str, bytes] = {}

    def save(self, name: str, data: bytes) -> None:
        self.files[str(checked_name(name))] = bytes(data)

    def open(self, name: str) -> BinaryIO:
        return io.BytesIO(self.read(name))

    def read(self, name: str) -> bytes:
        try:
            return self.files[str(checked_name(name))]
        except KeyError:
            raise FileNotFoundError(name) from None

    def exists(self, name: str) -> bool:
        return str(checked_name(name)) in self.files

    def delete(self, name: str) -> None:
        self.files.pop(str(checked_name(name)), None)

    def url(self, name: str) -> str | None:
        checked_name(name)
        return None


def default_root(app: Flask, kind: str) -> Path:
    """MEDIA_ROOT / SCANS_ROOT, else the folder of that name in the instance folder."""
    return Path(app.config.get(f"{kind.upper()}_ROOT") or Path(app.instance_path) / kind)


def build(app: Flask, kind: str) -> Storage:
    """The storage named by MEDIA_STORAGE / SCANS_STORAGE (default LocalStorage), made with
    its root folder (a class that needs no folder may ignore it)."""
    if kind not in KINDS:
        raise ValueError(f"no storage called {kind!r}")
    factory = app.config.get(f"{kind.upper()}_STORAGE") or LocalStorage
    if isinstance(factory, str):
        factory = import_string(factory.replace(":", "."))
    return factory(default_root(app, kind))


def storage(kind: str) -> Storage:
    """The current app's storage of `kind` ("media" or "scans"), made on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Keyed by the settings too: a test that moves MEDIA_ROOT gets a storage there.
    key = (kind, app.config.get(f"{kind.upper()}_STORAGE"), str(default_root(app, kind)))
    kept = app.extensions.setdefault("storage", {})
    if key not in kept:
        kept[key] = build(app, kind)
    return kept[key]


def local_root(kind: str) -> Path:
    """The folder of a local storage (what backups copy), or the configured root."""
    kept = storage(kind)
    return kept.root if isinstance(kept, LocalStorage) else default_root(current_app, kind)
