"""Migrations are history: released ones never change, and the last release's database,
with its demo data in it, upgrades to the current schema on both engines.

The last release's code is taken from git (`migrations/RELEASES` names its commit), run as
a separate process to build and fill a database exactly as `make run` did then; today's
code then runs `flask db upgrade` on it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shop import create_app
from shop.extensions import db
from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]


def releases() -> list[tuple[str, str]]:
    """(revision, commit) of every release, oldest first."""
    lines = (ROOT / "migrations" / "RELEASES").read_text().splitlines()
    return [tuple(line.split()[:2]) for line in lines if line.strip() and not line.startswith("#")]


def git(*args: str) -> bytes:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, check=True, capture_output=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"git {' '.join(args)} failed ({error}): the checkout needs its history")


def released_tree(commit: str, into: Path) -> Path:
    """The release's files (git archive of its commit), unpacked into `into`."""
    with tarfile.open(fileobj=io.BytesIO(git("archive", "--format=tar", commit))) as tar:
        tar.extractall(into, filter="data")
    return into


def test_released_migrations_are_never_edited():
    for _revision, commit in releases():
        listed = git("ls-tree", "--name-only", commit, "migrations/versions/").decode().split()
        assert listed, f"release {commit} has no migrations"
        for path in listed:
            assert (ROOT / path).read_bytes() == git("show", f"{commit}:{path}"), (
                f"{path} was released in {commit} and has been edited since: add a migration"
            )


def test_the_last_release_is_a_revision_of_the_current_history():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(ROOT / "migrations"))
    known = {rev.revision for rev in script.walk_revisions()}
    assert {revision for revision, _ in releases()} <= known
    assert len(script.get_heads()) == 1, "one head: merge or re-chain the new migrations"


def build_last_release(url: str, tmp_path: Path) -> dict[str, int]:
    """The last release's `flask db upgrade` + `flask demo load` into `url`; its row counts."""
    revision, commit = releases()[-1]
    tree = released_tree(commit, tmp_path / "release")
    env = {
        **os.environ,
        "FLASK_APP": "shop",
        "FLASK_CONFIG": "development",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "release-instance"),
        "PYTHONPATH": str(tree),
    }
    for command in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", *command],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == revision
            return _counts(conn)
    finally:
        engine.dispose()


def _counts(conn) -> dict[str, int]:
    tables = sorted(set(sa.inspect(conn).get_table_names()) - {"alembic_version"})
    return {t: conn.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}


def upgrade_and_check(url: str, tmp_path: Path, before: dict[str, int]) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(tmp_path / "now"))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
            after = _counts(conn)
        db.engine.dispose()
    kept = {table: after.get(table) for table in before}
    assert kept == before, "an upgrade must keep every row of the release's tables"
    assert before["products"] > 40 and before["orders"] >= 0


def test_the_last_releases_demo_database_upgrades_to_the_current_schema_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'release.db'}"
    upgrade_and_check(url, tmp_path, build_last_release(url, tmp_path))


@pytest.mark.postgres
def test_the_last_releases_demo_database_upgrades_to_the_current_schema_on_postgresql(tmp_path):
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"ocop_release_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        url = url.render_as_string(hide_password=False)
        upgrade_and_check(url, tmp_path, build_last_release(url, tmp_path))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
