"""Certificate scans: JPEG, PNG or PDF up to 10 MB, checked by content, stored privately.

Scans are evidence, so the bytes are kept as sent, under instance/scans/ (never under the
public /media route), named by their SHA-256. Nobody opens them in a browser: each page is
drawn as a PNG beside the scan (`<sha256>-p1.png`, …) when it is stored, the staff review
page shows those, and the original is only ever downloaded, as an attachment.

A PDF is checked and drawn by `pdf_check.py` in a process of its own, with its memory and CPU
time capped: qpdf reads every object (compressed object streams included) and refuses any
script, action, attachment or XFA form; PDFium draws the pages.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from shop import storage
from shop.errors import Refused

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000
MAX_PAGES = 10  # as pdf_check.MAX_PAGES (which imports nothing from the shop)
PAGE_LONG_SIDE = 1600  # pixels of a drawn page's longer side, at most
PDF_CHECK = Path(__file__).with_name("pdf_check.py")
PDF_CHECK_SECONDS = 60  # wall-clock limit; the process also caps its own CPU time and memory
# Markup a browser would run, hidden after an image's own data (an image/HTML polyglot).
_MARKUP = re.compile(rb"<(?:script|html|body|svg|iframe|object|embed)\b|<!doctype", re.I)


SCAN_MESSAGES = {
    "empty": _l("Attach the scan of the certificate."),
    "too_large": _l("The scan may be at most 10 MB."),
    "format": _l("The scan must be a JPEG, PNG or PDF file."),
    "broken": _l("This PDF file is damaged. Please scan the certificate again."),
    "active_pdf": _l("This PDF contains scripts or attachments. Please send a plain scan."),
    "encrypted": _l("This PDF is protected by a password. Please send it without protection."),
    "too_many_pages": _l("A certificate scan may have at most %(n)s pages.", n=MAX_PAGES),
    "too_complex": _l(
        "This PDF is too complex to check. Please send a plain scan or a photo of the certificate."
    ),
    "too_many_pixels": _l("This image is too large in pixels. Please scan at a lower resolution."),
}


class ScanRejected(Refused):
    """The file is not an acceptable scan: a refusal of the scan field, whose `code` (a key of
    SCAN_MESSAGES) tells callers (`flask scans check`) and tests the reason."""

    def __init__(self, code: str, field: str = "scan"):
        super().__init__(SCAN_MESSAGES[code], field)
        self.code = code


@dataclass(frozen=True)
class StoredScan:
    path: str  # relative to the scans folder
    content_type: str
    pages: int  # drawn as <stem>-p1.png … beside it


def scans_root() -> Path:
    """The local folder of the scan storage: SCANS_ROOT, default instance/scans (a private
    folder every app server mounts when scaled out; docs/deploy.md)."""
    return storage.local_root("scans")


def kept_scans() -> storage.Storage:
    """Where scans and their drawn pages are kept and read (shop/storage.py)."""
    return storage.storage("scans")


def sniff(data: bytes) -> str:
    """The scan's real type ("application/pdf", "image/jpeg", "image/png") or ScanRejected.

    A PDF's content is checked when it is drawn (store_scan), in a process of its own.
    """
    if not data:
        raise ScanRejected("empty")
    if len(data) > MAX_BYTES:
        raise ScanRejected("too_large")
    if data.startswith(b"%PDF-"):
        if _is_archive(data):  # kept as sent: no PDF that is also a ZIP archive
            raise ScanRejected("format")
        return "application/pdf"
    return _check_image(data)


def _draw_pdf(data: bytes, folder: Path) -> int:
    """Check the PDF and draw its pages into `folder` (page-1.png …), in a separate process."""
    try:
        result = subprocess.run(
            [sys.executable, "-I", str(PDF_CHECK), str(folder)],
            input=data,
            capture_output=True,
            timeout=PDF_CHECK_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ScanRejected("too_complex") from None
    try:
        answer = json.loads(result.stdout.decode() or "{}")
    except ValueError:
        answer = {}
    if result.returncode != 0 or not isinstance(answer, dict):
        current_app.logger.warning("PDF check failed: %s", result.stderr.decode()[-500:])
        raise ScanRejected("too_complex")  # killed at its limits, or the reader crashed
    if "refused" in answer:
        raise ScanRejected(answer["refused"])
    return int(answer["pages"])


def _draw_image(data: bytes, folder: Path) -> int:
    """The image scan's one page: its pixels alone, upright, at most PAGE_LONG_SIDE."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    image.thumbnail((PAGE_LONG_SIDE, PAGE_LONG_SIDE))
    image.save(folder / "page-1.png", "PNG")
    return 1


def _is_archive(data: bytes) -> bool:
    """True for a file that is also a ZIP archive (ZIP readers look at the end of a file)."""
    return zipfile.is_zipfile(io.BytesIO(data))


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
            if _is_archive(data) or _MARKUP.search(data):  # kept as sent: no polyglots
                raise ScanRejected("format")
    except ScanRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ScanRejected("too_many_pixels") from None
    except (OSError, SyntaxError, ValueError):
        raise ScanRejected("format") from None
    return "image/jpeg" if image.format == "JPEG" else "image/png"


def store_scan(data: bytes) -> StoredScan:
    """Check a scan, draw its pages and keep both; the same file sent twice is stored once."""
    content_type = sniff(data)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    stem = hashlib.sha256(data).hexdigest()
    kept = kept_scans()
    # Drawn in a private temporary folder of this machine, then kept page by page.
    with tempfile.TemporaryDirectory(prefix="ocop-scan-drawing-") as work:
        draw = _draw_pdf if content_type == "application/pdf" else _draw_image
        pages = draw(data, Path(work))
        for n in range(1, pages + 1):
            kept.save(f"{stem}-p{n}.png", (Path(work) / f"page-{n}.png").read_bytes())
    name = f"{stem}.{extension}"
    if not kept.exists(name):
        kept.save(name, data)
    return StoredScan(path=name, content_type=content_type, pages=pages)


def page_name(scan_path: str, page: int) -> str | None:
    """The storage name of the drawn PNG of one page of a stored scan, if there is one."""
    name = f"{Path(scan_path).stem}-p{page}.png"
    return name if 1 <= page <= MAX_PAGES and kept_scans().exists(name) else None


def page_file(scan_path: str, page: int) -> Path | None:
    """The drawn page's file in the local scan folder, if there is one."""
    name = page_name(scan_path, page)
    return scans_root() / name if name else None


def drawn_pages(scan_path: str) -> list[tuple[int, int, int]]:
    """(page, width, height) of each drawn page (none for a scan stored before pages were
    drawn: `flask scans draw` draws them)."""
    pages = []
    for n in range(1, MAX_PAGES + 1):
        name = page_name(scan_path, n)
        if name is None:
            break
        with kept_scans().open(name) as handle, Image.open(handle) as image:  # the header only
            pages.append((n, image.width, image.height))
    return pages
