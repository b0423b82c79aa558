"""PostgreSQL backups with pg_dump, restores with pg_restore and psql, on one snapshot.

The counts in the manifest must describe exactly the rows in the dump. A REPEATABLE READ
transaction exports its snapshot (`pg_export_snapshot()`), counts every table and reads the
referenced files in it, and keeps it open while `pg_dump --snapshot=…` dumps that same
snapshot: orders committed meanwhile are in neither. The search tables' rows are left out
(`--exclude-table-data`); the restore rebuilds them.

pg_dump and pg_restore come from PG_BIN_DIR, or the PATH; their major version must be at
least the server's (pg_dump refuses an older client itself). They connect with the
parameters of the shop's own URL; a password goes through a temporary owner-only password
file, never the command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app

from shop.backup.database import Snapshot, read_facts
from shop.backup.errors import BackupRefused


def _quoted(value: str) -> str:
    """A libpq connection-string value: single-quoted, with \\ and ' escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def connection_args(url: sa.URL, folder: Path) -> tuple[str, dict[str, str]]:
    """(libpq connection string, environment) for the client tools to reach `url`.

    The URL's query parameters are libpq keywords (sslmode, options, …) and pass through. The
    password is written to an owner-only password file in `folder` (PGPASSFILE).
    """
    params: dict[str, object] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    for key, value in url.query.items():
        params[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(
        f"{key}={_quoted(str(value))}" for key, value in params.items() if value not in (None, "")
    )
    environment = {"PGCONNECT_TIMEOUT": str(current_app.config.get("DB_CONNECT_TIMEOUT", 10))}
    if url.password is not None:
        passfile = folder / "pgpass"
        descriptor = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        escaped = url.password.replace("\\", "\\\\").replace(":", "\\:")
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"*:*:*:*:{escaped}\n")
        environment["PGPASSFILE"] = str(passfile)
    return conninfo, environment


def tool(name: str) -> str:
    """The path of pg_dump, pg_restore or psql, or a refusal that says how to get it."""
    folder = current_app.config.get("PG_BIN_DIR")
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not os.access(found, os.X_OK):
        raise BackupRefused(
            f"{name} was not found{' in PG_BIN_DIR' if folder else ' on the PATH'}: install the "
            "PostgreSQL client tools (major version at least the server's; on Debian the "
            "postgresql-client package) or point PG_BIN_DIR at them."
        )
    return found


def _run(command: list[str], environment: dict[str, str], output: IO[str] | None = None) -> str:
    """Run a client tool; its output is returned, or written to `output` (a dump as SQL)."""
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"} | environment
    finished = subprocess.run(
        command,
        env=env,
        stdout=output if output is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if finished.returncode != 0:
        name = Path(command[0]).name
        detail = (finished.stderr or finished.stdout).strip()[-2000:]
        raise BackupRefused(f"{name} failed (exit status {finished.returncode}):\n{detail}")
    return finished.stdout


def client_version(name: str) -> str:
    """`pg_dump (PostgreSQL) 15.20` → "15.20"."""
    output = _run([tool(name), "--version"], {})
    match = re.search(r"\d+(?:\.\d+)*", output)
    return match.group(0) if match else output.strip()


def snapshot_postgres(
    engine: sa.Engine, dump: Path, folder: Path, paused: Callable[[], None]
) -> Snapshot:
    """Count and dump one exported snapshot; `paused` runs between the two (the CLI reports
    progress there, and a test makes the shop write meanwhile)."""
    pg_dump = tool("pg_dump")
    conninfo, environment = connection_args(engine.url, folder)
    with engine.connect() as connection:
        snapshot_connection = connection.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with snapshot_connection.begin():
            snapshot_id = snapshot_connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            facts = read_facts(snapshot_connection)
            server_version = snapshot_connection.scalar(sa.text("SHOW server_version"))
            paused()
            excluded = [f"--exclude-table-data={name}" for name in facts["rebuilt"]]
            command = [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_id}"]
            _run([*command, *excluded, f"--file={dump}", f"--dbname={conninfo}"], environment)
    return Snapshot(
        file=dump,
        engine="postgresql",
        server_version=server_version.split()[0],
        tools={"pg_dump": client_version("pg_dump")},
        **facts,
    )


def other_sessions(engine: sa.Engine) -> int:
    """How many other connections the target database has (a running shop, a psql)."""
    with engine.connect() as connection:
        return connection.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


def restore_postgres(
    engine: sa.Engine, dump: Path, archived_tables: set[str], shop_tables: set[str], folder: Path
) -> None:
    """Replace the target database's tables with the dump's, in one transaction.

    One psql session runs, with `--single-transaction` and `ON_ERROR_STOP`, first a prelude
    that drops every table of the shop's that the target has (its current schema's, whatever
    the archive's revision: a newer schema may hold constraints the dump does not know, such
    as a foreign key onto one of the dump's tables), then the dump as pg_restore writes it out
    as SQL (dropping its other objects first, such as the search configuration), owned by whoever runs it (`--no-owner --no-privileges`). If any statement fails,
    nothing has changed. Tables the shop does not know are left alone.
    """
    pg_restore, psql = tool("pg_restore"), tool("psql")
    conninfo, environment = connection_args(engine.url, folder)
    with engine.connect() as connection:
        preparer = connection.dialect.identifier_preparer
        present = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    ours = (shop_tables | archived_tables | {"alembic_version"}) & present
    script = folder / "restore.sql"
    with script.open("w", encoding="utf-8") as handle:
        handle.write("SET client_min_messages = warning;\n")
        for name in sorted(ours):
            handle.write(f"DROP TABLE IF EXISTS {preparer.quote(name)} CASCADE;\n")
    options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-"]
    with script.open("a", encoding="utf-8") as handle:
        handle.flush()
        _run([pg_restore, *options, str(dump)], environment, output=handle)
    command = [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--no-password"]
    command += ["--set=ON_ERROR_STOP=1", f"--file={script}", f"--dbname={conninfo}"]
    _run(command, environment)
