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
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from shop.catalog.models import ProductImage
from shop.certification.models import Certificate
from tests import images, pdfs, scans
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
    return pdfs.one_page(catalog_extra)


def pdf_with_hidden_open_action() -> bytes:
    """The OpenAction written with #-escapes in its name, which PDF readers decode."""
    return pdf_with(b"/Open#41ction<</S/Java#53cript/J#53(app.alert(1))>>")


def pdf_with_compressed_open_action(*filters: str) -> bytes:
    """The catalogue inside a compressed object stream (PDF 1.5): no plain-text /OpenAction,
    and a name containing "obj" in the object stream's dictionary (issue #13, item 6)."""
    return pdfs.one_page(
        b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>",
        packed=(1,),
        filters=filters or ("FlateDecode",),
        object_stream_extra=b"/Subobj true",
    )


def encrypted_pdf() -> bytes:
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdfs.from_pikepdf(1))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="chu-so-huu", user="mat-khau"))
    return out.getvalue()


NOT_AN_IMAGE = "This file is not an image we can read, or it is damaged."
NOT_A_PHOTO_FORMAT = "The photo must be a JPEG, PNG or WebP image."
SCAN_FORMAT = "The scan must be a JPEG, PNG or PDF file."
ACTIVE_PDF = "This PDF contains scripts or attachments."
ENCRYPTED_PDF = "This PDF is protected by a password."

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
    "pdf with open action in an LZW object stream": (
        lambda: pdf_with_compressed_open_action("ASCIIHexDecode", "LZWDecode"),
        "scan.pdf",
        NOT_AN_IMAGE,
        ACTIVE_PDF,
    ),
    "pdf with an embedded file": (
        lambda: pdfs.one_page(
            b"/Names<</EmbeddedFiles<</Names[(a.exe) 6 0 R]>>>>",
            extra={
                6: b"<</Type/Filespec/F(a.exe)/EF<</F 7 0 R>>>>",
                7: b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream",
            },
        ),
        "scan.pdf",
        NOT_AN_IMAGE,
        ACTIVE_PDF,
    ),
    "encrypted pdf": (encrypted_pdf, "scan.pdf", NOT_AN_IMAGE, ENCRYPTED_PDF),
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
# Real scans the PDF check must still take: binary image data where /JS or /AA turn up by
# chance, a compressed object stream with no action in it, what scanner apps and qpdf write.
BENIGN_PDFS = {
    "image stream with /JS by chance": lambda: pdfs.one_page(
        extra={
            6: b"<</Type/XObject/Subtype/Image/Width 23/Height 1/BitsPerComponent 8"
            b"/ColorSpace/DeviceGray/Length 23>>stream\n/JS /AA\x00\x01/Launch) obj \x00\nendstream"
        }
    ),
    "compressed object stream": lambda: pdfs.one_page(packed=(1, 2, 5)),
    "scanner app (Pillow)": lambda: pdfs.from_pillow(2),
    "qpdf": lambda: pdfs.from_pikepdf(1),
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


SCAN_KINDS = {
    "pdf": (lambda: pdfs.from_pillow(2), "application/pdf", 2),
    "png": (scans.png_bytes, "image/png", 1),
    "jpeg": (scans.jpeg_bytes, "image/jpeg", 1),
}


@pytest.mark.parametrize("kind", list(SCAN_KINDS))
def test_staff_see_a_scan_as_drawn_pages_and_the_original_only_downloads_sandboxed(
    app, db, seller, kind
):
    from shop.enums import Role
    from tests.factories import make_user

    client, product = seller
    build, content_type, pages = SCAN_KINDS[kind]
    data = build()
    assert upload_scan(client, product, data, f"scan.{kind}").status_code == 302
    certificate = db.session.scalars(sa.select(Certificate)).one()
    staff = sign_in(app, make_user(Role.STAFF))

    page = staff.get(f"/staff/certificates/{certificate.id}").get_data(as_text=True)
    assert "<iframe" not in page and "<embed" not in page and "<object" not in page
    for n in range(1, pages + 1):
        src = f"/staff/certificates/{certificate.id}/scan/pages/{n}.png"
        assert f'src="{src}"' in page
        drawn = staff.get(src)
        assert drawn.status_code == 200 and drawn.mimetype == "image/png"
        body, cache = drawn.get_data(), drawn.headers["Cache-Control"]
        drawn.close()
        assert Image.open(io.BytesIO(body)).format == "PNG" and cache == "private, no-cache"
    assert (
        staff.get(f"/staff/certificates/{certificate.id}/scan/pages/{pages + 1}.png").status_code
        == 404
    )

    for who, url in (
        ("staff", f"/staff/certificates/{certificate.id}/scan"),
        ("producer", f"/producer/certificates/{certificate.id}/scan"),
    ):
        response = (staff if who == "staff" else client).get(url)
        assert response.status_code == 200, who
        assert response.data == data, who  # kept as sent: evidence
        assert response.mimetype == content_type
        assert response.headers["Content-Disposition"].startswith("attachment;"), who
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        policy = response.headers["Content-Security-Policy"]
        assert policy.split(";")[0] == "sandbox" and "default-src 'none'" in policy, policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "private, no-store"
        response.close()


def test_the_drawn_pages_are_for_staff_only(app, db, seller):
    from tests.factories import make_user

    client, product = seller
    assert upload_scan(client, product, pdfs.from_pillow(1), "scan.pdf").status_code == 302
    certificate = db.session.scalars(sa.select(Certificate)).one()
    url = f"/staff/certificates/{certificate.id}/scan/pages/1.png"
    assert client.get(url).status_code == 403  # its own producer: a staff page
    assert sign_in(app, make_user()).get(url).status_code == 403
    assert sign_in(app).get(url).status_code == 302  # to the log-in page
