"""Drawn scans of the demo's OCOP certificates: a producer submits a certificate with its scan.

The scan is a JPEG of an A4 certificate laid a little off on a scanner's glass, showing
what the record says (number, decision, issuing body, stars, product, producer), so that staff
can compare the two as they do for a real one. The rejected certificate's scan is the blurred
phone photo its rejection reason describes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zlib
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from shop.demo.drawing import font, wrap

SIZE = (1600, 1131)  # A4 landscape at about 140 dpi
GLASS = (205, 207, 204)
SHADOW = (150, 152, 150)
PAPER = (252, 249, 238)
INK = (34, 30, 28)
RED = (186, 32, 38)
GOLD = (196, 150, 52)


@dataclass(frozen=True)
class ScanFacts:
    """What the paper certificate says."""

    number: str
    decision_number: str
    decision_date: dt.date
    issuing_body: str
    stars: int
    product: str
    producer: str
    address: str
    legible: bool = True


def certificate_scan(facts: ScanFacts) -> bytes:
    """The JPEG scan of the certificate."""
    paper = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(paper)
    _glass(draw, zlib.crc32(facts.number.encode()) % 12)
    _border(draw)
    _heading(draw, facts.issuing_body)
    _title(draw, facts.stars)
    _body(draw, facts)
    _signature(draw, facts)
    if not facts.legible:
        paper = paper.filter(ImageFilter.GaussianBlur(7))
    buffer = io.BytesIO()
    paper.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _glass(draw: ImageDraw.ImageDraw, offset: int) -> None:
    """The scanner's glass showing along two edges: the sheet was laid a little off."""
    width, height = SIZE
    draw.rectangle((0, 0, width, 4 + offset), fill=GLASS)
    draw.rectangle((0, 0, 8 + offset, height), fill=GLASS)
    draw.rectangle((0, 0, 5, height), fill=SHADOW)  # the lid's edge


def _border(draw: ImageDraw.ImageDraw) -> None:
    """A red frame inside a gold one, with diamond corners."""
    width, height = SIZE
    draw.rectangle((28, 28, width - 28, height - 28), outline=RED, width=10)
    draw.rectangle((48, 48, width - 48, height - 48), outline=GOLD, width=4)
    for x, y in ((48, 48), (width - 48, 48), (48, height - 48), (width - 48, height - 48)):
        draw.regular_polygon((x, y, 22), 4, rotation=45, fill=RED)


def _heading(draw: ImageDraw.ImageDraw, body: str) -> None:
    """The issuing body on the left, the national motto on the right."""
    small, bold = font(24, "serif"), font(24, "serif-bold")
    left, right = 380, SIZE[0] - 400
    lines = wrap(body.upper(), bold, 560)
    for index, line in enumerate(lines):
        draw.text((left, 110 + 34 * index), line, font=bold, fill=INK, anchor="mm")
    rule_y = 110 + 34 * len(lines) - 8
    draw.line((left - 90, rule_y, left + 90, rule_y), fill=INK, width=2)
    draw.text((right, 110), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill=INK, anchor="mm")
    draw.text((right, 144), "Độc lập – Tự do – Hạnh phúc", font=small, fill=INK, anchor="mm")
    draw.line((right - 170, 166, right + 170, 166), fill=INK, width=2)


def _title(draw: ImageDraw.ImageDraw, stars: int) -> None:
    """The title, the rating in words and as five stars (the earned ones filled)."""
    centre = SIZE[0] / 2
    draw.text((centre, 270), "GIẤY CHỨNG NHẬN", font=font(76, "serif-bold"), fill=RED, anchor="mm")
    subtitle = f"SẢN PHẨM OCOP ĐẠT HẠNG {stars} SAO"
    draw.text((centre, 345), subtitle, font=font(34, "serif-bold"), fill=INK, anchor="mm")
    for index in range(5):
        x = centre + (index - 2) * 70
        fill = GOLD if index < stars else None
        _star(draw, x, 415, 28, fill=fill, outline=GOLD)


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, radius: float, **colours) -> None:
    """A five-pointed star centred on (x, y)."""
    points = []
    for index in range(10):
        r = radius if index % 2 == 0 else radius * 0.42
        angle = math.pi / 2 + index * math.pi / 5
        points.append((x + r * math.cos(angle), y - r * math.sin(angle)))
    draw.polygon(points, width=3, **colours)


def _body(draw: ImageDraw.ImageDraw, facts: ScanFacts) -> None:
    """Product, producer, decision and number, as the certificate states them."""
    centre, text, bold = SIZE[0] / 2, font(28, "serif"), font(30, "serif-bold")
    draw.text((centre, 485), "Chứng nhận sản phẩm", font=text, fill=INK, anchor="mm")
    name_font = font(46 if len(facts.product) <= 40 else 38, "serif-bold")
    for index, line in enumerate(wrap(facts.product, name_font, 1300)[:2]):
        draw.text((centre, 545 + 56 * index), line, font=name_font, fill=RED, anchor="mm")
    day = facts.decision_date
    rows = (
        ("Chủ thể: ", facts.producer),
        ("Địa chỉ: ", facts.address),
        ("Theo Quyết định số ", f"{facts.decision_number} ngày {day:%d/%m/%Y}"),
        ("Số giấy chứng nhận: ", facts.number),
    )
    y = 660
    for label, value in rows:
        width = text.getlength(label) + bold.getlength(value)
        x = centre - width / 2
        draw.text((x, y), label, font=text, fill=INK, anchor="lm")
        draw.text((x + text.getlength(label), y), value, font=bold, fill=INK, anchor="lm")
        y += 48
    note = "Giấy chứng nhận có giá trị 36 tháng kể từ ngày ký quyết định."
    draw.text((centre, y + 8), note, font=font(24, "serif"), fill=INK, anchor="mm")


def _signature(draw: ImageDraw.ImageDraw, facts: ScanFacts) -> None:
    """The date line, the signer's title, a seal and a signature, bottom right."""
    x, day = SIZE[0] - 400, facts.decision_date
    place = _place(facts.issuing_body)
    dated = f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    draw.text((x, 905), dated, font=font(24, "serif"), fill=INK, anchor="mm")
    ministry = facts.issuing_body.startswith("Bộ ")
    title = ("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG") if ministry else ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    for index, line in enumerate(title):
        draw.text((x, 945 + 32 * index), line, font=font(24, "serif-bold"), fill=INK, anchor="mm")
    draw.ellipse((x - 150, 930, x - 10, 1070), outline=RED, width=6)
    draw.ellipse((x - 128, 952, x - 32, 1048), outline=RED, width=3)
    _star(draw, x - 80, 1000, 26, fill=RED)
    seed = zlib.crc32(facts.number.encode())
    phase = seed % 7
    wave = [
        (x - 60 + i * 8, 1040 + 14 * math.sin(i * 0.9 + phase) + 6 * math.sin(i * 2.3))
        for i in range(20)
    ]
    draw.line(wave, fill=(40, 50, 120), width=4, joint="curve")


def _place(body: str) -> str:
    """Where the decision was signed: the capital for the ministry, else the body's place."""
    if body.startswith("Bộ "):
        return "Hà Nội"
    place = body.removeprefix("UBND ")
    for unit in ("tỉnh ", "thành phố ", "huyện ", "thị xã "):
        place = place.removeprefix(unit)
    return place
