"""What the demo does, and when: each product's certificate and its story as dated steps.

Pure functions of the data (shop.demo.data) and of today's date: no database, no drawing.
The loader plays each step through the shop's own services on the step's moment, so every
state the demo shows is one the shop reaches by itself: the expired certificate was approved
while it was valid, the revoked one was approved first, and so on.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, replace
from functools import cache

from stdnum.vn import mst

from shop import geo
from shop.certification.rules import expiry_for
from shop.certification.services import Submission
from shop.clock import SHOP_TZ
from shop.demo.data import (
    CHANGES_MESSAGE,
    EXPIRED,
    MINISTRY_MERGED,
    PENDING,
    PROVINCES_MERGED,
    REJECT_REASON,
    REJECTED,
    REVOKE_REASON,
    REVOKED,
    ProducerRow,
    ProductRow,
)
from shop.demo.scans import ScanFacts
from shop.enums import IssuingLevel
from shop.text import fold, slugify

SIGN_UP_LEAD_DAYS = 3  # producers join the shop a few days before their first listing


@dataclass(frozen=True)
class Step:
    """One use case of a certificate's story, played on its own moment."""

    at: dt.datetime  # Vietnam time
    action: str  # submit, request_changes, resubmit, approve, reject, revoke
    text: str | None = None  # the staff message or reason
    submission: Submission | None = None  # what the producer declares (submit, resubmit)


@dataclass(frozen=True)
class Plan:
    """One demo product: where it comes from, its certificate, and what happens to it."""

    row: ProductRow
    producer: ProducerRow
    serial: int  # its place in PRODUCTS, from 1: certificate numbers and the time of day
    slug: str
    listed_at: dt.datetime  # the producer lists it (product, variants, photos, publish)
    certificate: Submission  # what the certificate really says (its scan shows this)
    steps: tuple[Step, ...]

    def sku(self, position: int) -> str:
        """ "EATUL-CPRRMCM-1": the producer's code, the slug's initials, the pack's number."""
        initials = "".join(word[0] for word in self.slug.split("-")).upper()
        return f"{self.producer.code}-{initials}-{position + 1}"

    def scan(self) -> ScanFacts:
        """What the drawn scan of the certificate shows (blurred for the rejected one)."""
        c = self.certificate
        return ScanFacts(
            number=c.number,
            decision_number=c.decision_number,
            decision_date=c.decision_date,
            issuing_body=c.issuing_body,
            stars=c.stars,
            product=self.row.name,
            producer=self.producer.name,
            address=f"{self.producer.ward}, {geo.province_name(self.producer.province)}",
            legible=self.slug != REJECTED,
        )


def plan_products(
    products: tuple[ProductRow, ...], producers: tuple[ProducerRow, ...], today: dt.date
) -> list[Plan]:
    """The plan of every demo product, in the data's order."""
    by_code = {p.code: p for p in producers}
    return [
        plan_product(row, by_code[row.producer], serial, today)
        for serial, row in enumerate(products, 1)
    ]


def plan_product(row: ProductRow, producer: ProducerRow, serial: int, today: dt.date) -> Plan:
    """The product's certificate (decided `row.days_ago` days before today) and its story."""
    slug = slugify(row.name)
    certificate = certificate_for(row, producer, serial, today)
    listed_at, steps = _story(slug, serial, certificate, today, row.days_ago)
    return Plan(row, producer, serial, slug, listed_at, certificate, steps)


def sign_up_moments(plans: list[Plan], count: int) -> list[dt.datetime]:
    """When each of `count` accounts joined: one after another, before the first listing."""
    first = min(plan.listed_at.date() for plan in plans)
    day = first - dt.timedelta(days=SIGN_UP_LEAD_DAYS)
    return [_moment(day, 20 * index) for index in range(count)]


def _story(
    slug: str, serial: int, certificate: Submission, today: dt.date, days_ago: int
) -> tuple[dt.datetime, tuple[Step, ...]]:
    """(listed at, steps): approved ones are reviewed two days after they were submitted."""
    if slug == REJECTED:
        listed = _moment(today - dt.timedelta(days=7), 7 * serial)
        return listed, (
            Step(listed + dt.timedelta(minutes=15), "submit", submission=certificate),
            Step(_moment(today - dt.timedelta(days=5), 420), "reject", REJECT_REASON),
        )
    if slug == PENDING:
        listed = _moment(today - dt.timedelta(days=9), 7 * serial)
        mistyped = replace(certificate, decision_number=_mistyped(certificate.decision_number))
        return listed, (
            Step(listed + dt.timedelta(minutes=15), "submit", submission=mistyped),
            Step(_moment(today - dt.timedelta(days=8), 125), "request_changes", CHANGES_MESSAGE),
            Step(_moment(today - dt.timedelta(days=3), 520), "resubmit", submission=certificate),
        )
    if slug == EXPIRED:  # approved while valid; its last day has passed since
        reviewed = expiry_for(certificate.decision_date) - dt.timedelta(days=18)
    else:
        reviewed = today - dt.timedelta(days=min(30, days_ago // 2))
    listed = _moment(reviewed - dt.timedelta(days=2), 7 * serial)
    steps = (
        Step(listed + dt.timedelta(minutes=15), "submit", submission=certificate),
        Step(_moment(reviewed, 60 + 4 * serial), "approve"),
    )
    if slug == REVOKED:
        revoked = Step(_moment(today - dt.timedelta(days=12), 140), "revoke", REVOKE_REASON)
        steps = (*steps, revoked)
    return listed, steps


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    """`minutes` after 08:00 on `day`, Vietnam time."""
    start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=SHOP_TZ)
    return start + dt.timedelta(minutes=minutes)


def _mistyped(decision_number: str) -> str:
    """The decision number with its last two digits swapped (or one more, if they match)."""
    number, rest = decision_number.split("/", 1)
    swapped = number[:-2] + number[-1] + number[-2]
    return f"{swapped if swapped != number else int(number) + 1}/{rest}"


def certificate_for(row: ProductRow, producer: ProducerRow, serial: int, today: dt.date):
    """The certificate as issued: number, decision, issuing body and level, stars."""
    decision_date = today - dt.timedelta(days=row.days_ago)
    body, level, suffix = issuer(row, producer, decision_date)
    decision = zlib.crc32(f"{body}{decision_date}".encode()) % 3900 + 100  # one per body and day
    return Submission(
        number=f"OCOP-{_body_initials(body)}-{decision_date.year}-{serial:04d}",
        decision_number=f"{decision}/{suffix}",
        decision_date=decision_date,
        issuing_body=body,
        issuing_level=level,
        stars=row.stars,
    )


def issuer(row: ProductRow, producer: ProducerRow, day: dt.date) -> tuple[str, IssuingLevel, str]:
    """(issuing body, level, decision-number suffix) of a decision taken on `day`."""
    if row.stars == 5:
        if day >= MINISTRY_MERGED:
            return "Bộ Nông nghiệp và Môi trường", IssuingLevel.NATIONAL, "QĐ-BNNMT"
        return "Bộ Nông nghiệp và Phát triển nông thôn", IssuingLevel.NATIONAL, "QĐ-BNN-KTHT"
    if day >= PROVINCES_MERGED:
        return province_committee(producer.province), IssuingLevel.PROVINCE, "QĐ-UBND"
    if row.district and row.stars == 3 and producer.district_body:
        return producer.district_body, IssuingLevel.DISTRICT, "QĐ-UBND"
    return producer.old_body, IssuingLevel.PROVINCE, "QĐ-UBND"


def province_committee(province: int) -> str:
    """ "UBND tỉnh Đắk Lắk" or "UBND thành phố Huế" for a current province code."""
    name = geo.province_name(province)
    if name.startswith("Thành phố "):
        return "UBND thành phố " + name.removeprefix("Thành phố ")
    return "UBND tỉnh " + name


def _body_initials(body: str) -> str:
    """Letters for a certificate number: "QG" for the ministry, else the place's initials."""
    if body.startswith("Bộ "):
        return "QG"
    place = body.removeprefix("UBND ")
    for unit in ("tỉnh ", "thành phố ", "huyện ", "thị xã "):
        place = place.removeprefix(unit)
    words = fold(place).replace("'", " ").split()
    return (words[0][:3] if len(words) == 1 else "".join(w[0] for w in words)).upper()


def tax_code(base: str) -> str:
    """A 10-digit tax code from 9 digits: the next base whose check digit is a single digit."""
    number = int(base)
    while True:
        digits = f"{number:09d}"
        check = mst.calc_check_digit(digits)
        if len(check) == 1:
            return digits + check
        number += 1


@cache
def ward_code(province: int, name: str) -> int:
    """The code of the named ward or commune of `province` (whitespace-insensitive)."""
    wanted = " ".join(name.split())
    for code, ward_name in geo.wards(province):
        if " ".join(ward_name.split()) == wanted:
            return code
    raise LookupError(f"no ward {name!r} in province {province}")
