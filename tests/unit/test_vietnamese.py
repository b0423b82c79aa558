"""Vietnamese conventions: folding, slugs, phones, money, dates, provinces."""

import datetime as dt

import pytest

from shop import geo
from shop.formatting import format_day, format_vnd
from shop.phones import InvalidPhone, display_mobile, normalize_mobile
from shop.text import fold, slugify


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Cà phê Buôn Ma Thuột", "ca phe buon ma thuot"),
        ("ĐẶC SẢN Đắk Lắk", "dac san dak lak"),
        ("Nước mắm Phú Quốc", "nuoc mam phu quoc"),
        ("mầm", "mam"),
    ],
)
def test_folding_removes_diacritics_and_turns_d_bar_into_d(text, folded):
    assert fold(text) == folded


def test_slugs_are_readable_ascii():
    assert slugify("Mật ong bạc hà Hà Giang (Hũ 500g)") == "mat-ong-bac-ha-ha-giang-hu-500g"
    assert slugify("Đường phèn") == "duong-phen"
    assert slugify("!!!") == "san-pham"


@pytest.mark.parametrize(
    "typed", ["0912345678", "091 234 5678", "+84912345678", "84912345678", "0912.345.678"]
)
def test_mobile_numbers_are_stored_with_plus_84(typed):
    assert normalize_mobile(typed) == "+84912345678"


@pytest.mark.parametrize(
    "typed", ["", "0212345678", "091234567", "09123456789", "abc", "+1 555 0100"]
)
def test_other_numbers_are_not_vietnamese_mobiles(typed):
    with pytest.raises(InvalidPhone):
        normalize_mobile(typed)


def test_mobiles_display_the_vietnamese_way():
    assert display_mobile("+84912345678") == "0912 345 678"


def test_money_is_whole_dong_with_dot_grouping_in_vietnamese():
    assert format_vnd(150000, "vi") == "150.000\xa0₫"
    assert format_vnd(1250000, "en") == "₫1,250,000"


def test_dates_are_day_month_year():
    assert format_day(dt.date(2021, 11, 24)) == "24/11/2021"


def test_there_are_34_provinces_since_july_2025_and_wards_belong_to_them():
    assert len(geo.provinces()) == 34
    code, name = geo.wards(66)[0]
    assert geo.ward_in_province(code, 66) and not geo.ward_in_province(code, 1)
    assert geo.province_name(79) == "Thành phố Hồ Chí Minh"
    assert geo.province_name(9999) == "" and geo.wards(9999) == []
