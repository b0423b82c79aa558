"""Certificate scans: JPEG, PNG or PDF up to 10 MB, checked by content, stored privately.

Scans are evidence, so the bytes are kept as sent, under instance/scans/ (never under the
public /media route), named by their SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000
_ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|OpenAction|AA|RichMedia)\b")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")  # PDF names may spell any byte as #xx
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
MAX_INFLATED = 256 * 1024 * 1024  # all compressed streams of one scan, inflated
_CHUNK = 1024 * 1024
# Markup a browser would run, hidden after an image's own data (an image/HTML polyglot).
_MARKUP = re.compile(rb"<(?:script|html|body|svg|iframe|object|embed)\b|<!doctype", re.I)


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
    if any(_ACTIVE_PDF.search(_unescaped(text)) for text in _pdf_texts(data)):
        raise ScanRejected("active_pdf")
    if _is_archive(data):
        raise ScanRejected("format")
    return "application/pdf"


def _unescaped(text: bytes) -> bytes:
    return _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), text)


def _pdf_texts(data: bytes) -> Iterator[bytes]:
    """What may hold a PDF action: the file outside its streams (stream bodies are binary
    image or page data, where a short name like /JS turns up by chance), then each object
    stream, inflated piece by piece (it can hold the catalogue and its /OpenAction)."""
    outside, last, object_streams = [], 0, []
    for match in _STREAM.finditer(data):
        outside.append(data[last : match.start()])
        last = match.end()
        head = data[data.rfind(b"obj", 0, match.start()) : match.start()]
        if b"/ObjStm" in _unescaped(head):
            object_streams.append(match.group(1))
    outside.append(data[last:])
    yield b"\n".join(outside)
    budget = MAX_INFLATED
    for stream in object_streams:
        inflater, pending, overlap = zlib.decompressobj(), stream, b""
        while pending:
            try:
                piece = inflater.decompress(pending, _CHUNK)
            except zlib.error:
                raise ScanRejected("broken") from None  # an object stream we cannot read
            if not piece:
                break
            budget -= len(piece)
            if budget < 0:
                raise ScanRejected("broken")  # a compression bomb
            yield overlap + piece
            overlap, pending = piece[-64:], inflater.unconsumed_tail


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
