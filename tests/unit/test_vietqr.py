"""VietQR payloads: the vectors of tests/data/vietqr_vectors.csv, CRC, round trips, inputs, SVG."""

from __future__ import annotations

import csv
import random
import re
import string
from pathlib import Path

import pytest
from markupsafe import Markup

from shop.payments.vietqr import (
    MAX_AMOUNT,
    VietQR,
    VietQRError,
    build_payload,
    check_account,
    crc16,
    is_valid,
    parse_payload,
    qr_svg,
    transfer_note,
)

VECTORS = Path(__file__).resolve().parent.parent / "data" / "vietqr_vectors.csv"

with VECTORS.open(encoding="utf-8", newline="") as _file:
    ROWS = list(csv.DictReader(_file))

VALID = [row for row in ROWS if row["expect"] == "valid"]
INVALID = [row for row in ROWS if row["expect"] == "invalid"]
GENERATED = [row for row in ROWS if "generated" in row["source"]]


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [row["id"] for row in rows]


def _service(payload: str) -> str:
    return "QRIBFTTC" if "QRIBFTTC" in payload else "QRIBFTTA"


def test_the_csv_has_every_kind_of_vector():
    assert {row["expect"] for row in ROWS} == {"valid", "invalid"}
    assert len(VALID) >= 25 and len(INVALID) >= 10 and len(GENERATED) >= 3


@pytest.mark.parametrize("row", VALID, ids=_ids(VALID))
def test_valid_vector_is_accepted_with_its_fields(row):
    parsed = parse_payload(row["payload"])
    assert is_valid(row["payload"])
    assert parsed.bank_bin == row["bank_bin"]
    assert parsed.account == row["account"]
    assert parsed.amount == (int(row["amount"]) if row["amount"] else None)
    if row["note"]:
        assert parsed.note == row["note"]
    assert (parsed.currency, parsed.country) == ("704", "VN")
    assert parsed.service == _service(row["payload"])


@pytest.mark.parametrize("row", INVALID, ids=_ids(INVALID))
def test_invalid_vector_is_refused(row):
    with pytest.raises(VietQRError):
        parse_payload(row["payload"])
    assert not is_valid(row["payload"])


@pytest.mark.parametrize("row", GENERATED, ids=_ids(GENERATED))
def test_generated_vector_is_rebuilt_byte_for_byte(row):
    amount = int(row["amount"]) if row["amount"] else None
    note = row["note"] or None
    service = _service(row["payload"])
    payload = build_payload(row["bank_bin"], row["account"], amount, note, service=service)
    assert payload == row["payload"]


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ("V001", "field 38.01"),  # 38.01.01 declares 12 for a 13-digit account
        ("V013", "payload format indicator"),  # 00 is "00"
        ("V103", "note (62.08) has 89 characters"),
        ("V105", "CRC mismatch"),
        ("V107", "CRC mismatch"),
    ],
)
def test_invalid_vector_is_refused_for_its_stated_reason(vector, message):
    row = next(row for row in INVALID if row["id"] == vector)
    with pytest.raises(VietQRError, match=re.escape(message)):
        parse_payload(row["payload"])


def test_crc_known_answer():
    assert crc16("123456789") == 0x29B1
    assert crc16("") == 0xFFFF


def test_lowercase_crc_is_accepted():
    payload = next(row["payload"] for row in VALID if row["id"] == "V029")  # CRC B8EC
    lower = payload[:-4] + payload[-4:].lower()
    assert lower != payload
    assert parse_payload(lower) == parse_payload(payload)


def test_built_crc_is_uppercase():
    payload = build_payload("970418", "9876543210", 150000, "OCOP-2026-000123")
    assert payload.endswith("0A33")
    assert payload[-4:] == payload[-4:].upper()


def test_a_flipped_digit_is_refused():
    payload = build_payload("970418", "9876543210", 150000, "OCOP-2026-000123")
    at = payload.index("150000")
    flipped = payload[:at] + "9" + payload[at + 1 :]
    with pytest.raises(VietQRError, match="CRC mismatch"):
        parse_payload(flipped)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "non-empty"),
        ("000201", "CRC"),
        ("0002010102116304", "does not fit"),
        ("00020101021163041D8EXX", "trailing characters"),
        ("000201AB021163041D8E", "bad tag/length"),
        ("01021100020163040000", "must come first"),
    ],
)
def test_malformed_payloads_are_refused(payload, message):
    with pytest.raises(VietQRError, match=message):
        parse_payload(payload)


def _resign(body: str) -> str:
    """`body` (without field 63) with a correct CRC, to test the checks behind the CRC."""
    body += "6304"
    return body + f"{crc16(body):04X}"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("0010A000000727", "0010A000000728", "GUID"),
        ("0208QRIBFTTA", "0208QRIBFTTX", "service code"),
        ("5303704", "5303840", "currency"),
        ("5802VN", "5802US", "country"),
        ("010212", "010213", "initiation method"),
        ("5406150000", "540715000.0", "amount"),
    ],
)
def test_wrong_field_values_are_refused_even_with_a_good_crc(old, new, message):
    good = build_payload("970418", "9876543210", 150000, "OCOP-2026-000123")
    bad = _resign(good[:-8].replace(old, new))
    assert old in good
    with pytest.raises(VietQRError, match=message):
        parse_payload(bad)


def test_parsed_payload_is_a_frozen_dataclass():
    parsed = parse_payload(build_payload("970415", "1122334455", None, None))
    assert parsed == VietQR("970415", "1122334455", "QRIBFTTA", None, None, "704", "VN", "static")
    with pytest.raises(AttributeError):
        parsed.amount = 1  # type: ignore[misc]


def test_round_trip_of_random_inputs():
    rng = random.Random(20261130)
    note_chars = string.ascii_letters + string.digits + " .,_/-"
    for _ in range(200):
        bank_bin = "".join(rng.choices(string.digits, k=6))
        account = "".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(1, 19)))
        amount = rng.choice([None, rng.randint(1, 999_999), rng.randint(1, MAX_AMOUNT)])
        note = rng.choice([None, "".join(rng.choices(note_chars, k=rng.randint(1, 25)))])
        service = rng.choice(["QRIBFTTA", "QRIBFTTC"])
        payload = build_payload(bank_bin, account, amount, note, service=service)
        parsed = parse_payload(payload)
        assert (parsed.bank_bin, parsed.account, parsed.service) == (bank_bin, account, service)
        assert (parsed.amount, parsed.note) == (amount, note)
        assert parsed.initiation == ("static" if amount is None else "dynamic")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("97041", "123", None, None), "BIN must be 6 digits"),
        (("97041x", "123", None, None), "BIN must be 6 digits"),
        (("970415", "", None, None), "account must be 1-19"),
        (("970415", "12345678901234567890", None, None), "account must be 1-19"),
        (("970415", "1234-5678", None, None), "account must be 1-19"),
        (("970415", "123", 0, None), "amount must be between"),
        (("970415", "123", -5, None), "amount must be between"),
        (("970415", "123", MAX_AMOUNT + 1, None), "amount must be between"),
        (("970415", "123", 1500.0, None), "whole number"),
        (("970415", "123", "1500", None), "whole number"),
        (("970415", "123", True, None), "whole number"),
        (("970415", "123", 1500, "Thanh toán đơn hàng"), "transfer_note"),
        (("970415", "123", 1500, "x" * 26), "note must be 1-25"),
        (("970415", "123", 1500, ""), "note must be 1-25"),
        (("970415", "123", 1500, "a<b>"), "note must be"),
    ],
)
def test_bad_inputs_to_build_payload_are_refused(args, message):
    with pytest.raises(VietQRError, match=message):
        build_payload(*args)


def test_unknown_service_is_refused():
    with pytest.raises(VietQRError, match="service must be one of"):
        build_payload("970415", "123", None, None, service="QRPUSH")


def test_transfer_note_folds_vietnamese():
    note = transfer_note("Thanh toán đơn OCOP-2026-000123")
    assert len(note) <= 25
    assert note.isascii()
    assert note.startswith("Thanh toan don OCOP-2026")
    assert transfer_note("ĐẶC SẢN  Đà Lạt!") == "DAC SAN Da Lat"
    assert transfer_note("  <script> ") == "script"
    build_payload("970415", "123", 1500, note)  # accepted as it is


def test_check_account():
    assert check_account("970436", "1027943656").initiation == "static"
    with pytest.raises(VietQRError, match="BIN"):
        check_account("9704", "1027943656")
    with pytest.raises(VietQRError, match="account"):
        check_account("970436", "1027 943 656")


def test_qr_svg_is_inline_svg_without_style():
    svg = qr_svg(build_payload("970418", "9876543210", 150000, "OCOP-2026-000123"))
    assert isinstance(svg, Markup)
    assert svg.startswith("<svg")
    assert "style=" not in svg and "<style" not in svg
