"""Proof that a reviewer had a certificate's scan shown before approving it.

The review page draws the scan's pages inline and, only when it draws at least one, puts in
the approval form a signed, time-limited token naming the reviewer, the certificate and the
scan (its SHA-256, the stored file's name). The approval is refused without a valid token,
so a direct POST that never loaded the page with the scan cannot approve, a token issued to
another reviewer or for another certificate does not fit, and a scan replaced since (the
producer resubmitted) needs a new look. Nothing is written by the GET: the token is the trace.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.errors import Refused

SALT = "certificate-scan-shown"
MAX_AGE_SECONDS = 4 * 60 * 60  # a review page left open for a working morning


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _scan_id(certificate) -> str:
    return (certificate.scan_path or "").rsplit(".", 1)[0]


def issue(reviewer, certificate) -> str:
    """The token for a review page that shows this certificate's drawn scan pages."""
    return _serializer().dumps([reviewer.id, certificate.id, _scan_id(certificate)])


def check(token: str | None, reviewer, certificate) -> None:
    """Refused unless `token` was issued to `reviewer` with this certificate's current scan."""
    if not token:
        raise Refused(_l("Open the scan before approving: approval needs the scan shown."))
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise Refused(
            _l("The review page was open too long. Look at the scan again, then approve.")
        ) from None
    except BadSignature:
        data = None
    if data != [reviewer.id, certificate.id, _scan_id(certificate)] or not _scan_id(certificate):
        raise Refused(
            _l("This approval does not match the scan shown to you. Look at the scan again.")
        )
