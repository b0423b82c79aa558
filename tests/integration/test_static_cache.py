"""Static files: pages link them by a content-hash URL, which a browser may keep for a year.

Lighthouse (docs/ux.md) flagged the stylesheet and scripts as served without a cache
lifetime, so a phone asked for them again on every page. A versioned URL changes with the file's
bytes, so the long lifetime never serves a stale stylesheet.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_pages_link_the_stylesheet_and_scripts_by_their_content_hash(client):
    page = client.get("/").get_data(as_text=True)
    css = hashlib.sha256((STATIC / "css/shop.css").read_bytes()).hexdigest()[:12]
    js = hashlib.sha256((STATIC / "js/search.js").read_bytes()).hexdigest()[:12]
    assert f'href="/static/css/shop.css?v={css}"' in page
    assert f'src="/static/js/search.js?v={js}"' in page
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', page)  # none without a version


def test_the_current_version_is_cached_for_a_year_and_nothing_else_is(client):
    css = hashlib.sha256((STATIC / "css/shop.css").read_bytes()).hexdigest()[:12]
    with client.get(f"/static/css/shop.css?v={css}") as current:
        assert current.status_code == 200
        assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # An old or made-up version, or none, is not promised for a year: the browser asks again.
    for url in ("/static/css/shop.css?v=000000000000", "/static/css/shop.css"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert "max-age=31536000" not in response.headers.get("Cache-Control", "")
            assert "immutable" not in response.headers.get("Cache-Control", "")
