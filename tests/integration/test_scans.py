"""Certificate scans are checked with a real PDF parser and drawn as images for staff
(issue #13, item 6).

The pattern checks they replace let a script through when it sat in an object stream whose
dictionary held a name containing "obj", or behind any filter but Flate. Here every object
qpdf finds is looked at, compressed or not, whatever its filters; PDFium draws each page as a
PNG (what staff see); both run in a process of their own whose memory and time are capped.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from shop.certification import scans
from tests import pdfs

JS = b"<</S/JavaScript/JS(app.alert(1))>>"
OPEN_JS = b"/OpenAction" + JS


def annotated(annotation: bytes, extra: dict[int, bytes] | None = None) -> bytes:
    """A page with one annotation (object 6), and more objects if given."""
    return pdfs.one_page(page_extra=b"/Annots[6 0 R]", extra={6: annotation, **(extra or {})})


def filespec(number: int) -> bytes:
    return b"<</Type/Filespec/F(payload.exe)/EF<</F %d 0 R>>>>" % number


EMBEDDED = b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream"


def encrypted(user_password: str) -> bytes:
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdfs.from_pikepdf(1))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="chu-so-huu", user=user_password))
    return out.getvalue()


def hidden_in_object_stream(*filters: str) -> bytes:
    """The issue's file: the catalogue, with a script to run on opening, inside an object
    stream whose own dictionary holds a name containing "obj"."""
    return pdfs.one_page(
        OPEN_JS + b"/Nobj true",
        packed=(1,),
        filters=filters,
        object_stream_extra=b"/Subobj true",
    )


HOSTILE = {
    "script on opening, in a Flate object stream next to /Subobj": (
        lambda: hidden_in_object_stream("FlateDecode"),
        "active_pdf",
    ),
    "the same behind ASCIIHex": (lambda: hidden_in_object_stream("ASCIIHexDecode"), "active_pdf"),
    "the same behind ASCII85 and Flate": (
        lambda: hidden_in_object_stream("ASCII85Decode", "FlateDecode"),
        "active_pdf",
    ),
    "the same behind LZW": (lambda: hidden_in_object_stream("LZWDecode"), "active_pdf"),
    "the same behind ASCIIHex and LZW": (
        lambda: hidden_in_object_stream("ASCIIHexDecode", "LZWDecode"),
        "active_pdf",
    ),
    "script on opening": (lambda: pdfs.one_page(OPEN_JS), "active_pdf"),
    "script on opening, #-escaped names": (
        lambda: pdfs.one_page(b"/Open#41ction<</S/Java#53cript/J#53(app.alert(1))>>"),
        "active_pdf",
    ),
    "script in a stream of its own": (
        lambda: pdfs.one_page(
            b"/OpenAction<</S/JavaScript/JS 6 0 R>>",
            extra={6: b"<</Length 12>>stream\napp.alert(1)\nendstream"},
        ),
        "active_pdf",
    ),
    "script as an indirect action without /Type, compressed": (
        lambda: pdfs.one_page(b"/OpenAction 6 0 R", extra={6: JS}, packed=(6,)),
        "active_pdf",
    ),
    "script chained after a harmless go-to (/Next)": (
        lambda: pdfs.one_page(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next" + JS + b">>"),
        "active_pdf",
    ),
    "document script in the names tree": (
        lambda: pdfs.one_page(b"/Names<</JavaScript<</Names[(a) 6 0 R]>>>>", extra={6: JS}),
        "active_pdf",
    ),
    "launch action": (lambda: pdfs.one_page(b"/OpenAction<</S/Launch/F(cmd.exe)>>"), "active_pdf"),
    "remote go-to": (
        lambda: pdfs.one_page(b"/OpenAction<</S/GoToR/F(other.pdf)/D[0/Fit]>>"),
        "active_pdf",
    ),
    "import data": (
        lambda: pdfs.one_page(b"/OpenAction<</S/ImportData/F(data.fdf)>>"),
        "active_pdf",
    ),
    "additional action on the page": (
        lambda: pdfs.one_page(page_extra=b"/AA<</O" + JS + b">>"),
        "active_pdf",
    ),
    "additional action on the document": (
        lambda: pdfs.one_page(b"/AA<</WC" + JS + b">>"),
        "active_pdf",
    ),
    "additional action on a link annotation": (
        lambda: annotated(b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/AA<</E 7 0 R>>>>", {7: JS}),
        "active_pdf",
    ),
    "link to a javascript: address": (
        lambda: annotated(
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/URI/URI(JavaScript:alert(1))>>>>"
        ),
        "active_pdf",
    ),
    "link that submits a form": (
        lambda: annotated(
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]"
            b"/A<</S/SubmitForm/F<</FS/URL/F(https://example.com/)>>>>>>"
        ),
        "active_pdf",
    ),
    "embedded file in the names tree": (
        lambda: pdfs.one_page(
            b"/Names<</EmbeddedFiles<</Names[(payload.exe) 6 0 R]>>>>",
            extra={6: filespec(7), 7: EMBEDDED},
        ),
        "active_pdf",
    ),
    "file attachment annotation": (
        lambda: annotated(
            b"<</Type/Annot/Subtype/FileAttachment/Rect[0 0 9 9]/FS 7 0 R>>",
            {7: filespec(8), 8: EMBEDDED},
        ),
        "active_pdf",
    ),
    "rich media annotation": (
        lambda: annotated(b"<</Type/Annot/Subtype/RichMedia/Rect[0 0 9 9]>>"),
        "active_pdf",
    ),
    "XFA form": (
        lambda: pdfs.one_page(
            b"/AcroForm<</Fields[]/XFA 6 0 R>>",
            extra={6: b"<</Length 11>>stream\n<xdp:xdp/>\nendstream"},
        ),
        "active_pdf",
    ),
    "encrypted, opens without a password": (lambda: encrypted(""), "encrypted"),
    "encrypted with a password": (lambda: encrypted("mat-khau"), "encrypted"),
    "eleven pages": (lambda: pdfs.from_pikepdf(11), "too_many_pages"),
    "cut short": (lambda: pdfs.one_page()[:-30], "broken"),
    "only a PDF header": (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50, "broken"),
}

BENIGN = {
    "scanner app (Pillow), one page": (lambda: pdfs.from_pillow(1), 1),
    "scanner app (Pillow), three pages": (lambda: pdfs.from_pillow(3), 3),
    "qpdf with object streams": (lambda: pdfs.from_pikepdf(2), 2),
    "qpdf without object streams": (lambda: pdfs.from_pikepdf(2, object_streams=False), 2),
    "hand-written, the catalogue compressed": (lambda: pdfs.one_page(packed=(1, 2, 5)), 1),
    "opens at a page (a destination)": (lambda: pdfs.one_page(b"/OpenAction[3 0 R/Fit]"), 1),
    "opens with a go-to action": (
        lambda: pdfs.one_page(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]>>"),
        1,
    ),
    "a web link and a named action": (
        lambda: annotated(
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/BS<</S/S/W 0>>"
            b"/A<</S/URI/URI(https://ocop.gov.vn/)/Next<</S/Named/N/NextPage>>>>>>"
        ),
        1,
    ),
    "/S that is no action (structure, transition, border)": (
        lambda: pdfs.one_page(
            b"/StructTreeRoot 6 0 R",
            b"/Trans<</S/Dissolve>>",
            extra={6: b"<</Type/StructTreeRoot/K<</Type/StructElem/S/P>>>>"},
        ),
        1,
    ),
    "image data where /JS, /AA and /Launch turn up by chance": (
        lambda: pdfs.one_page(
            extra={
                6: b"<</Type/XObject/Subtype/Image/Width 1/Height 1/BitsPerComponent 8"
                b"/ColorSpace/DeviceGray/Length 24>>stream\n/JS /AA /Launch (x) obj \nendstream"
            }
        ),
        1,
    ),
}


def stored_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "scans"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_or_broken_pdf_is_refused_and_nothing_is_kept(app, kind):
    build, code = HOSTILE[kind]
    with pytest.raises(scans.ScanRejected) as refused:
        scans.store_scan(build())
    assert refused.value.code == code, kind
    assert stored_files(app) == []


@pytest.mark.parametrize("kind", list(BENIGN))
def test_a_real_pdf_is_kept_as_sent_with_each_page_drawn(app, kind):
    build, pages = BENIGN[kind]
    data = build()
    stored = scans.store_scan(data)
    assert stored.content_type == "application/pdf" and stored.pages == pages
    folder = Path(app.instance_path) / "scans"
    assert (folder / stored.path).read_bytes() == data
    drawn = scans.drawn_pages(stored.path)
    assert [number for number, _, _ in drawn] == list(range(1, pages + 1))
    for number, width, height in drawn:
        assert max(width, height) <= 1600
        with Image.open(scans.page_file(stored.path, number)) as image:
            assert image.format == "PNG" and image.size == (width, height)


def test_a_drawn_page_looks_like_the_scan(app):
    stored = scans.store_scan(pdfs.from_pillow(1, size=(1240, 1754)))
    [(_, width, height)] = scans.drawn_pages(stored.path)
    assert (width, height) == (1132, 1600)  # A4 at most 1600 px high, proportions kept
    with Image.open(scans.page_file(stored.path, 1)) as page:
        rgb = page.convert("RGB")
        border = rgb.getpixel((round(66 * width / 1240), height // 2))
        paper = rgb.getpixel((width // 2, height // 2))
    assert border[0] > 140 and border[1] < 90, border  # the red frame drawn on the scan
    assert min(paper) > 230, paper


def test_an_image_scan_gets_one_drawn_page_of_its_pixels_alone(app):
    from tests.scans import png_bytes

    data = png_bytes(size=(2400, 1200)) + b""
    stored = scans.store_scan(data)
    assert stored.pages == 1 and scans.drawn_pages(stored.path) == [(1, 1600, 800)]


def test_a_compression_bomb_kills_the_checking_process_not_the_server(app):
    """1.4 GB of spaces after the catalogue in its object stream, 1.4 MB compressed: the
    checker hits its memory cap while qpdf inflates it, and only the checker dies."""
    data = pdfs.one_page(packed=(1,), object_stream_padding=1400)
    assert len(data) < scans.MAX_BYTES
    with pytest.raises(scans.ScanRejected) as refused:
        scans.store_scan(data)
    assert refused.value.code in ("too_complex", "broken")
    assert stored_files(app) == []


def test_a_pdf_that_takes_too_long_is_refused_as_too_complex(app, monkeypatch):
    monkeypatch.setattr(scans, "PDF_CHECK_SECONDS", 0.001)
    with pytest.raises(scans.ScanRejected) as refused:
        scans.store_scan(pdfs.one_page())
    assert refused.value.code == "too_complex"
    assert stored_files(app) == []


def test_the_checker_caps_its_own_memory_and_time():
    probe = (
        "import resource, runpy, sys; sys.argv = ['pdf_check', '/nonexistent'];"
        f"m = runpy.run_path({str(scans.PDF_CHECK)!r});"
        "m['limit_resources']();"
        "print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_CPU)[0])"
    )
    output = subprocess.run(
        [scans.sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert output == [str(1024**3), "20"]


def test_draw_scans_draws_the_pages_of_older_scans_and_reports_those_now_refused(app, db):
    """Scans stored before pages were drawn: the command draws them, checking them again."""
    from shop.certification.models import Certificate
    from tests.factories import make_product

    older = scans.store_scan(pdfs.from_pillow(2))
    for number in (1, 2):
        scans.page_file(older.path, number).unlink()
    hostile = hidden_in_object_stream("LZWDecode")  # taken by the old pattern checks
    folder = Path(app.instance_path) / "scans"
    (folder / "0badc0de.pdf").write_bytes(hostile)
    for path in (older.path, "0badc0de.pdf"):
        make_product(certificate={"scan_path": path, "scan_type": "application/pdf"})
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["certificates", "draw-scans"])

    assert result.exit_code == 0, result.output
    assert [n for n, _, _ in scans.drawn_pages(older.path)] == [1, 2]
    assert "0badc0de.pdf: refused (active_pdf)" in result.output
    assert "1 scans drawn, 1 refused." in result.output
    assert (folder / "0badc0de.pdf").read_bytes() == hostile  # evidence is kept
    assert db.session.query(Certificate).count() == 2
