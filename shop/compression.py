"""Gzip for text responses (HTML, CSS, JavaScript, JSON, SVG, XML), done by the app itself.

`make run` serves straight from the app, and a phone on a slow network pays for every byte:
a page's HTML and stylesheet shrink to a fifth. A response is compressed when the browser
accepts gzip, it is a whole 200 answer of a text type, at least MIN_SIZE bytes, and nothing
encoded it already; it then says `Vary: Accept-Encoding` and its ETag becomes weak (the
bytes differ from the uncompressed ones). A proxy in front may compress instead: set
COMPRESS_RESPONSES = False (docs/operations.md). Files and streams other than the static
stylesheet and scripts (media, backups, downloads) are left alone.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

TEXT_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/xml",
        "text/xml",
        "image/svg+xml",
    }
)
MIN_SIZE = 500  # below this, gzip's header and the work are not worth it
LEVEL = 6


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_RESPONSES", True)

    @app.after_request
    def compress(response: Response) -> Response:
        if not app.config["COMPRESS_RESPONSES"] or not _compressible(response):
            return response
        if response.direct_passthrough:  # a static file: read it (stylesheet, scripts, logo)
            response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(data, compresslevel=LEVEL, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)
        return response


def _compressible(response: Response) -> bool:
    if response.status_code != 200 or "Content-Encoding" in response.headers:
        return False
    if response.mimetype not in TEXT_TYPES or request.method == "HEAD":
        return False
    if response.is_streamed and not (response.direct_passthrough and request.endpoint == "static"):
        return False
    return request.accept_encodings["gzip"] > 0
