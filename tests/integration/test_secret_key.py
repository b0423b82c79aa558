"""The development server signs cookies with its own random key, never one from the code.

A key in the code let anyone who can reach a demo instance forge a staff session (issue #13,
item 7): `make run` now makes a random key once, in the instance folder, readable only by its
owner, and keeps using it; a cookie signed with the old key is refused.
"""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from shop import ROOT, create_app
from shop.enums import Role
from tests.factories import make_user

OLD_HARD_CODED_KEY = "dev-only-not-secret"


@pytest.fixture
def no_secret_in_environment(monkeypatch):
    """As `make run` on a fresh clone: no SECRET_KEY in the environment (read at import)."""
    if os.environ.get("SECRET_KEY"):
        monkeypatch.delenv("SECRET_KEY")
        monkeypatch.setattr("config.Config.SECRET_KEY", None)


def development_app(instance: Path, database_url: str = "sqlite://") -> Flask:
    return create_app(
        "development", INSTANCE_PATH=str(instance), SQLALCHEMY_DATABASE_URI=database_url
    )


def test_the_configuration_holds_no_secret_key_literal():
    tree = ast.parse((ROOT / "config.py").read_text(encoding="utf-8"))
    assigned = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if getattr(target, "id", getattr(target, "attr", None)) == "SECRET_KEY"
    ]
    assert len(assigned) >= 3  # Config, TestConfig, ProductionConfig
    for value in assigned:
        literals = [n for n in ast.walk(value) if isinstance(n, ast.Constant)]
        assert all(n.value in ("SECRET_KEY", 32) for n in literals), ast.unparse(value)
    for source in [ROOT / "config.py", *(ROOT / "shop").rglob("*.py")]:
        assert OLD_HARD_CODED_KEY not in source.read_text(encoding="utf-8"), source


def test_a_development_server_makes_a_random_key_once_readable_only_by_its_owner(
    no_secret_in_environment, tmp_path
):
    first = development_app(tmp_path / "instance")
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.stat().st_uid == os.getuid()
    assert first.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) == 64 and first.secret_key != OLD_HARD_CODED_KEY
    written = key_file.stat().st_mtime_ns

    again = development_app(tmp_path / "instance")
    assert again.secret_key == first.secret_key
    assert key_file.stat().st_mtime_ns == written
    assert [p.name for p in key_file.parent.iterdir() if "secret" in p.name] == ["secret_key"]

    elsewhere = development_app(tmp_path / "another-instance")
    assert elsewhere.secret_key != first.secret_key


def test_a_key_given_in_the_environment_wins_and_no_file_is_made(monkeypatch, tmp_path):
    monkeypatch.setattr("config.Config.SECRET_KEY", "k" * 64)
    app = development_app(tmp_path / "instance")
    assert app.secret_key == "k" * 64
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_a_key_file_others_can_read_stops_the_server_with_a_clear_message(
    no_secret_in_environment, tmp_path
):
    development_app(tmp_path / "instance")
    key_file = tmp_path / "instance" / "secret_key"
    key_file.chmod(0o644)
    with pytest.raises(RuntimeError, match="chmod 600"):
        development_app(tmp_path / "instance")


def test_a_symlinked_or_empty_key_file_is_refused(no_secret_in_environment, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    planted = tmp_path / "planted"
    planted.write_text("a" * 64)
    planted.chmod(0o600)
    (instance / "secret_key").symlink_to(planted)
    with pytest.raises(RuntimeError, match="Cannot read the secret key"):
        development_app(instance)
    (instance / "secret_key").unlink()
    (instance / "secret_key").write_text("")
    (instance / "secret_key").chmod(0o600)
    with pytest.raises(RuntimeError, match="holds no usable key"):
        development_app(instance)


MAKE_KEY = """
import sys, time
from pathlib import Path
from shop.instance_secret import instance_secret
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
print(instance_secret(Path(sys.argv[1])))
"""


def test_processes_starting_together_agree_on_one_key(tmp_path):
    instance, go = tmp_path / "instance", tmp_path / "go"
    instance.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MAKE_KEY, str(instance), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    time.sleep(1.0)  # let every process reach the starting line
    go.touch()
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert keys == {(instance / "secret_key").read_text().strip()}
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]


def forged_session(key: str, user_login: str) -> str:
    """A session cookie saying "this account is logged in" (its session token, Flask-Login's
    alternative id), signed with `key`."""
    signer = Flask("forger")
    signer.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    return serializer.dumps({"_user_id": user_login, "_fresh": True})


def test_a_session_signed_with_the_old_hard_coded_key_is_refused(
    app, db, no_secret_in_environment, tmp_path
):
    staff = make_user(Role.STAFF, email="kiem.duyet@example.vn")
    db.session.commit()
    demo = development_app(tmp_path / "demo", app.config["SQLALCHEMY_DATABASE_URI"])
    client = demo.test_client()

    client.set_cookie("session", forged_session(OLD_HARD_CODED_KEY, staff.session_token))
    refused = client.get("/staff/")
    assert refused.status_code == 302 and "/login" in refused.location

    # The same cookie signed with the instance's own key opens the page: the forgery was
    # well made, only its key was wrong.
    client.set_cookie("session", forged_session(demo.secret_key, staff.session_token))
    assert client.get("/staff/").status_code == 200
    with demo.app_context():
        db.engine.dispose()
