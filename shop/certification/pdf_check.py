"""Check a PDF scan with a real PDF parser and draw its pages, in a process of its own.

    python -I pdf_check.py OUTPUT_FOLDER < scan.pdf

prints one line of JSON: {"pages": N} after writing page-1.png … page-N.png into the folder,
or {"refused": CODE}. It is started by `scans.store_scan` as a separate process that limits
its own memory and CPU time before it parses anything, so a PDF bomb (a compression bomb in
an object stream, a page that takes minutes to draw) kills this process, never the server.
It imports nothing from the shop (only the standard library, pikepdf, pypdfium2 and Pillow).

What it refuses, wherever it sits (every object qpdf finds, those inside compressed object
streams included, whatever their filters: Flate, LZW, ASCIIHex, ASCII85, RunLength):
JavaScript, launch, remote-go-to, import, submit and every other action but an internal
go-to, a named action and a web or mail link; additional actions (/AA) on the document,
pages, fields and annotations; embedded files and file attachments; XFA forms; rich media,
3D, sound and movie annotations; encryption; and a file qpdf had to repair (a damaged file is
where two readers disagree about what it holds). A second reader, PDFium, draws the pages and
counts document scripts and attachments again.
"""

from __future__ import annotations

import io
import json
import resource
import sys
from pathlib import Path

MAX_PAGES = 10
LONG_SIDE = 1600  # pixels of a drawn page's longer side, at most
MAX_DPI = 200
MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes of address space
CPU_SECONDS = 20

# Keys that are an active feature wherever they appear.
ACTIVE_KEYS = {
    "/JS",
    "/JavaScript",
    "/AA",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/EF",
    "/XFA",
    "/RichMedia",
    "/RichMediaContent",
    "/RichMediaSettings",
    "/3DD",
}
# The only actions a certificate scan may carry; everything else (JavaScript, Launch, GoToR,
# GoToE, ImportData, SubmitForm, ResetForm, Rendition, Sound, Movie, Hide, …) is refused.
ALLOWED_ACTIONS = {"/GoTo", "/Named", "/URI"}
ALLOWED_URI_SCHEMES = ("http://", "https://", "mailto:")
# Where an action dictionary sits (it may be an indirect object: resolved there).
ACTION_KEYS = {"/A", "/OpenAction", "/Next", "/PA"}
REFUSED_ANNOTATIONS = {
    "/FileAttachment",
    "/Sound",
    "/Movie",
    "/Screen",
    "/RichMedia",
    "/3D",
}


class Rejected(Exception):
    """The scan is refused; the argument is the reason code. Internal to this process (which
    imports nothing from the shop): the code crosses to the server as JSON, where
    scans.ScanRejected — a shop.errors.Refused — carries the producer's message."""


def limit_resources() -> None:
    """Cap this process before it reads anything (Linux: address space and CPU seconds)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def check_action(value, key: str) -> None:
    """What `key` (/A, /OpenAction, /Next, /PA) holds: an action, a list of actions (/Next)
    or, for /OpenAction, a destination (a page to open at: harmless)."""
    import pikepdf

    if isinstance(value, pikepdf.Array):
        if key == "/Next":
            for item in value:
                check_action(item, key)
        return
    if not isinstance(value, pikepdf.Dictionary):
        return
    kind = str(value.get("/S", ""))
    if kind not in ALLOWED_ACTIONS:
        raise Rejected("active_pdf")
    if kind == "/URI":
        target = bytes(value.get("/URI", b"")).decode("latin-1").strip().lower()
        if not target.startswith(ALLOWED_URI_SCHEMES):
            raise Rejected("active_pdf")


def walk(value, depth: int = 0) -> None:
    """Look through one object's direct content (indirect ones are visited on their own,
    except the actions an action key points to, which are checked where they are used)."""
    import pikepdf

    if depth > 64:  # no document nests direct objects this deep: a stack-exhaustion attempt
        raise Rejected("broken")
    if isinstance(value, pikepdf.Stream):
        value = value.stream_dict
    if isinstance(value, pikepdf.Array):
        for item in value:
            if not _indirect(item):
                walk(item, depth + 1)
    elif isinstance(value, pikepdf.Dictionary):
        check_dictionary(value, depth)


def check_dictionary(value, depth: int) -> None:
    kind = str(value.get("/Type", ""))
    if kind == "/EmbeddedFile" or str(value.get("/Subtype", "")) in REFUSED_ANNOTATIONS:
        raise Rejected("active_pdf")
    if kind == "/Action":
        check_action(value, "/A")
    for key in list(value.keys()):
        if key in ACTIVE_KEYS:
            raise Rejected("active_pdf")
        item = value.get(key)
        if key in ACTION_KEYS:
            check_action(item, key)
        if not _indirect(item):
            walk(item, depth + 1)


def _indirect(value) -> bool:
    return bool(getattr(value, "is_indirect", False))


def check(data: bytes) -> int:
    """Every object of the PDF, through qpdf; returns its number of pages."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise Rejected("encrypted") from None
    except pikepdf.PdfError:
        raise Rejected("broken") from None
    with pdf:
        if pdf.is_encrypted:
            raise Rejected("encrypted")
        try:
            for obj in pdf.objects:
                walk(obj)
            walk(pdf.trailer)
            pages = len(pdf.pages)
        except pikepdf.PdfError:
            raise Rejected("broken") from None
        if pdf.get_warnings():
            raise Rejected("broken")
    if pages < 1:
        raise Rejected("broken")
    if pages > MAX_PAGES:
        raise Rejected("too_many_pages")
    return pages


def draw(data: bytes, folder: Path) -> int:
    """Draw each page as a PNG (at most LONG_SIDE pixels, MAX_DPI); PDFium runs no script."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise Rejected("broken") from None
    try:
        raw = document.raw
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(raw) or pdfium_c.FPDFDoc_GetAttachmentCount(
            raw
        ):
            raise Rejected("active_pdf")
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise Rejected("broken")
            scale = min(MAX_DPI / 72, LONG_SIDE / max(width, height))
            image = page.render(scale=scale, may_draw_forms=False).to_pil()
            image.convert("RGB").save(folder / f"page-{index + 1}.png", "PNG")
            page.close()
        return len(document)
    finally:
        document.close()


def main() -> None:
    limit_resources()
    folder = Path(sys.argv[1])
    data = sys.stdin.buffer.read()
    try:
        pages = check(data)
        if draw(data, folder) != pages:
            raise Rejected("broken")  # the two readers disagree about the file
    except Rejected as refusal:
        print(json.dumps({"refused": str(refusal)}))
        return
    print(json.dumps({"pages": pages}))


if __name__ == "__main__":
    main()
