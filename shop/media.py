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
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, current_app, request, send_from_directory
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

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
    """Where renditions live: instance/media/ (shared storage when scaled out)."""
    return Path(current_app.config.get("MEDIA_ROOT") or Path(current_app.instance_path) / "media")


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
    folder = media_root() / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        path = folder / f"{key}-{width}.webp"
        if not path.exists():
            _write(path, _resized(pixels, width), "WEBP", quality=80, method=4)
    fallback = folder / f"{key}.jpg"
    if not fallback.exists():
        flat = pixels
        if pixels.mode == "RGBA":
            flat = Image.new("RGB", pixels.size, (255, 255, 255))
            flat.paste(pixels, mask=pixels.getchannel("A"))
        _write(fallback, _resized(flat, 800), "JPEG", quality=82, optimize=True, progressive=True)
    return StoredImage(key=key, width=pixels.width, height=pixels.height)


def _write(path: Path, image: Image.Image, fmt: str, **options) -> None:
    """Save under a temporary name, then rename: a crash or a full disk never leaves a half
    file behind, which the exists() checks above would otherwise keep serving for a year."""
    partial = path.with_name(f"{path.name}.{secrets.token_hex(6)}.part")
    try:
        image.save(partial, fmt, **options)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


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
        return send_from_directory(media_root() / key[:2], name, max_age=PUBLIC_MAX_AGE)
    response = send_from_directory(media_root() / key[:2], name, max_age=0)
    response.headers["Cache-Control"] = PRIVATE_CACHE
    response.headers.pop("Expires", None)
    return response


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
