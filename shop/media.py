"""The Pillow pipeline for product photos.

An upload is checked to be a real image (by content, never by name), refused past a pixel
cap (decompression bombs), turned upright from its EXIF orientation, stripped of all metadata
(GPS included) by re-encoding only the pixels, and stored as WebP renditions at fixed widths
(never upscaled) plus a JPEG fallback, under a name derived from the content's hash.

/media serves them to everyone only while a listable product shows them: the photos of a
hidden, draft, revoked, expired or suspended product answer 404 to the public (whoever kept
the URL) and are served, never to shared caches, to its producer and to staff.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, redirect, request, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from shop import storage
from shop.errors import Refused

WIDTHS = (320, 800, 1600)
MAX_PIXELS = 40_000_000  # about 7,300 × 5,500: more than any phone photo
MAX_BYTES = 10 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
WEBP_MAX_SIDE = 16383  # the longest side WebP can encode


IMAGE_MESSAGES = {
    "too_large": _l("The photo may be at most 10 MB."),
    "format": _l("The photo must be a JPEG, PNG or WebP image."),
    "not_an_image": _l(
        "This file is not an image we can read, or it is damaged. Send a JPEG, PNG or WebP photo."
    ),
    "too_many_pixels": _l(
        "This photo has too many pixels (at most 40 megapixels). Send a smaller one."
    ),
}


class ImageRejected(Refused):
    """The upload is not an image the shop accepts: a refusal of the photo field, whose
    `code` (a key of IMAGE_MESSAGES) tells callers and tests the reason."""

    def __init__(self, code: str, field: str = "photo"):
        super().__init__(IMAGE_MESSAGES[code], field)
        self.code = code


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int


def media_root() -> Path:
    """The local folder of the photo storage: MEDIA_ROOT, default instance/media/ (a folder
    every app server mounts when scaled out; docs/deploy.md)."""
    return storage.local_root("media")


def photos() -> storage.Storage:
    """Where renditions are kept and read (shop/storage.py)."""
    return storage.storage("media")


def rendition_paths(key: str) -> list[str]:
    """The files of one stored image, relative to the media root (what store_image writes)."""
    return [f"{key[:2]}/{key}-{width}.webp" for width in WIDTHS] + [f"{key[:2]}/{key}.jpg"]


def open_checked(data: bytes) -> Image.Image:
    """Open and fully decode an upload, or raise ImageRejected with a reason code."""
    if len(data) > MAX_BYTES:
        raise ImageRejected("too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected("format")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("too_many_pixels")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("too_many_pixels") from None
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError):
        raise ImageRejected("not_an_image") from None
    return image


def store_image(data: bytes) -> StoredImage:
    """Check, clean and store an upload; returns its content key and upright size."""
    image = ImageOps.exif_transpose(open_checked(data))
    # has_transparency_data also covers a PNG's tRNS colour key (RGB, L or P images).
    clean = image.convert("RGBA" if image.has_transparency_data else "RGB")
    # Re-creating the image from its pixels alone drops EXIF, XMP, ICC and text chunks.
    pixels = Image.new(clean.mode, clean.size)
    pixels.paste(clean)
    key = hashlib.sha256(pixels.tobytes() + repr(pixels.size).encode()).hexdigest()[:40]
    kept = photos()
    webps, jpeg = rendition_paths(key)[:-1], rendition_paths(key)[-1]
    for width, name in zip(WIDTHS, webps, strict=True):
        if not kept.exists(name):
            _write(name, _resized(pixels, width), "WEBP", quality=80, method=4)
    if not kept.exists(jpeg):
        flat = pixels
        if pixels.mode == "RGBA":
            flat = Image.new("RGB", pixels.size, (255, 255, 255))
            flat.paste(pixels, mask=pixels.getchannel("A"))
        _write(jpeg, _resized(flat, 800), "JPEG", quality=82, optimize=True, progressive=True)
    return StoredImage(key=key, width=pixels.width, height=pixels.height)


def _write(name: str, image: Image.Image, fmt: str, **options) -> None:
    """Encode, then keep whole or not at all (Storage.save): a crash or a full disk never
    leaves a half file behind, which the exists() checks above would keep serving for a year."""
    encoded = io.BytesIO()
    image.save(encoded, fmt, **options)
    photos().save(name, encoded.getvalue())


def _resized(image: Image.Image, width: int) -> Image.Image:
    """At most `width` wide and WEBP_MAX_SIDE high; never upscaled, never 0 pixels on a side.

    Uploads within MAX_PIXELS can still be 1000 × 20000 or 40000 × 1: without these bounds
    WebP refuses the first and Pillow the second, and the upload ends in a server error.
    """
    scale = min(width / image.width, WEBP_MAX_SIDE / image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


# A public photo may be kept by browsers and shared caches this long: it may become private
# (a revoked or expired certificate, a hidden product, a suspended producer), and a cache
# would go on serving it. After that a cache asks again (a cheap 304 while nothing changed).
PUBLIC_MAX_AGE = 600
PRIVATE_CACHE = "private, no-cache"  # the owner's and staff's copies: never in a shared cache


def _audience(key: str) -> str | None:
    """ "public", "private" (the owning producer or staff may see it) or None (404)."""
    from flask_login import current_user

    from shop.catalog.services import photo_audience

    if not key.isalnum():
        return None
    audience = photo_audience(key)
    if audience is None:
        return None
    if audience.public:
        return "public"
    if current_user.is_authenticated and (
        current_user.is_staff or current_user.id in audience.owner_ids
    ):
        return "private"
    return None


def _send(key: str, name: str):
    """The file named `name` of photo `key`, to whoever may see it; 404 for anyone else."""
    audience = _audience(key)
    if audience is None:
        abort(404)
    if audience == "public":
        return send_stored(photos(), f"{key[:2]}/{name}", max_age=PUBLIC_MAX_AGE)
    response = send_stored(photos(), f"{key[:2]}/{name}", max_age=0)
    response.headers["Cache-Control"] = PRIVATE_CACHE
    response.headers.pop("Expires", None)
    return response


def send_stored(kept: storage.Storage, name: str, **options):
    """A stored file as the answer, after the caller's check of who may see it: from a local
    folder by Flask's send_file (conditional requests, ranges); from a storage with its own
    addresses, a redirect to the short-lived one it gives (never cached); else its bytes,
    whose content-derived name is their ETag. 404 when the file is missing."""
    if isinstance(kept, storage.LocalStorage):
        try:
            path = kept.path(name)
        except ValueError:
            abort(404)
        if not path.is_file():
            abort(404)
        return send_file(path, conditional=True, **options)
    try:
        direct = kept.url(name)
        if direct:
            response = redirect(direct, 302)
            response.headers["Cache-Control"] = "no-store"
            return response
        handle = kept.open(name)
    except (FileNotFoundError, ValueError):
        abort(404)
    options.setdefault("download_name", name.rsplit("/", 1)[-1])
    return send_file(handle, conditional=True, etag=name, **options)


def register(app: Flask) -> None:
    """Serve a photo's renditions to those who may see it: everyone while a listable product
    shows it; otherwise only its producer and staff (the public gets 404)."""

    @app.get("/media/<key>-<int:width>.webp", endpoint="media")
    def media(key: str, width: int):
        if width not in WIDTHS:
            abort(404)
        return _send(key, f"{key}-{width}.webp")

    @app.get("/media/<key>.jpg", endpoint="media_jpeg")
    def media_jpeg(key: str):
        return _send(key, f"{key}.jpg")

    @app.after_request
    def no_shared_cache_of_missing_photos(response):
        """A photo the public may not see is a 404 that no cache may keep: its owner, asking
        next through the same proxy, must get the photo."""
        if request.endpoint in ("media", "media_jpeg") and response.status_code == 404:
            response.headers["Cache-Control"] = "no-store"
        return response
