"""The demo's plan: whatever day it is loaded, every story is one the shop can play."""

from __future__ import annotations

import datetime as dt

import pytest

from shop.certification.rules import expiry_for
from shop.clock import SHOP_TZ
from shop.demo.data import EXPIRED, NEVER_LISTED_SLUGS, PRODUCERS, PRODUCTS, REVOKED
from shop.demo.plan import _mistyped, plan_products, sign_up_moments

# Month ends, a leap day, New Year, the day after the provinces merged, and a spread of others.
DAYS = [
    dt.date(2026, 1, 1),
    dt.date(2026, 3, 31),
    dt.date(2026, 7, 2),
    dt.date(2026, 11, 30),
    dt.date(2026, 12, 31),
    dt.date(2027, 2, 28),
    dt.date(2028, 2, 29),
    dt.date(2028, 3, 1),
    *(dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(5, 1100, 37)),
]


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHOP_TZ)


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_every_story_happens_after_its_decision_in_order_and_before_today(today):
    plans = plan_products(PRODUCTS, PRODUCERS, today)
    (first_sign_up, *_) = sign_up_moments(plans, 2 + len(PRODUCERS))

    for plan in plans:
        moments = [plan.listed_at, *(step.at for step in plan.steps)]
        decided = start_of(plan.certificate.decision_date)
        expires = expiry_for(plan.certificate.decision_date)

        assert first_sign_up < plan.listed_at, plan.slug
        assert decided < plan.listed_at and moments == sorted(set(moments)), plan.slug
        assert moments[-1] < start_of(today), plan.slug
        assert plan.steps[0].action == "submit"
        assert plan.steps[0].at.date() <= expires, plan.slug  # the shop refuses expired ones
        if plan.slug == EXPIRED:
            assert [s.action for s in plan.steps] == ["submit", "approve"]
            assert plan.steps[-1].at.date() <= expires < today
        elif plan.slug not in NEVER_LISTED_SLUGS or plan.slug == REVOKED:
            assert plan.steps[1].action == "approve" and expires > today, plan.slug


def test_the_stories_of_the_never_listed_products():
    plans = {p.slug: p for p in plan_products(PRODUCTS, PRODUCERS, dt.date(2026, 11, 30))}

    assert [(s.action, s.at.date()) for s in plans[REVOKED].steps] == [
        ("submit", dt.date(2026, 10, 29)),
        ("approve", dt.date(2026, 10, 31)),
        ("revoke", dt.date(2026, 11, 18)),
    ]
    assert [
        (s.action, s.at.date()) for s in plans["dau-goi-bo-ket-thao-duoc-phong-dien"].steps
    ] == [
        ("submit", dt.date(2026, 11, 23)),
        ("reject", dt.date(2026, 11, 25)),
    ]
    pending = plans["bot-ca-cao-nguyen-chat-dak-lak"]
    first, _changes, again = pending.steps
    assert [s.action for s in pending.steps] == ["submit", "request_changes", "resubmit"]
    assert first.submission.decision_number != again.submission.decision_number
    assert again.submission == pending.certificate  # corrected to what the scan shows


@pytest.mark.parametrize(
    "number, mistyped",
    [
        ("1668/QĐ-UBND", "1686/QĐ-UBND"),
        ("2751/QĐ-BNNMT", "2715/QĐ-BNNMT"),
        ("100/QĐ-UBND", "101/QĐ-UBND"),
    ],
)
def test_the_mistyped_decision_number_swaps_its_last_two_digits(number, mistyped):
    assert _mistyped(number) == mistyped
