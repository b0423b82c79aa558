"""Vietnam's administrative units since 1 July 2025: 34 provinces, then wards and communes.

A thin wrapper over the `vietnam-provinces` package, which holds the current list.
"""

from __future__ import annotations

from functools import cache

from vietnam_provinces import Province, Ward


@cache
def provinces() -> list[tuple[int, str]]:
    """(code, name) of every province and centrally-run city, in Vietnamese collation-ish order."""
    items = [(int(p.code), p.name) for p in Province.iter_all()]
    return sorted(items, key=lambda item: _sort_key(item[1]))


@cache
def wards(province_code: int) -> list[tuple[int, str]]:
    """(code, name) of the wards, communes and special zones of one province."""
    try:
        code = Province.from_code(province_code).code
    except ValueError:
        return []
    items = [(int(w.code), " ".join(w.name.split())) for w in Ward.iter_by_province(code)]
    return sorted(items, key=lambda item: _sort_key(item[1]))


def province_name(code: int) -> str:
    """The province's name, or an empty string for an unknown code."""
    try:
        return Province.from_code(code).name
    except ValueError:
        return ""


def ward_name(code: int) -> str:
    """The ward's name, or an empty string for an unknown code."""
    try:
        return Ward.from_code(code).name
    except ValueError:
        return ""


def is_valid_province(code: int) -> bool:
    """True for one of the 34 current provinces."""
    return bool(province_name(code))


def ward_in_province(ward_code: int, province_code: int) -> bool:
    """True when the ward exists and belongs to the province."""
    try:
        return int(Ward.from_code(ward_code).province_code) == province_code
    except ValueError:
        return False


def _sort_key(name: str) -> str:
    from shop.text import fold

    for prefix in ("thanh pho ", "phuong ", "xa ", "dac khu "):
        folded = fold(name)
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return fold(name)


@cache
def _slugs() -> dict[str, int]:
    return {province_slug(code): code for code, _name in provinces()}


def province_slug(code: int) -> str:
    """A readable URL part for a province: 66 → "dak-lak", 79 → "ho-chi-minh"."""
    try:
        return Province.from_code(code).codename.replace("_", "-")
    except ValueError:
        return ""


def province_by_slug(slug: str) -> int | None:
    """The province code for a URL slug, or None."""
    return _slugs().get(slug)
