"""What the demo's drawings share: fonts that work across threads, and word wrapping."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from PIL import ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")
FACES = {
    "bold": "DejaVuSans-Bold.ttf",
    "regular": "DejaVuSans.ttf",
    "serif-bold": "DejaVuSerif-Bold.ttf",
    "serif": "DejaVuSerif.ttf",
}


def font(pixels: int, face: str = "bold") -> ImageFont.FreeTypeFont:
    """A DejaVu face (it has every Vietnamese letter) at `pixels`, or Pillow's own font."""
    return _thread_font(pixels, face, threading.get_ident())


@cache
def _thread_font(pixels: int, face: str, _thread: int) -> ImageFont.FreeTypeFont:
    """One font object per thread: a FreeType face must not be used by two at once."""
    path = FONTS / FACES[face]
    if path.exists():
        return ImageFont.truetype(str(path), pixels)
    return ImageFont.load_default(size=pixels)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap by measured width."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines
