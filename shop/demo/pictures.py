"""The demo's product pictures, drawn with Pillow: nothing is downloaded.

Each product gets a large pack with its name on the label (a woven basket, a hat or a lamp
gets a name card instead), plus a line-up of its packs when it has several. The pictures are
PNG bytes for the shop's own photo pipeline, as a producer's upload would be.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from shop.demo.data import ProductRow
from shop.demo.drawing import font, wrap

SIZE = (1200, 900)
SCALE = 2  # pictures are drawn at twice the size and reduced, for smooth edges

# (background top, background bottom, table, package) colours for each product set.
PALETTES = {
    3: ((248, 238, 206), (231, 205, 148), (150, 108, 70), (241, 233, 212)),
    4: ((255, 233, 170), (243, 181, 84), (138, 88, 42), (222, 150, 32)),
    6: ((251, 241, 220), (234, 208, 164), (146, 106, 68), (243, 236, 216)),
    7: ((255, 230, 206), (240, 166, 124), (146, 78, 58), (190, 62, 56)),
    8: ((255, 226, 198), (232, 146, 104), (118, 68, 48), (182, 74, 42)),
    9: ((243, 232, 204), (205, 165, 104), (106, 68, 40), (154, 84, 28)),
    10: ((255, 236, 208), (222, 152, 92), (118, 70, 44), (120, 56, 36)),
    11: ((234, 242, 218), (172, 202, 142), (88, 108, 60), (58, 108, 62)),
    12: ((240, 246, 226), (190, 214, 160), (98, 118, 68), (122, 160, 80)),
    13: ((246, 228, 204), (198, 142, 98), (92, 58, 38), (112, 72, 46)),
    14: ((250, 238, 214), (214, 170, 112), (100, 62, 40), (226, 234, 228)),
    15: ((248, 226, 234), (192, 112, 134), (88, 40, 56), (112, 30, 60)),
    17: ((232, 246, 236), (150, 206, 172), (60, 118, 90), (206, 236, 214)),
    18: ((238, 244, 228), (162, 192, 142), (80, 100, 60), (72, 102, 52)),
    19: ((246, 238, 246), (202, 182, 212), (108, 88, 120), (250, 248, 250)),
    20: ((242, 247, 232), (172, 202, 152), (70, 96, 60), (126, 82, 40)),
    21: ((251, 241, 224), (228, 198, 152), (148, 108, 74), (196, 150, 92)),
    22: ((238, 234, 247), (152, 142, 192), (60, 55, 100), (44, 54, 112)),
}
SET_SHAPES = {3: "sack", 4: "jar", 6: "box", 7: "jar", 8: "bag", 9: "bottle", 10: "jar"}
SET_SHAPES |= {11: "bag", 12: "box", 13: "bag", 14: "bottle", 15: "bottle", 17: "bottle"}
SET_SHAPES |= {18: "jar", 19: "bottle", 20: "vial", 21: "basket", 22: "cloth"}
# The first matching word of the product's name picks a more fitting shape.
NAME_SHAPES = (
    ("Nón", "hat"),
    ("Đèn", "lamp"),
    ("Khay", "tray"),
    ("Mắm", "jar"),
    ("Muối", "jar"),
    ("Gạo", "sack"),
    ("Kẹo", "box"),
    ("Xà phòng", "box"),
    ("Nấm", "bag"),
    ("Miến", "bag"),
    ("Tinh bột", "bag"),
    ("Măng", "bag"),
    ("nguyên sáp", "box"),
    ("Mắc ca", "box"),
    ("Dầu dừa", "bottle"),
)


def product_pictures(row: ProductRow) -> list[tuple[bytes, str]]:
    """(PNG, alt text): the product, plus a line-up of its packs when it has several."""
    pictures = [(_product_picture(row), row.name)]
    if len(row.variants) > 1:
        labels = ", ".join(label for label, *_ in row.variants)
        pictures.append((_lineup_picture(row), f"{row.name}: {labels}"[:200]))
    return pictures


def shape_for(row: ProductRow) -> str:
    """The drawn shape: by a word of the name, else by the product set."""
    for word, shape in NAME_SHAPES:
        if word in row.name:
            return shape
    return SET_SHAPES.get(row.set_code, "box")


def _product_picture(row: ProductRow) -> bytes:
    """One large pack of the product, its name on the label."""
    image, draw = _canvas(row.set_code)
    shape = shape_for(row)
    base = 700 if shape in TAGGED_SHAPES else 770
    label_box = _draw_shape(draw, shape, row.set_code, 600, base, 1.0)
    _label(draw, label_box, row.name, shape)
    return _png(image)


def _lineup_picture(row: ProductRow) -> bytes:
    """The product's packs side by side, sized by weight, each captioned with its label."""
    image, draw = _canvas(row.set_code)
    shape = shape_for(row)
    variants = row.variants[:3]
    heaviest = max(weight for *_, weight in variants)
    step = 1200 / (len(variants) + 1)
    font = _font(38)
    short_name = " ".join(row.name.split()[:2])
    for index, (label, _price, _stock, weight) in enumerate(variants):
        cx = step * (index + 1)
        scale = 0.42 + 0.28 * (weight / heaviest) ** 0.5
        box = _draw_shape(draw, shape, row.set_code, cx, 720, scale)
        if shape not in TAGGED_SHAPES:
            _label(draw, box, short_name, shape)
        draw.text((cx * SCALE, 810 * SCALE), label, font=font, fill=CREAM, anchor="mm")
    return _png(image)


def _canvas(set_code: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A double-size canvas: vertical gradient wall and a darker table top."""
    top, bottom, table, _ = PALETTES.get(set_code, PALETTES[21])
    width, height = SIZE[0] * SCALE, SIZE[1] * SCALE
    column = Image.new("RGB", (1, 64))
    column.putdata([_mix(top, bottom, i / 63) for i in range(64)])
    column = column.resize((1, height), Image.Resampling.BILINEAR)
    image = column.resize((width, height), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(image)
    table_top = int(height * 0.72)
    draw.rectangle((0, table_top, width, height), fill=table)
    draw.rectangle((0, table_top, width, table_top + 6 * SCALE), fill=_shade(table, 1.25))
    return image, draw


def _png(image: Image.Image) -> bytes:
    """Reduce the double-size drawing and encode it as PNG."""
    buffer = io.BytesIO()
    image.reduce(SCALE).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    """The colour a fraction t of the way from a to b."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """The colour lightened (factor > 1) or darkened (factor < 1)."""
    return tuple(max(0, min(255, round(c * factor))) for c in colour)


CREAM = (252, 247, 236)
TAGGED_SHAPES = (
    "basket",
    "hat",
    "cloth",
    "lamp",
    "tray",
)  # no package: the name goes on a card in front


def _draw_shape(draw, shape: str, set_code: int, cx: float, base: float, scale: float):
    """Draw a pack centred on cx standing on `base`; returns its label box (1x coordinates)."""
    _top, _bottom, table, colour = PALETTES.get(set_code, PALETTES[21])

    def box(x0, y0, x1, y1):  # shape-relative units (pack ~400 wide) → canvas pixels
        return [
            (cx + x0 * scale) * SCALE,
            (base + y0 * scale) * SCALE,
            (cx + x1 * scale) * SCALE,
            (base + y1 * scale) * SCALE,
        ]

    def points(*xy):
        return [((cx + x * scale) * SCALE, (base + y * scale) * SCALE) for x, y in xy]

    r = lambda n: n * scale * SCALE  # noqa: E731
    draw.ellipse(box(-230, -22, 230, 22), fill=_shade(table, 0.7))  # shadow
    painter = _SHAPES[shape]
    x0, y0, x1, y1 = painter(draw, box, points, r, colour)
    return (cx + x0 * scale, base + y0 * scale, cx + x1 * scale, base + y1 * scale)


def _paint_bag(draw, box, points, r, colour):
    """A stand-up pouch with a sealed top and a tear notch."""
    draw.rounded_rectangle(box(-190, -470, 190, 0), radius=r(30), fill=colour)
    draw.rectangle(box(-190, -470, 190, -430), fill=_shade(colour, 0.8))
    draw.rectangle(box(-150, -425, -138, 0), fill=_shade(colour, 1.12))
    return (-150, -330, 150, -90)


def _paint_sack(draw, box, points, r, colour):
    """A rice sack tied at the top, with a coloured band."""
    draw.polygon(points((-70, -480), (-110, -545), (110, -545), (70, -480)), fill=colour)
    draw.polygon(
        points((-200, -380), (-70, -480), (70, -480), (200, -380)), fill=_shade(colour, 0.92)
    )
    draw.rounded_rectangle(box(-85, -492, 85, -468), radius=r(8), fill=(196, 48, 40))
    draw.rounded_rectangle(box(-215, -420, 215, 0), radius=r(60), fill=colour)
    draw.rectangle(box(-215, -70, 215, -40), fill=(64, 128, 72))
    draw.rectangle(box(-215, -380, 215, -360), fill=(196, 48, 40))
    return (-170, -330, 170, -95)


def _paint_jar(draw, box, points, r, colour):
    """A glass jar with a screw lid."""
    draw.rounded_rectangle(box(-175, -390, 175, 0), radius=r(55), fill=colour)
    draw.rounded_rectangle(box(-150, -450, 150, -380), radius=r(14), fill=(168, 40, 36))
    draw.rectangle(box(-150, -418, 150, -410), fill=(130, 28, 26))
    draw.rounded_rectangle(box(-140, -360, -110, -60), radius=r(14), fill=_shade(colour, 1.3))
    return (-150, -300, 150, -80)


def _paint_bottle(draw, box, points, r, colour):
    """A tall bottle with shoulders, a neck and a cap."""
    draw.rounded_rectangle(box(-130, -380, 130, 0), radius=r(40), fill=colour)
    draw.polygon(points((-130, -340), (-42, -470), (42, -470), (130, -340)), fill=colour)
    draw.rectangle(box(-42, -560, 42, -460), fill=colour)
    draw.rounded_rectangle(box(-50, -610, 50, -550), radius=r(10), fill=(60, 40, 30))
    draw.rounded_rectangle(box(-116, -330, -96, -30), radius=r(10), fill=_shade(colour, 1.25))
    return (-122, -300, 122, -60)


def _paint_vial(draw, box, points, r, colour):
    """A small amber dropper bottle."""
    draw.rounded_rectangle(box(-95, -300, 95, 0), radius=r(30), fill=colour)
    draw.rectangle(box(-38, -350, 38, -290), fill=colour)
    draw.rounded_rectangle(box(-50, -410, 50, -340), radius=r(10), fill=(30, 30, 30))
    draw.ellipse(box(-32, -470, 32, -395), fill=(30, 30, 30))
    return (-90, -240, 90, -40)


def _paint_box(draw, box, points, r, colour):
    """A carton seen slightly from above: front, top and side faces."""
    draw.polygon(
        points((-200, -400), (-150, -450), (250, -450), (200, -400)), fill=_shade(colour, 1.15)
    )
    draw.polygon(points((200, -400), (250, -450), (250, -40), (200, 0)), fill=_shade(colour, 0.78))
    draw.rectangle(box(-200, -400, 200, 0), fill=colour)
    draw.rectangle(box(-200, -60, 200, -40), fill=(178, 44, 40))
    return (-170, -350, 170, -90)


def _paint_basket(draw, box, points, r, colour):
    """A woven basket with a handle; the label hangs on a tag."""
    dark = _shade(colour, 0.7)
    draw.arc(box(-170, -560, 170, -160), 180, 360, fill=dark, width=int(r(22)))
    draw.polygon(points((-230, -300), (230, -300), (180, 0), (-180, 0)), fill=colour)
    for y in range(-280, 0, 36):
        draw.line(
            points((-225 + (y + 300) / 6, y), (225 - (y + 300) / 6, y)), fill=dark, width=int(r(5))
        )
    for x in range(-200, 220, 40):
        draw.line(points((x, -300), (x * 0.8, 0)), fill=_shade(colour, 0.85), width=int(r(4)))
    draw.rectangle(box(-235, -320, 235, -290), fill=dark)
    return _tag_box(0)


def _paint_lamp(draw, box, points, r, colour):
    """A woven pendant lampshade on its cord, lit underneath; label on a card."""
    dark = _shade(colour, 0.7)
    draw.line(points((0, -760), (0, -560)), fill=(50, 40, 30), width=int(r(6)))
    draw.ellipse(box(-200, -440, 200, -350), fill=(255, 238, 170))
    draw.pieslice(box(-240, -560, 240, -240), 180, 360, fill=colour)
    for x in range(-200, 240, 40):
        draw.line(points((0, -560), (x, -400)), fill=dark, width=int(r(3)))
    for inset in (50, 100):
        arc_box = box(-240 + inset, -560 + inset, 240 - inset, -240 - inset)
        draw.arc(arc_box, 180, 360, fill=dark, width=int(r(4)))
    draw.rectangle(box(-245, -410, 245, -392), fill=dark)
    return _tag_box(-60)


def _paint_tray(draw, box, points, r, colour):
    """A round woven tray seen from the front, with a rolled rim; label on a card."""
    dark = _shade(colour, 0.7)
    draw.ellipse(box(-280, -200, 280, -40), fill=dark)
    draw.ellipse(box(-255, -188, 255, -62), fill=colour)
    for x in range(-220, 240, 40):
        draw.line(points((x, -180), (x * 0.9, -70)), fill=dark, width=int(r(3)))
    draw.arc(box(-280, -200, 280, -40), 0, 180, fill=_shade(colour, 0.55), width=int(r(14)))
    return _tag_box(0)


def _paint_hat(draw, box, points, r, colour):
    """A conical nón lá seen from the side, ribs and chin strap; label on a tag."""
    draw.arc(box(-120, -240, 120, 60), 20, 160, fill=(190, 40, 60), width=int(r(8)))
    draw.polygon(points((-270, -60), (0, -400), (270, -60)), fill=colour)
    for x in range(-240, 260, 60):
        draw.line(points((0, -400), (x, -60)), fill=_shade(colour, 0.88), width=int(r(3)))
    draw.ellipse(box(-275, -80, 275, -40), fill=_shade(colour, 0.9))
    return _tag_box(-20)


def _paint_cloth(draw, box, points, r, colour):
    """A folded stack of woven cloth with stripes and diamonds; label on a tag."""
    accents = ((200, 40, 50), (236, 180, 40), (240, 240, 240))
    for layer in range(3):
        top = -120 - layer * 110
        draw.rounded_rectangle(
            box(-230, top, 230, top + 110), radius=r(18), fill=_shade(colour, 1 + layer * 0.12)
        )
        for i, stripe in enumerate(accents):
            y = top + 22 + i * 24
            draw.rectangle(box(-230, y, 230, y + 8), fill=stripe)
        for x in range(-200, 220, 60):
            y = top + 60
            draw.polygon(
                points((x, y - 18), (x + 18, y), (x, y + 18), (x - 18, y)), fill=accents[1]
            )
    return _tag_box(-60)


def _tag_box(y: int) -> tuple[int, int, int, int]:
    """Where the name card of an unpackaged product goes, in front of it."""
    return (-170, y - 10, 170, y + 150)


_SHAPES = {
    "bag": _paint_bag,
    "sack": _paint_sack,
    "jar": _paint_jar,
    "bottle": _paint_bottle,
    "vial": _paint_vial,
    "box": _paint_box,
    "basket": _paint_basket,
    "hat": _paint_hat,
    "lamp": _paint_lamp,
    "tray": _paint_tray,
    "cloth": _paint_cloth,
}


def _label(draw: ImageDraw.ImageDraw, box: tuple, text: str, shape: str) -> None:
    """A cream label (a card for unpackaged goods) in `box`, the text wrapped to fit."""
    x0, y0, x1, y1 = (v * SCALE for v in box)
    if shape in TAGGED_SHAPES:
        card = {"outline": (120, 90, 60), "width": 3 * SCALE}
        draw.rounded_rectangle((x0, y0, x1, y1), radius=16 * SCALE, fill=CREAM, **card)
    else:
        draw.rounded_rectangle((x0, y0, x1, y1), radius=12 * SCALE, fill=CREAM)
    pad = 10 * SCALE
    lines, font = _fit(text, x1 - x0 - 2 * pad, y1 - y0 - 2 * pad)
    line_height = font.size * 1.2
    y = (y0 + y1) / 2 - line_height * len(lines) / 2
    for line in lines:
        draw.text(
            ((x0 + x1) / 2, y + line_height / 2), line, font=font, fill=(60, 36, 22), anchor="mm"
        )
        y += line_height


def _fit(text: str, width: float, height: float) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """Wrap `text` with the largest font size that fits the box."""
    for size in range(56 * SCALE, 10 * SCALE, -2 * SCALE):
        font = _font(size // SCALE)
        lines = wrap(text, font, width)
        if len(lines) * size * 1.2 <= height and all(font.getlength(x) <= width for x in lines):
            return lines, font
    return [text], _font(10)


def _font(size: int) -> ImageFont.FreeTypeFont:
    """The bold face at `size` 1x pixels (drawn at double size)."""
    return font(size * SCALE)
