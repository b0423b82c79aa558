"""The files of a backup: product photos (MEDIA_ROOT) and certificate scans (instance/scans).

Both folders are content-addressed and append-only: a photo's renditions are named by the
hash of its pixels and a scan by the SHA-256 of its bytes, each written under a temporary
`.part` name and renamed into place *before* the transaction that refers to it commits, and
nothing in the shop deletes or rewrites them (deleting a photo drops its row, not its files,
which another product may share). So copying the folders *after* the database snapshot
finds every file any row of the snapshot refers to; files added since are harmless extras.
`create_backup` checks this on every run (the manifest's `missing_references`).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from shop.certification.scans import scans_root
from shop.media import media_root, rendition_paths


def roots() -> dict[str, Path]:
    """Each archived folder by its name in the archive."""
    return {"media": media_root(), "scans": scans_root()}


def stored_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(path, path relative to `root`) of every finished file, in a stable order.

    Half-written files (`*.part`, renamed when complete), hidden files and symbolic links are
    not the shop's: they are skipped.
    """
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if name.startswith(".") or name.endswith(".part") or path.is_symlink():
                continue
            if path.is_file():
                yield path, path.relative_to(root).as_posix()


def has_files(root: Path) -> bool:
    return next(stored_files(root), None) is not None


def referenced(image_keys: Iterable[str], scan_paths: Iterable[str]) -> set[str]:
    """The archive names of every file the database's rows refer to."""
    photos = {f"media/{path}" for key in image_keys for path in rendition_paths(key)}
    return photos | {f"scans/{path}" for path in scan_paths}


def put_in_place(staged: Path, target: Path) -> None:
    """Move a verified file to its place: beside it under a temporary name, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        shutil.move(staged, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
