"""Certificate scans: JPEG, PNG or PDF up to 10 MB, checked by content, stored privately.

Scans are evidence, so the bytes are kept as sent, under instance/scans/ (never under the
public /media route), named by their SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000
_ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|OpenAction|AA|RichMedia)\b")


class ScanRejected(ValueError):
    """The file is not an acceptable scan; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredScan:
    path: str  # relative to the scans folder
    content_type: str


def scans_root() -> Path:
    """The private folder holding scans."""
    return Path(current_app.instance_path) / "scans"


def sniff(data: bytes) -> str:
    """The scan's real type ("application/pdf", "image/jpeg", "image/png") or ScanRejected."""
    if not data:
        raise ScanRejected("empty")
    if len(data) > MAX_BYTES:
        raise ScanRejected("too_large")
    if data.startswith(b"%PDF-"):
        return _check_pdf(data)
    return _check_image(data)


def _check_pdf(data: bytes) -> str:
    if b"%%EOF" not in data[-2048:]:
        raise ScanRejected("broken")
    if _ACTIVE_PDF.search(data):
        raise ScanRejected("active_pdf")
    return "application/pdf"


def _check_image(data: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise ScanRejected("format")
            if image.width * image.height > MAX_PIXELS:
                raise ScanRejected("too_many_pixels")
            image.verify()
            Image.open(io.BytesIO(data)).load()
    except ScanRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ScanRejected("too_many_pixels") from None
    except (OSError, SyntaxError, ValueError):
        raise ScanRejected("format") from None
    return "image/jpeg" if image.format == "JPEG" else "image/png"


def store_scan(data: bytes) -> StoredScan:
    """Check and keep a scan; the same file sent twice is stored once."""
    content_type = sniff(data)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    name = f"{hashlib.sha256(data).hexdigest()}.{extension}"
    folder = scans_root()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        temporary = target.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(target)
    return StoredScan(path=name, content_type=content_type)
