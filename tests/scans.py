"""Small real and hostile files for upload tests."""

import io

from PIL import Image

from tests import pdfs


def png_bytes(size=(120, 80), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()


# A well-formed one-page PDF (xref stream and all), and the same with a script run on opening.
PDF = pdfs.one_page()
PDF_WITH_SCRIPT = pdfs.one_page(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>")
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
TEXT = b"this is not a scan\n"
