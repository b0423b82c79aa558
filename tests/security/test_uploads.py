"""Hostile uploads, every kind in one place, through both upload forms: product photos and
certificate scans. Each is refused with a clear message on the form and nothing is stored (no
row, no file), except where the defence is re-encoding (a photo's pixels are copied into a new
file, so bytes hidden after the image never reach a stored file: checked below).

The content checks themselves are unit-tested in tests/integration/test_media.py and
test_certificates.py; the helpers come from tests/images.py and tests/scans.py.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.catalog.models import ProductImage
from shop.certification.models import Certificate
from tests import images, scans
from tests.factories import make_producer, make_product
from tests.security.conftest import sign_in, token_of

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", HTML)
    return out.getvalue()


def jpeg_then_html() -> bytes:
    return scans.jpeg_bytes() + HTML


def png_then_zip() -> bytes:
    return scans.png_bytes() + zip_bytes()


def pdf_with(catalog_extra: bytes) -> bytes:
    return scans.PDF.replace(b"/Type/Catalog", b"/Type/Catalog" + catalog_extra)


def pdf_with_hidden_open_action() -> bytes:
    """The OpenAction written with #-escapes in its name, which PDF readers decode."""
    return pdf_with(b"/Open#41ction<</S/Java#53cript/J#53(app.alert(1))>>")


def pdf_with_compressed_open_action() -> bytes:
    """The catalogue inside a compressed object stream (PDF 1.5): no plain-text /OpenAction."""
    body = b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"
    packed = zlib.compress(b"1 0 " + body)
    return (
        b"%PDF-1.5\n"
        b"4 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
        + str(len(packed)).encode()
        + b">>stream\n"
        + packed
        + b"\nendstream endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_with_streams(*streams: tuple[bytes, bytes]) -> bytes:
    """A one-page PDF followed by extra objects (dictionary, stream body)."""
    extra = b"".join(
        b"%d 0 obj<<%s/Length %d>>stream\n%s\nendstream endobj\n" % (5 + n, head, len(body), body)
        for n, (head, body) in enumerate(streams)
    )
    return scans.PDF.replace(b"trailer", extra + b"trailer")


NOT_AN_IMAGE = "This file is not an image we can read, or it is damaged."
NOT_A_PHOTO_FORMAT = "The photo must be a JPEG, PNG or WebP image."
SCAN_FORMAT = "The scan must be a JPEG, PNG or PDF file."
ACTIVE_PDF = "This PDF contains scripts or attachments."

# kind → (bytes, filename, message on the photo form, message on the scan form)
HOSTILE = {
    "renamed exe": (lambda: scans.WINDOWS_EXE, "anh.jpg", NOT_AN_IMAGE, SCAN_FORMAT),
    "html": (lambda: HTML, "anh.html", NOT_AN_IMAGE, SCAN_FORMAT),
    "html named png": (lambda: HTML, "anh.png", NOT_AN_IMAGE, SCAN_FORMAT),
    "svg with script": (lambda: SVG, "anh.svg", NOT_AN_IMAGE, SCAN_FORMAT),
    "zip": (zip_bytes, "anh.jpg", NOT_AN_IMAGE, SCAN_FORMAT),
    "pdf with javascript": (lambda: scans.PDF_WITH_SCRIPT, "scan.pdf", NOT_AN_IMAGE, ACTIVE_PDF),
    "pdf with launch action": (
        lambda: pdf_with(b"/OpenAction<</S/Launch/F(cmd.exe)>>"),
        "scan.pdf",
        NOT_AN_IMAGE,
        ACTIVE_PDF,
    ),
    "pdf with #-escaped open action": (
        pdf_with_hidden_open_action,
        "scan.pdf",
        NOT_AN_IMAGE,
        ACTIVE_PDF,
    ),
    "pdf with compressed open action": (
        pdf_with_compressed_open_action,
        "scan.pdf",
        NOT_AN_IMAGE,
        ACTIVE_PDF,
    ),
    "decompression bomb": (
        images.png_bomb,
        "anh.png",
        "This photo has too many pixels",
        "This image is too large in pixels.",
    ),
    "truncated jpeg": (images.truncated_jpeg, "anh.jpg", NOT_AN_IMAGE, SCAN_FORMAT),
    "zero bytes": (lambda: b"", "anh.jpg", "Choose a photo to upload.", "Attach the scan"),
    "gif": (images.gif, "anh.jpg", NOT_A_PHOTO_FORMAT, SCAN_FORMAT),
}
POLYGLOTS = {
    "jpeg then html": jpeg_then_html,
    "png then zip": png_then_zip,
    "pdf then zip": lambda: scans.PDF + zip_bytes() + b"\n%%EOF\n",
}
# Real scans the stricter PDF check must still take: binary image data where /JS or /AA turn
# up by chance, and a compressed object stream with no action in it.
BENIGN_PDFS = {
    "image stream with /JS by chance": lambda: pdf_with_streams(
        (b"/Subtype/Image/Filter/DCTDecode", b"\xff\xd8/JS /AA\x00\x01/Launch)\xff\xd9")
    ),
    "compressed object stream": lambda: pdf_with_streams(
        (b"/Type/ObjStm/N 1/First 4/Filter/FlateDecode", zlib.compress(b"6 0 <</Count 1>>"))
    ),
}


@pytest.fixture
def seller(app, db, frozen_today, fast_demo):
    producer = make_producer()
    product = make_product(producer, certificate=False, name="Cà phê Robusta")
    db.session.commit()
    return sign_in(app, producer.owner), product


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def instance_files(app) -> list[Path]:
    return files_under(Path(app.instance_path).parent)


def upload_photo(client, product, data: bytes, filename: str):
    page = f"/producer/products/{product.id}"
    return client.post(
        f"{page}/images",
        data={
            "photo": (io.BytesIO(data), filename),
            "alt_text": "",
            "csrf_token": token_of(client, page),
        },
        content_type="multipart/form-data",
    )


def upload_scan(client, product, data: bytes, filename: str):
    page = f"/producer/products/{product.id}/certificates/new"
    form = {
        "number": "OCOP-DL-2025-0153",
        "decision_number": "2751/QĐ-UBND",
        "decision_date": "2025-06-10",
        "issuing_body": "UBND tỉnh Đắk Lắk",
        "issuing_level": "province",
        "stars": "4",
        "scan": (io.BytesIO(data), filename),
        "csrf_token": token_of(client, page),
    }
    return client.post(page, data=form, content_type="multipart/form-data")


def rows(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_photo_is_refused_with_a_message_and_nothing_is_stored(app, db, seller, kind):
    client, product = seller
    build, filename, message, _ = HOSTILE[kind]
    before = instance_files(app)
    response = upload_photo(client, product, build(), filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (kind, response.status_code)
    assert message in page, kind
    assert 'class="field has-error"' in page
    assert rows(db, ProductImage) == 0
    assert instance_files(app) == before


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_scan_is_refused_with_a_message_and_nothing_is_stored(app, db, seller, kind):
    client, product = seller
    build, filename, _, message = HOSTILE[kind]
    before = instance_files(app)
    response = upload_scan(client, product, build(), filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (kind, response.status_code)
    assert message in page, kind
    assert rows(db, Certificate) == 0
    assert instance_files(app) == before


@pytest.mark.parametrize("kind", list(POLYGLOTS))
def test_a_polyglot_scan_is_refused_since_scans_are_kept_as_sent(app, db, seller, kind):
    client, product = seller
    response = upload_scan(client, product, POLYGLOTS[kind](), "scan.jpg")
    assert response.status_code == 200
    assert SCAN_FORMAT in response.get_data(as_text=True)
    assert rows(db, Certificate) == 0
    assert files_under(Path(app.instance_path) / "scans") == []


@pytest.mark.parametrize("kind", list(BENIGN_PDFS))
def test_a_plain_pdf_scan_with_binary_or_compressed_streams_is_accepted(app, db, seller, kind):
    client, product = seller
    response = upload_scan(client, product, BENIGN_PDFS[kind](), "scan.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert rows(db, Certificate) == 1


@pytest.mark.parametrize("kind", [k for k in POLYGLOTS if not k.startswith("pdf")])
def test_a_polyglot_photo_is_re_encoded_and_nothing_hidden_reaches_a_stored_file(
    app, db, seller, kind
):
    client, product = seller
    response = upload_photo(client, product, POLYGLOTS[kind](), "anh.jpg")
    assert response.status_code == 302
    stored = files_under(Path(app.instance_path) / "media")
    assert stored
    for path in stored:
        content = path.read_bytes()
        assert b"<script" not in content and b"PK\x03\x04" not in content, path
        assert not zipfile.is_zipfile(path), path


@pytest.mark.parametrize("upload", [upload_photo, upload_scan], ids=["photo", "scan"])
def test_a_file_over_the_request_limit_gets_the_friendly_413_page(app, db, seller, upload):
    client, product = seller
    response = upload(client, product, images.too_large(limit=13 * 1024 * 1024), "anh.jpg")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "at most 10 MB" in page and "<html" in page
    assert rows(db, ProductImage) == 0 and rows(db, Certificate) == 0
    assert files_under(Path(app.instance_path) / "media") == []
    assert files_under(Path(app.instance_path) / "scans") == []


TRAVERSALS = ["../../x.png", "..\\..\\x.png", "/etc/passwd", "....//x.png", "x.png\x00.html"]


@pytest.mark.parametrize("filename", TRAVERSALS)
def test_a_file_name_never_chooses_where_or_as_what_a_file_is_stored(app, db, seller, filename):
    """Names are ignored: files are named by their content, inside their own folder."""
    client, product = seller
    outside_before = files_under(Path(app.instance_path).parent)
    photo = upload_photo(client, product, images.png(), filename)
    scan = upload_scan(client, product, scans.png_bytes(), filename)
    assert photo.status_code == 302 and scan.status_code == 302
    media_root = Path(app.instance_path) / "media"
    scans_root = Path(app.instance_path) / "scans"
    new = set(files_under(Path(app.instance_path).parent)) - set(outside_before)
    assert new and all(
        path.is_relative_to(media_root) or path.is_relative_to(scans_root) for path in new
    ), new
    assert not any(path.stem == "x" or "passwd" in path.name for path in new)
    image = db.session.scalars(sa.select(ProductImage)).one()
    certificate = db.session.scalars(sa.select(Certificate)).one()
    assert "/" not in certificate.scan_path and ".." not in certificate.scan_path
    assert image.key.isalnum()
