"""Redirect targets that stay inside the site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site ("/cart"), False for "//evil.com", "https://…" or "\\\\x"."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch in target for ch in "\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default_endpoint: str = "catalog.home") -> str:
    """The `next` parameter if it stays on this site, else the default page."""
    target = request.values.get("next")
    return target if is_safe_next(target) else url_for(default_endpoint)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, also outside a request (e-mails sent by commands use SHOP_URL)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SHOP_URL"]):
        return url_for(endpoint, _external=True, **values)
