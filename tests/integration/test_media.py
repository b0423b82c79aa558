"""The image pipeline: what is stored from a producer's photo, and what is refused and why."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageFile

from shop import media
from shop.catalog.models import ProductImage
from tests import images
from tests.factories import make_product

RENDITION_WIDTHS = (320, 800, 1600)


def files_of(key: str) -> dict[str, Path]:
    """Every file stored for a key: the WebP renditions by width, and the JPEG fallback."""
    folder = media.media_root() / key[:2]
    found = {str(width): folder / f"{key}-{width}.webp" for width in RENDITION_WIDTHS}
    found["jpeg"] = folder / f"{key}.jpg"
    assert all(path.exists() for path in found.values()), found
    return found


def opened(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def rejected_code(data: bytes) -> str:
    with pytest.raises(media.ImageRejected) as caught:
        media.store_image(data)
    return caught.value.code


def test_a_photo_with_gps_keeps_no_exif_xmp_icc_or_comment_in_any_stored_file(app):
    stored = media.store_image(images.jpeg_with_gps())
    for name, path in files_of(stored.key).items():
        image = opened(path)
        assert len(image.getexif()) == 0, name
        assert not image.getexif().get_ifd(images.GPS_IFD), name
        for chunk in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
            assert chunk not in image.info, (name, chunk)
        raw = path.read_bytes()
        for marker in (b"Exif\0", b"EXIF", b"XMP ", b"ICCP", b"ICC_PROFILE", b"adobe:ns:meta"):
            assert marker not in raw, (name, marker)


def test_a_sideways_photo_is_stored_upright(app):
    stored = media.store_image(images.rotated_jpeg(orientation=6, size=(200, 100)))
    assert (stored.width, stored.height) == (100, 200)
    image = opened(files_of(stored.key)["320"]).convert("RGB")
    assert image.size == (100, 200)
    # Orientation 6 means "turn 90° clockwise to view": the red left half ends up on top.
    top, bottom = image.getpixel((50, 40)), image.getpixel((50, 160))
    assert top[0] > 150 and top[2] < 100, top
    assert bottom[2] > 150 and bottom[0] < 100, bottom


def test_a_transparent_png_keeps_its_alpha_in_webp_and_is_flattened_on_white_in_jpeg(app):
    stored = media.store_image(images.transparent_png(size=(200, 100)))
    files = files_of(stored.key)
    webp = opened(files["320"])
    assert webp.mode == "RGBA"
    assert webp.getpixel((40, 50))[3] == 0
    assert webp.getpixel((160, 50))[3] == 255
    jpeg = opened(files["jpeg"])
    assert jpeg.mode == "RGB"
    assert all(channel > 245 for channel in jpeg.getpixel((40, 50)))
    red = jpeg.getpixel((160, 50))
    assert red[0] > 180 and red[1] < 80


def test_a_png_with_a_transparent_colour_key_stays_transparent(app):
    keyed = images.encode(
        images.halves(size=(100, 50), left=(0, 0, 0)), "PNG", transparency=(0, 0, 0)
    )
    webp = opened(files_of(media.store_image(keyed).key)["320"])
    assert webp.mode == "RGBA" and webp.getpixel((10, 25))[3] == 0


@pytest.mark.parametrize(
    "build, code",
    [
        (images.truncated_jpeg, "not_an_image"),
        (images.text_named_jpeg, "not_an_image"),
        (lambda: b"", "not_an_image"),
        (images.gif, "format"),
        (lambda: images.encode(Image.new("RGB", (40, 40)), "BMP"), "format"),
        (images.too_large, "too_large"),
    ],
    ids=["truncated-jpeg", "text", "empty", "gif", "bmp", "over-10-mb"],
)
def test_hostile_or_unsupported_files_are_refused_with_a_reason(app, build, code):
    assert rejected_code(build()) == code
    root = media.media_root()
    assert not root.exists() or not any(root.rglob("*.*"))


@pytest.mark.parametrize(
    "size",
    [(20_000, 20_000), (8_000, 6_000)],
    ids=["beyond-pillow-limit", "beyond-shop-limit"],
)
def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(app, monkeypatch, size):
    bomb = images.png_bomb(*size)
    assert len(bomb) < 100_000  # tiny on disk, huge in memory

    def decode_refused(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode_refused)
    assert rejected_code(bomb) == "too_many_pixels"


def test_renditions_are_never_upscaled(app):
    stored = media.store_image(images.png(size=(500, 300)))
    assert (stored.width, stored.height) == (500, 300)
    files = files_of(stored.key)
    assert opened(files["320"]).size == (320, 192)
    for name in ("800", "1600", "jpeg"):
        assert opened(files[name]).size == (500, 300), name


def test_a_large_photo_gets_renditions_at_each_width_and_an_800_px_fallback(app):
    stored = media.store_image(images.jpeg(size=(2000, 1000)))
    files = files_of(stored.key)
    for width in RENDITION_WIDTHS:
        assert opened(files[str(width)]).size == (width, width // 2)
    assert opened(files["jpeg"]).size == (800, 400)


@pytest.mark.parametrize("size", [(40_000, 1), (1_000, 20_000)], ids=["banner", "tower"])
def test_extreme_shapes_within_the_pixel_cap_are_stored_not_crashed(app, size):
    bomb_shaped = images.png_bomb(*size)  # 1-bit, so cheap to build at any size
    stored = media.store_image(bomb_shaped)
    for path in files_of(stored.key).values():
        width, height = opened(path).size
        assert 1 <= width <= 1600 and 1 <= height <= media.WEBP_MAX_SIDE


def test_names_come_from_the_pixels_not_the_file(app):
    red_png = media.store_image(images.png(size=(64, 48), color=images.RED))
    red_webp = media.store_image(
        images.encode(Image.new("RGB", (64, 48), images.RED), "WEBP", lossless=True)
    )
    red_with_exif = media.store_image(
        images.encode(Image.new("RGB", (64, 48), images.RED), "PNG", exif=images.gps_exif())
    )
    blue_png = media.store_image(images.png(size=(64, 48), color=images.BLUE))
    assert red_png.key == red_webp.key == red_with_exif.key
    assert blue_png.key != red_png.key
    assert red_png.key.isalnum() and len(red_png.key) == 40


def test_the_media_route_serves_a_listed_products_renditions_and_404s_for_anything_else(
    app, db, client, frozen_today
):
    stored = media.store_image(images.jpeg(size=(900, 600)))
    db.session.add(
        ProductImage(product=make_product(), key=stored.key, width=900, height=600, position=0)
    )
    db.session.commit()
    for url in (f"/media/{stored.key}-320.webp", f"/media/{stored.key}.jpg"):
        response = client.get(url)
        assert response.status_code == 200, url
        # Minutes, not a year: the product may leave the shop (tests/integration/test_media_access.py).
        assert response.headers["Cache-Control"] == "public, max-age=600"
        assert response.mimetype in ("image/webp", "image/jpeg")
        assert Image.open(io.BytesIO(response.data)).format in ("WEBP", "JPEG")
        response.close()
    unknown = "0" * 40
    for url in (
        f"/media/{unknown}-320.webp",
        f"/media/{stored.key}-500.webp",
        f"/media/{stored.key}-0.webp",
        f"/media/{unknown}.jpg",
        f"/media/{stored.key[:10]}..-320.webp",
        "/media/..%2F..%2Fshop.db-320.webp",
    ):
        assert client.get(url).status_code == 404, url


# The same files through the producer's upload form: the right message, nothing stored.


@pytest.fixture
def product(db):
    product = make_product(certificate=False, name="Mật ong bạc hà")
    db.session.commit()
    return product


def upload(submit, product, data: bytes, filename: str):
    page = f"/producer/products/{product.id}"
    return submit(
        page,
        {"photo": (io.BytesIO(data), filename), "alt_text": ""},
        action=f"{page}/images",
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "build, filename, message",
    [
        (
            images.truncated_jpeg,
            "anh.jpg",
            "This file is not an image we can read, or it is damaged.",
        ),
        (
            images.text_named_jpeg,
            "anh.jpg",
            "This file is not an image we can read, or it is damaged.",
        ),
        (images.gif, "anh.gif", "The photo must be a JPEG, PNG or WebP image."),
        (images.gif, "anh.jpg", "The photo must be a JPEG, PNG or WebP image."),
        (images.too_large, "anh.jpg", "The photo may be at most 10 MB."),
        (images.png_bomb, "anh.png", "This photo has too many pixels (at most 40 megapixels)."),
    ],
    ids=["truncated-jpeg", "text-as-jpg", "gif", "gif-as-jpg", "over-10-mb", "bomb"],
)
def test_a_refused_upload_says_why_on_the_form_and_stores_nothing(
    db, english, login, submit, product, build, filename, message
):
    login(product.producer.owner)
    response = upload(submit, product, build(), filename)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field has-error"' in page
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0


def test_an_upload_past_the_request_limit_gets_the_too_large_page(
    db, english, login, submit, product
):
    login(product.producer.owner)
    response = upload(submit, product, images.too_large(limit=13 * 1024 * 1024), "anh.jpg")
    assert response.status_code == 413
    assert "at most 10 MB" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0


@pytest.mark.parametrize(
    "build, filename",
    [
        (images.jpeg_with_gps, "IMG_0001.JPG"),
        (images.transparent_png, "logo.png"),
        (images.webp, "a.webp"),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_a_good_photo_through_the_form_is_stored_clean_and_shown(
    db, client, login, submit, product, build, filename
):
    login(product.producer.owner)
    response = upload(submit, product, build(), filename)
    assert response.status_code == 302
    (image,) = db.session.scalars(sa.select(ProductImage)).all()
    assert image.product_id == product.id
    for path in files_of(image.key).values():
        assert "exif" not in opened(path).info
    page = client.get(f"/producer/products/{product.id}").get_data(as_text=True)
    assert f"/media/{image.key}-320.webp" in page
