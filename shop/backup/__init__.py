"""Backups that are proven by restoring them.

`create_backup(path)` writes one archive: a consistent snapshot of the database (SQLite
through its online backup API while the shop serves; PostgreSQL through pg_dump on an
exported snapshot), the product photos and the certificate scans, and a manifest with every
table's row count from that snapshot and every file's SHA-256 and size. The search index is
derived data: it is not archived, and `restore_backup(path)` rebuilds it after restoring the
database and files and migrating them to the current schema. `verify_archive(path)` checks an
archive without restoring it. The `flask backup` commands call these; docs/operations.md says
how often, where to keep the copies and how to restore.
"""

from shop.backup.create import BackupResult, create_backup
from shop.backup.errors import BackupRefused
from shop.backup.restore import RestoreResult, data_found, restore_backup, verify_archive

__all__ = [
    "BackupRefused",
    "BackupResult",
    "RestoreResult",
    "create_backup",
    "data_found",
    "restore_backup",
    "verify_archive",
]
