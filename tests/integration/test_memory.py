"""Memory per worker (issue #16, item 4): what used to make a gunicorn worker hold more than
it needs, checked without timing anything (the resident sizes are measured by bench/run.py
and reported in docs/benchmarks.md, "Memory per worker").

- Flask-Migrate (with Alembic, Mako and Pygments: 11 MB) and the Stripe SDK (with requests and
  aiohttp: 12 MB) are imported only when used, not by serving pages or taking a cash order.
- Whoosh writes its segments as separate files: a compound segment is read through an
  in-memory copy of the whole file in every worker (21 MB at 10,000 products, growing with
  the catalogue).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shop.search import reindex
from tests.factories import make_product

ROOT = Path(__file__).resolve().parents[2]

# A fresh process, as a gunicorn worker starts: build the app, serve pages, list the payment
# methods a buyer may choose (what the checkout form does), then say which modules are loaded.
WORKER = """
import json, sys
from shop import create_app
app = create_app("test", SQLALCHEMY_DATABASE_URI=sys.argv[1], INSTANCE_PATH=sys.argv[2])
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/", "/products", "/healthz")]
with app.app_context():
    from shop.payments import providers
    offered = [str(method) for method in providers.offered()]
heavy = ("flask_migrate", "alembic", "mako", "pygments", "stripe", "requests", "aiohttp")
print(json.dumps({"statuses": statuses, "offered": offered,
                  "loaded": sorted(name for name in heavy if name in sys.modules)}))
"""


def _worker(app, tmp_path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_worker_serving_pages_and_cash_orders_never_imports_migrations_or_stripe(
    app, db, tmp_path
):
    make_product()
    db.session.commit()

    found = _worker(app, tmp_path / "worker")

    assert found["statuses"] == [200, 200, 200]
    assert "cod" in found["offered"]  # the providers were loaded, Stripe's among them
    assert found["loaded"] == []


def test_flask_db_still_finds_flask_migrate(app):
    result = app.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output and "--directory" in result.output
    assert app.extensions["migrate"].directory.endswith("migrations")


def test_whoosh_writes_no_compound_segment(app, db):
    app.config["SEARCH_BACKEND"] = "whoosh"
    app.extensions.pop("search_backend", None)
    for _ in range(3):
        make_product()
    db.session.commit()

    assert reindex() == 3
    make_product()  # one more commit: the index is written again, in a new segment
    db.session.commit()

    folder = Path(app.instance_path) / "search"
    assert list(folder.glob("*.seg")) == []  # a compound segment is one .seg file
    assert list(folder.glob("*.trm")) and list(folder.glob("*.pst"))
