"""The signing key of a development server (`make run`): random, made once, private.

Sessions, remember-me cookies, password-reset and order links are signed with SECRET_KEY.
A key written in the code would let anyone who can reach a demo instance forge a staff
session, so no key lives in the code: production must be given one (ProductionConfig refuses
to start without it), tests make a random one per run, and a development server without
SECRET_KEY keeps its own in `instance/secret_key`, readable by its owner only.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

KEY_FILE = "secret_key"
KEY_BYTES = 32  # 256 bits, written as 64 hex digits


def instance_secret(folder: Path) -> str:
    """The key kept in `folder`, made on first use.

    Two processes starting together (`flask run` and a `flask` command) agree on one key: each
    writes a complete private file under its own temporary name and hard-links it into place,
    which succeeds for one of them only; the other reads the winner's.
    """
    path = Path(folder) / KEY_FILE
    if not path.exists():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: its key wins
            os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _read(path: Path) -> str:
    """The key, refusing a file others could read or replace (a symlink, another owner)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise RuntimeError(f"Cannot read the secret key in {path}: {error.strerror}") from None
    with os.fdopen(descriptor, encoding="ascii", errors="replace") as handle:
        status = os.fstat(handle.fileno())
        if status.st_mode & 0o077 or status.st_uid != os.getuid():
            raise RuntimeError(
                f"{path} may be read by other users: it must belong to you with mode 600 "
                f"(chmod 600 {path}), or be deleted to make a new key (everyone is logged out)."
            )
        key = handle.read().strip()
    if len(key) < 2 * KEY_BYTES:
        raise RuntimeError(
            f"{path} holds no usable key: delete it to make a new one (everyone is logged out)."
        )
    return key
