"""The file storage interface (shop/storage.py) and everything that reads or writes through it.

The local folder is the default; another class named by MEDIA_STORAGE / SCANS_STORAGE takes
every photo and scan (nothing goes to the instance folder then), and /media keeps deciding who
may see a photo whatever the storage.
"""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from shop import media, storage
from shop.catalog.models import ProductImage
from shop.certification import scans
from shop.enums import ProductStatus
from tests import images
from tests.factories import make_producer, make_product
from tests.security.conftest import sign_in

BAD_NAMES = ["", "../secret", "ab/../../x", "/etc/passwd", ".hidden", "ab/.x.part", "a\\b", "a\x00"]


class AddressedStorage(storage.MemoryStorage):
    """A storage with its own addresses, as an object store's pre-signed URLs."""

    def url(self, name: str) -> str | None:
        storage.checked_name(name)
        return f"https://bucket.example/{name}?signature=short-lived"


@pytest.fixture(params=["local", "memory"])
def kept(request, tmp_path):
    return (
        storage.LocalStorage(tmp_path / "root")
        if request.param == "local"
        else (storage.MemoryStorage())
    )


def test_a_storage_keeps_reads_and_deletes_a_file(kept):
    assert not kept.exists("ab/abc-320.webp")
    kept.save("ab/abc-320.webp", b"first bytes")
    assert kept.exists("ab/abc-320.webp")
    assert kept.read("ab/abc-320.webp") == b"first bytes"
    with kept.open("ab/abc-320.webp") as handle:
        assert handle.read() == b"first bytes"
    kept.save("ab/abc-320.webp", b"second")
    assert kept.read("ab/abc-320.webp") == b"second"
    assert kept.url("ab/abc-320.webp") is None  # the shop sends the bytes itself
    kept.delete("ab/abc-320.webp")
    assert not kept.exists("ab/abc-320.webp")
    kept.delete("ab/abc-320.webp")  # deleting what is not there is no error
    with pytest.raises(FileNotFoundError):
        kept.read("ab/abc-320.webp")
    with pytest.raises(FileNotFoundError):
        kept.open("ab/abc-320.webp")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_would_leave_the_storage_or_hide_in_it_is_refused(kept, name):
    for call in (
        lambda: kept.save(name, b"x"),
        lambda: kept.read(name),
        lambda: kept.exists(name),
        lambda: kept.delete(name),
        lambda: kept.url(name),
    ):
        with pytest.raises(ValueError):
            call()


def test_the_local_storage_leaves_no_partial_file_and_writes_only_under_its_root(tmp_path):
    kept = storage.LocalStorage(tmp_path / "root")
    kept.save("cd/cdef.jpg", b"\xff\xd8 whole")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["root/cd/cdef.jpg"]
    assert (tmp_path / "root" / "cd" / "cdef.jpg").read_bytes() == b"\xff\xd8 whole"


def test_a_failed_save_leaves_the_old_file_whole_and_no_partial_file(tmp_path, monkeypatch):
    kept = storage.LocalStorage(tmp_path)
    kept.save("ab/x.jpg", b"old")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        kept.save("ab/x.jpg", b"new bytes")
    assert kept.read("ab/x.jpg") == b"old"
    assert sorted(p.name for p in (tmp_path / "ab").iterdir()) == ["x.jpg"]


def test_media_root_and_scans_root_move_the_local_folders(app, tmp_path):
    app.config["MEDIA_ROOT"] = str(tmp_path / "shared" / "media")
    app.config["SCANS_ROOT"] = str(tmp_path / "shared" / "scans")
    stored = media.store_image(images.png(size=(400, 300)))
    scan = scans.store_scan(images.jpeg(size=(600, 400)))
    shared = tmp_path / "shared"
    assert sorted(p.relative_to(shared).as_posix() for p in shared.rglob("*") if p.is_file()) == [
        *sorted(f"media/{name}" for name in media.rendition_paths(stored.key)),
        *sorted(f"scans/{name}" for name in (scan.path, f"{scan.path[:-4]}-p1.png")),
    ]
    assert not (tmp_path / "instance" / "media").exists()
    assert not (tmp_path / "instance" / "scans").exists()


def test_another_storage_class_takes_every_photo_and_scan(app, tmp_path):
    app.config["MEDIA_STORAGE"] = "shop.storage:MemoryStorage"
    app.config["SCANS_STORAGE"] = "shop.storage:MemoryStorage"
    stored = media.store_image(images.png(size=(400, 300)))
    scan = scans.store_scan(images.jpeg(size=(600, 400)))
    photos, kept_scans = storage.storage("media"), storage.storage("scans")
    assert isinstance(photos, storage.MemoryStorage) and photos is not kept_scans
    assert sorted(photos.files) == sorted(media.rendition_paths(stored.key))
    assert sorted(kept_scans.files) == sorted([scan.path, f"{scan.path[:-4]}-p1.png"])
    with Image.open(io.BytesIO(photos.read(f"{stored.key[:2]}/{stored.key}-320.webp"))) as image:
        assert (image.format, image.width) == ("WEBP", 320)
    assert scans.drawn_pages(scan.path) == [(1, 600, 400)]
    assert not (tmp_path / "instance" / "media").exists()
    assert not (tmp_path / "instance" / "scans").exists()


def _product_with_photo(db, **fields):
    product = make_product(make_producer(), **fields)
    stored = media.store_image(images.png(size=(400, 300)))
    db.session.add(
        ProductImage(product=product, key=stored.key, width=stored.width, height=stored.height)
    )
    db.session.commit()
    return product, stored.key


def test_media_serves_a_photo_from_another_storage_and_still_hides_an_unlisted_one(
    app, db, frozen_today
):
    app.config["MEDIA_STORAGE"] = "shop.storage:MemoryStorage"
    product, key = _product_with_photo(db)
    client = sign_in(app)
    answer = client.get(f"/media/{key}-800.webp")
    assert answer.status_code == 200
    assert answer.data == storage.storage("media").read(f"{key[:2]}/{key}-800.webp")
    assert answer.mimetype == "image/webp"
    assert "max-age=600" in answer.headers["Cache-Control"]
    again = client.get(f"/media/{key}-800.webp", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    product.status = ProductStatus.HIDDEN
    db.session.commit()
    assert client.get(f"/media/{key}-800.webp").status_code == 404


def test_a_storage_with_its_own_addresses_is_redirected_to_only_after_the_check(
    app, db, frozen_today
):
    app.config["MEDIA_STORAGE"] = f"{__name__}:AddressedStorage"
    product, key = _product_with_photo(db)
    client = sign_in(app)
    answer = client.get(f"/media/{key}.jpg")
    assert answer.status_code == 302
    assert answer.location == f"https://bucket.example/{key[:2]}/{key}.jpg?signature=short-lived"
    assert answer.headers["Cache-Control"] == "no-store"  # the address expires: never kept
    product.status = ProductStatus.HIDDEN
    db.session.commit()
    hidden = client.get(f"/media/{key}.jpg")
    assert hidden.status_code == 404 and "Location" not in hidden.headers


def test_a_photo_missing_from_the_storage_is_a_404(app, db, frozen_today):
    app.config["MEDIA_STORAGE"] = "shop.storage:MemoryStorage"
    _, key = _product_with_photo(db)
    storage.storage("media").delete(f"{key[:2]}/{key}-320.webp")
    assert sign_in(app).get(f"/media/{key}-320.webp").status_code == 404
