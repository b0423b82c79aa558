"""VietQR (NAPAS / EMVCo merchant-presented QR) bank-transfer payloads: build, parse, draw."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import segno
from markupsafe import Markup

GUID = "A000000727"
SERVICES = frozenset({"QRIBFTTA", "QRIBFTTC"})  # transfer to an account / to a card
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_AMOUNT = 9_999_999_999_999  # 13 digits, whole dong
MAX_NOTE = 25  # EMVCo 62.08 "purpose of transaction"

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,19}")
_NOTE = re.compile(r"[A-Za-z0-9 .,_/-]{1,25}")
_NOTE_DROP = re.compile(r"[^A-Za-z0-9 .,_/-]+")
_AMOUNT = re.compile(r"[1-9][0-9]{0,12}")
_TAG = re.compile(r"[0-9]{4}")
_CRC_HEX = re.compile(r"[0-9A-Fa-f]{4}")


class VietQRError(ValueError):
    """A VietQR payload or one of its inputs is not acceptable."""


@dataclass(frozen=True)
class VietQR:
    """The fields of a parsed VietQR payload."""

    bank_bin: str
    account: str
    service: str
    amount: int | None
    note: str | None
    currency: str
    country: str
    initiation: str  # "static" or "dynamic"


def crc16(data: str) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of the UTF-8 bytes of `data`."""
    crc = 0xFFFF
    for byte in data.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    """One EMVCo field: two-digit tag, two-digit length, value."""
    if not 0 < len(value) < 100:
        raise VietQRError(f"field {tag}: value length {len(value)} is outside 1-99")
    return f"{tag}{len(value):02d}{value}"


def transfer_note(text: str) -> str:
    """A note fit for 62.08: diacritics folded (đ → d), other characters dropped, ≤ 25 chars."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = " ".join(_NOTE_DROP.sub(" ", text).split())
    return text[:MAX_NOTE].rstrip()


def _check_inputs(bank_bin: str, account: str, amount: int | None, note: str | None) -> None:
    """Raise VietQRError unless the inputs to build_payload are acceptable."""
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise VietQRError(f"bank BIN must be 6 digits, got {bank_bin!r}")
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise VietQRError(f"account must be 1-19 letters or digits, got {account!r}")
    if amount is not None:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise VietQRError(f"amount must be a whole number of dong, got {amount!r}")
        if not 1 <= amount <= MAX_AMOUNT:
            raise VietQRError(f"amount must be between 1 and {MAX_AMOUNT:,} VND, got {amount}")
    if note is not None and (not isinstance(note, str) or not _NOTE.fullmatch(note)):
        raise VietQRError(
            f"note must be 1-{MAX_NOTE} ASCII letters, digits, spaces or .,_/- "
            f"(use transfer_note() to fold Vietnamese text), got {note!r}"
        )


def build_payload(
    bank_bin: str,
    account: str,
    amount: int | None,
    note: str | None,
    *,
    service: str = "QRIBFTTA",
) -> str:
    """The VietQR payload for a transfer to `account` at the bank `bank_bin`."""
    _check_inputs(bank_bin, account, amount, note)
    if service not in SERVICES:
        raise VietQRError(f"service must be one of {sorted(SERVICES)}, got {service!r}")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", GUID) + _tlv("01", beneficiary) + _tlv("02", service)
    payload = _tlv("00", "01") + _tlv("01", "11" if amount is None else "12")
    payload += _tlv("38", merchant) + _tlv("53", CURRENCY_VND)
    if amount is not None:
        payload += _tlv("54", str(amount))
    payload += _tlv("58", COUNTRY_VN)
    if note is not None:
        payload += _tlv("62", _tlv("08", note))
    payload += "6304"
    return payload + f"{crc16(payload):04X}"


def _split(data: str, where: str) -> dict[str, str]:
    """The fields of a TLV string, strictly: every length must fit and nothing may trail."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        head = data[pos : pos + 4]
        if len(head) < 4:
            raise VietQRError(f"{where}: trailing characters {head!r} at offset {pos}")
        if not _TAG.fullmatch(head):
            raise VietQRError(f"{where}: bad tag/length {head!r} at offset {pos}")
        tag, size = head[:2], int(head[2:])
        value = data[pos + 4 : pos + 4 + size]
        if size == 0 or len(value) != size:
            raise VietQRError(f"{where}: field {tag} declares length {size}, which does not fit")
        if tag in fields:
            raise VietQRError(f"{where}: field {tag} appears twice")
        fields[tag] = value
        pos += 4 + size
    return fields


def _require(fields: dict[str, str], tag: str, where: str) -> str:
    """The value of a mandatory field."""
    if tag not in fields:
        raise VietQRError(f"{where}: field {tag} is missing")
    return fields[tag]


def _expect(fields: dict[str, str], tag: str, wanted: str, what: str) -> None:
    """Raise unless a mandatory root field has its one allowed value."""
    value = _require(fields, tag, "payload")
    if value != wanted:
        raise VietQRError(f"{what} (field {tag}) must be {wanted!r}, got {value!r}")


def _check_crc(payload: str, fields: dict[str, str]) -> None:
    """Raise unless field 63 comes last, has 4 hex digits and matches the CRC of the rest."""
    if list(fields)[-1:] != ["63"]:
        raise VietQRError("CRC (field 63) is missing or not the last field")
    written = fields["63"]
    if not _CRC_HEX.fullmatch(written):
        raise VietQRError(f"CRC (field 63) must be 4 hex digits, got {written!r}")
    computed = f"{crc16(payload[:-4]):04X}"
    if written.upper() != computed:
        raise VietQRError(f"CRC mismatch: payload says {written}, content gives {computed}")


def _merchant(value: str) -> tuple[str, str, str]:
    """(BIN, account, service) from field 38."""
    fields = _split(value, "field 38")
    if _require(fields, "00", "field 38") != GUID:
        raise VietQRError(f"field 38.00 must be the NAPAS GUID {GUID}, got {fields['00']!r}")
    beneficiary = _split(_require(fields, "01", "field 38"), "field 38.01")
    bank_bin = _require(beneficiary, "00", "field 38.01")
    account = _require(beneficiary, "01", "field 38.01")
    if not _BIN.fullmatch(bank_bin):
        raise VietQRError(f"bank BIN (38.01.00) must be 6 digits, got {bank_bin!r}")
    if not _ACCOUNT.fullmatch(account):
        raise VietQRError(f"account (38.01.01) must be 1-19 letters or digits, got {account!r}")
    service = _require(fields, "02", "field 38")
    if service not in SERVICES:
        raise VietQRError(f"service code (38.02) must be QRIBFTTA or QRIBFTTC, got {service!r}")
    return bank_bin, account, service


def _amount(fields: dict[str, str]) -> int | None:
    """The amount in field 54, if any: whole dong, 1 to 13 digits."""
    if "54" not in fields:
        return None
    if not _AMOUNT.fullmatch(fields["54"]):
        raise VietQRError(f"amount (field 54) must be a whole number of dong, got {fields['54']!r}")
    return int(fields["54"])


def _note(fields: dict[str, str]) -> str | None:
    """The transfer note in 62.08, if any (at most 25 characters)."""
    if "62" not in fields:
        return None
    note = _split(fields["62"], "field 62").get("08")
    if note is not None and len(note) > MAX_NOTE:
        raise VietQRError(f"note (62.08) has {len(note)} characters, more than {MAX_NOTE}")
    return note


def _initiation(fields: dict[str, str]) -> str:
    """'static' (01 = 11) or 'dynamic' (01 = 12)."""
    method = _require(fields, "01", "payload")
    if method not in ("11", "12"):
        raise VietQRError(f"initiation method (field 01) must be '11' or '12', got {method!r}")
    return "static" if method == "11" else "dynamic"


def parse_payload(payload: str) -> VietQR:
    """The fields of a VietQR payload; VietQRError names the first problem found."""
    if not isinstance(payload, str) or not payload:
        raise VietQRError("payload must be a non-empty string")
    fields = _split(payload, "payload")
    if list(fields)[:1] != ["00"]:
        raise VietQRError("payload format indicator (field 00) must come first")
    _check_crc(payload, fields)
    _expect(fields, "00", "01", "payload format indicator")
    _expect(fields, "53", CURRENCY_VND, "currency")
    _expect(fields, "58", COUNTRY_VN, "country")
    bank_bin, account, service = _merchant(_require(fields, "38", "payload"))
    return VietQR(
        bank_bin=bank_bin,
        account=account,
        service=service,
        amount=_amount(fields),
        note=_note(fields),
        currency=CURRENCY_VND,
        country=COUNTRY_VN,
        initiation=_initiation(fields),
    )


def is_valid(payload: str) -> bool:
    """Whether parse_payload accepts `payload`."""
    try:
        parse_payload(payload)
    except VietQRError:
        return False
    return True


def check_account(bank_bin: str, account: str) -> VietQR:
    """Raise VietQRError unless a shop's receiving account makes a VietQR that parses back."""
    parsed = parse_payload(build_payload(bank_bin, account, None, None))
    if (parsed.bank_bin, parsed.account) != (bank_bin, account):
        raise VietQRError(f"account {bank_bin}/{account} does not survive a round trip")
    return parsed


def qr_svg(payload: str) -> Markup:
    """The QR code of `payload` as inline SVG (no style attributes, for the site's CSP)."""
    return Markup(segno.make(payload, error="m").svg_inline(scale=4))
