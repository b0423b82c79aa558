"""Well-formed PDFs written byte by byte, benign and hostile, for the scan checks.

`build()` writes real PDF 1.5+ files (an xref stream, so objects may sit inside a compressed
object stream, with any filter chain), which a PDF library opens without "repairing" them:
a hostile file is then refused for what it contains, never for being damaged. Real files
from real generators (Pillow, pikepdf/qpdf) come from `from_pillow()` and `from_pikepdf()`.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image, ImageDraw

Encoder = Callable[[bytes], bytes]


def lzw(data: bytes) -> bytes:
    """LZWDecode's encoding (9-bit codes: enough for the short object streams written here)."""
    table = {bytes([i]): i for i in range(256)}
    codes, word, next_code = [256], b"", 258
    for value in data:
        grown = word + bytes([value])
        if grown in table:
            word = grown
            continue
        codes.append(table[word])
        table[grown], next_code, word = next_code, next_code + 1, bytes([value])
    codes += [table[word], 257]
    assert next_code < 511, "keep LZW samples short: this encoder writes 9-bit codes only"
    bits = "".join(f"{code:09b}" for code in codes)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


# Filter name → encoder, applied so that a reader decoding the filters in order gets the data.
ENCODERS: dict[str, Encoder] = {
    "FlateDecode": zlib.compress,
    "ASCIIHexDecode": lambda data: binascii.hexlify(data) + b">",
    "ASCII85Decode": lambda data: base64.a85encode(data) + b"~>",
    "LZWDecode": lzw,
}


def encode(data: bytes, filters: tuple[str, ...]) -> tuple[bytes, bytes]:
    """`data` encoded for `/Filter [filters…]` (the first filter is decoded first)."""
    for name in reversed(filters):
        data = ENCODERS[name](data)
    names = b"[" + b" ".join(b"/" + f.encode() for f in filters) + b"]"
    return data, names


def build(
    objects: dict[int, bytes],
    *,
    packed: tuple[int, ...] = (),
    filters: tuple[str, ...] = ("FlateDecode",),
    object_stream_extra: bytes = b"",
    object_stream_padding: int = 0,
    root: int = 1,
) -> bytes:
    """A PDF with `objects` (number → the text between "n 0 obj" and "endobj"); those in
    `packed` go into one object stream encoded with `filters`, whose dictionary also gets
    `object_stream_extra`; an xref stream indexes everything. `object_stream_padding` MiB
    of spaces after the packed objects make a compression bomb (Flate only)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(set(objects) - set(packed)):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    stream_number = max(objects) + 1
    inside: dict[int, int] = {}
    if packed:
        heads, body = [], b""
        for index, number in enumerate(packed):
            heads.append(b"%d %d" % (number, len(body)))
            body += objects[number] + b"\n"
            inside[number] = index
        head = b" ".join(heads) + b"\n"
        data, names = encode(head + body, filters)
        if object_stream_padding:
            data, names = _padded(head + body, object_stream_padding), b"/FlateDecode"
        offsets[stream_number] = len(out)
        out += b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter %s/Length %d%s>>stream\n" % (
            stream_number,
            len(packed),
            len(head),
            names,
            len(data),
            object_stream_extra,
        )
        out += data + b"\nendstream\nendobj\n"
    xref_number = stream_number + 1
    offsets[xref_number] = len(out)
    rows = b""
    for number in range(xref_number + 1):
        if number in inside:
            rows += struct.pack(">BIH", 2, stream_number, inside[number])
        elif number in offsets:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
        else:
            rows += struct.pack(">BIH", 0, 0, 65535)
    out += b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root %d 0 R/Length %d>>stream\n" % (
        xref_number,
        xref_number + 1,
        root,
        len(rows),
    )
    out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def _padded(data: bytes, mebibytes: int) -> bytes:
    """`data` and then `mebibytes` MiB of spaces, Flate-compressed without holding them."""
    squeezer, spaces = zlib.compressobj(1), b" " * (1 << 20)
    parts = [squeezer.compress(data)]
    parts += [squeezer.compress(spaces) for _ in range(mebibytes)]
    return b"".join(parts) + squeezer.flush()


PAGE_TEXT = b"BT /F1 18 Tf 20 100 Td (OCOP 4 sao) Tj ET"


def one_page(
    catalog_extra: bytes = b"",
    page_extra: bytes = b"",
    *,
    extra: dict[int, bytes] | None = None,
    packed: tuple[int, ...] = (),
    **options,
) -> bytes:
    """A one-page certificate-like PDF; `catalog_extra`/`page_extra` add entries, `extra` adds
    objects (numbered from 6), `packed` puts objects into an object stream."""
    objects = {
        1: b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>",
        2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>" + page_extra + b">>",
        4: b"<</Length %d>>stream\n%s\nendstream" % (len(PAGE_TEXT), PAGE_TEXT),
        5: b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        **(extra or {}),
    }
    return build(objects, packed=packed, **options)


def from_pillow(pages: int = 1, size=(1240, 1754)) -> bytes:
    """A scanned certificate as phone-scanner apps write it: one JPEG image per page (Pillow)."""
    frames = []
    for n in range(pages):
        image = Image.new("RGB", size, (250, 248, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle((60, 60, size[0] - 60, size[1] - 60), outline=(180, 30, 30), width=12)
        draw.text((140, 200 + 40 * n), f"GIAY CHUNG NHAN OCOP - trang {n + 1}", fill=(20, 20, 20))
        frames.append(image)
    out = io.BytesIO()
    frames[0].save(out, "PDF", save_all=True, append_images=frames[1:], resolution=150)
    return out.getvalue()


def from_pikepdf(pages: int = 2, *, object_streams: bool = True) -> bytes:
    """A PDF as qpdf writes it (compressed object streams and an xref stream), with text."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Times")
    )
    for n in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(b"BT /F1 24 Tf 72 760 Td (Trang %d) Tj ET" % (n + 1))
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode)
    return out.getvalue()
