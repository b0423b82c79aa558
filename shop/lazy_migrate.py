"""Flask-Migrate, imported when first used.

Flask-Migrate imports Alembic, Mako and Pygments: 11 MB resident in every gunicorn worker
(docs/benchmarks.md, "Memory per worker") for what only `flask db …`, `flask backup restore`
and the migration tests use. `LazyMigrate.init_app` registers the same `db` command group and
the same `app.extensions["migrate"]` as Flask-Migrate's `Migrate.init_app`, as stand-ins that
import Flask-Migrate and call its real `init_app` on first use.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask


class LazyMigrate:
    """`Migrate()` of Flask-Migrate, with its import deferred to first use."""

    def init_app(self, app: Flask, db: Any, **options: Any) -> None:
        app.extensions["migrate"] = _Deferred(app, db, options)
        app.cli.add_command(_db_commands)


class _Deferred:
    """app.extensions["migrate"] until something reads it: then Flask-Migrate's own."""

    def __init__(self, app: Flask, db: Any, options: dict[str, Any]) -> None:
        self._app, self._db, self._options = app, db, options
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._real is None:
            from flask_migrate import Migrate

            Migrate().init_app(self._app, self._db, **self._options)
            self._real = self._app.extensions["migrate"]
        return getattr(self._real, name)


@click.command(
    "db",
    help="Perform database migrations.",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
)
@click.pass_context
def _db_commands(ctx: click.Context) -> None:
    """`flask db …`: hands its whole command line to Flask-Migrate's own `db` group."""
    from flask_migrate.cli import db

    db.main(args=ctx.args, prog_name=ctx.command_path, obj=ctx.obj)
