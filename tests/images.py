"""Real and hostile images for upload tests, built with Pillow (nothing is downloaded)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms

RED, BLUE, WHITE = (220, 30, 30), (30, 60, 220), (255, 255, 255)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="21,1.5N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def photo(size=(640, 480)) -> Image.Image:
    """Something photo-like: a gradient with noise (so JPEG has real work to do)."""
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40)
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))


def halves(size=(200, 100), left=RED, right=BLUE, mode="RGB") -> Image.Image:
    """Left half one colour, right half another: shows which way an image was turned."""
    image = Image.new(mode, size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def png(size=(120, 80), color=RED) -> bytes:
    return encode(Image.new("RGB", size, color), "PNG")


def jpeg(size=(640, 480), **options) -> bytes:
    return encode(photo(size), "JPEG", quality=90, **options)


def webp(size=(120, 80), color=BLUE) -> bytes:
    return encode(Image.new("RGB", size, color), "WEBP", lossless=True)


def gps_exif() -> Image.Exif:
    """EXIF naming a camera and, in its GPS block, a place near Hà Nội."""
    exif = Image.Exif()
    exif[0x010F] = "Test Camera Co."  # Make
    exif[0x0110] = "Test Phone 12"  # Model
    exif[GPS_IFD] = {
        1: "N",
        2: (21.0, 1.0, 30.0),
        3: "E",
        4: (105.0, 51.0, 0.0),
    }
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_gps(size=(640, 480)) -> bytes:
    """A phone photo that says where it was taken: GPS EXIF, XMP and an ICC profile."""
    return encode(
        photo(size),
        "JPEG",
        quality=90,
        exif=gps_exif(),
        xmp=XMP,
        icc_profile=srgb_icc(),
        comment=b"taken at the farm",
    )


def rotated_jpeg(orientation: int = 6, size=(200, 100)) -> bytes:
    """Red left half, blue right half, stored sideways with an EXIF Orientation tag."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return encode(halves(size), "JPEG", quality=95, exif=exif)


def transparent_png(size=(200, 100)) -> bytes:
    """Left half fully transparent, right half opaque red."""
    image = halves(size, left=(0, 0, 0, 0), right=(*RED, 255), mode="RGBA")
    return encode(image, "PNG")


def truncated_jpeg() -> bytes:
    data = jpeg((800, 600))
    return data[: len(data) // 2]


def gif(size=(60, 40)) -> bytes:
    return encode(Image.new("P", size, 1), "GIF")


def text_named_jpeg() -> bytes:
    return b"Just some text pretending to be a photo.\n" * 20


def too_large(limit: int = 10 * 1024 * 1024) -> bytes:
    """A real JPEG padded past `limit` bytes (decoders ignore what follows the image)."""
    data = jpeg((320, 240))
    return data + b"\0" * (limit + 1 - len(data))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width × height black pixels, a few kilobytes on disk.

    Built row by row into a zlib stream, so making it never allocates the pixels either.
    """
    row = b"\0" + b"\0" * ((width + 7) // 8)  # filter byte "none", then packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )
