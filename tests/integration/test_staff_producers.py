"""Staff and producers: the list, suspending (everything off the shop at once), reactivating."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import ProducerStatus, Role
from tests.factories import make_producer, make_product, make_user
from tests.integration.test_buyer_orders import post, sign_in


@pytest.fixture
def signed_in(app, db):
    return lambda user: sign_in(app, db, user)


@pytest.fixture
def world(db, frozen_today):
    coffee_coop = make_producer(name="Hợp tác xã Cà phê Cư M'gar", tax_code="6000123456")
    robusta = make_product(coffee_coop, name="Cà phê Robusta rang mộc", slug="robusta")
    arabica = make_product(coffee_coop, name="Cà phê Arabica Cầu Đất", slug="arabica")
    honey = make_product(
        make_producer(name="Công ty Mật ong Mèo Vạc"), name="Mật ong bạc hà", slug="mat-ong"
    )
    staff_user = make_user(Role.STAFF)
    db.session.commit()
    return {
        "coop": coffee_coop,
        "products": (robusta, arabica),
        "honey": honey,
        "staff": staff_user,
    }


def shown(client, path: str) -> set[str]:
    """The test products a page links to, by slug."""
    html = client.get(path).get_data(as_text=True)
    return {slug for slug in ("robusta", "arabica", "mat-ong") if f'href="/p/{slug}"' in html}


COFFEES = {"robusta", "arabica"}
# Staff decisions in the audit log (opening the producers list is logged too: privacy.*).
DECISIONS = AuditEntry.action.not_like("privacy.%")


def test_staff_see_every_producer_with_its_status_and_find_one_by_name_or_tax_code(
    db,
    world,
    signed_in,
):
    world["honey"].producer.status = ProducerStatus.SUSPENDED
    db.session.commit()
    staff = signed_in(world["staff"])

    html = staff.get("/staff/producers").get_data(as_text=True)
    assert html.count('data-testid="producer-row"') == 2
    assert ">suspended<" in html and ">active<" in html
    assert "6000123456" in html and world["coop"].owner.email in html

    for q in ("Cư M'gar", "hop tac xa ca phe", "HỢP TÁC", "600012", "6000-1234"):
        found = staff.get("/staff/producers", query_string={"q": q}).get_data(as_text=True)
        assert found.count('data-testid="producer-row"') == 1, q
        assert "Cư M&#39;gar" in found, q
    nothing = staff.get("/staff/producers?q=xyz").get_data(as_text=True)
    assert "No producer matches." in nothing


def test_suspending_a_producer_takes_all_its_products_off_the_home_page_and_search_at_once(
    db,
    world,
    client,
    signed_in,
):
    assert shown(client, "/") == COFFEES | {"mat-ong"}
    assert shown(client, "/search?q=robusta") == {"robusta"}
    staff = signed_in(world["staff"])

    answer = post(
        staff, "/staff/producers/suspend", producer_id=world["coop"].id, reason="Hàng giả"
    )

    html = answer.get_data(as_text=True)
    assert "Hợp tác xã Cà phê Cư M&#39;gar is suspended: all its products are off the shop." in html
    assert shown(client, "/") == {"mat-ong"}
    assert shown(client, "/search?q=robusta") == set()
    assert client.get("/p/robusta").status_code == 404
    assert client.get(f"/producers/{world['coop'].slug}").status_code == 404
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "producer.suspended")
    ).one()
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (
        world["staff"].id,
        "Producer",
        world["coop"].id,
    )
    assert entry.reason == "Hàng giả"
    assert (entry.before_data, entry.after_data) == ({"status": "active"}, {"status": "suspended"})

    answer = post(
        staff, "/staff/producers/reactivate", producer_id=world["coop"].id, reason="Đã xác minh"
    )

    assert "is active again: its certified products are back on the shop." in answer.get_data(
        as_text=True
    )
    assert shown(client, "/") == COFFEES | {"mat-ong"}
    assert shown(client, "/search?q=robusta") == {"robusta"}
    assert client.get("/p/robusta").status_code == 200
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(DECISIONS).order_by(AuditEntry.id)
    ).all()
    assert actions == ["producer.suspended", "producer.reactivated"]


def test_a_suspension_needs_a_reason(db, world, signed_in):
    staff = signed_in(world["staff"])
    html = post(staff, "/staff/producers/suspend", producer_id=world["coop"].id, reason="  ")
    assert "This field is required." in html.get_data(as_text=True)
    db.session.expire_all()
    assert world["coop"].status == ProducerStatus.ACTIVE
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(DECISIONS)) == 0


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("suspend", ProducerStatus.SUSPENDED, "This producer is already suspended."),
        ("reactivate", ProducerStatus.ACTIVE, "This producer is already active."),
    ],
)
def test_a_producer_already_in_that_status_is_refused(
    db,
    world,
    signed_in,
    path,
    status,
    message,
):
    world["coop"].status = status
    db.session.commit()
    html = post(
        signed_in(world["staff"]),
        f"/staff/producers/{path}",
        producer_id=world["coop"].id,
        reason="x",
    ).get_data(as_text=True)
    assert message in html
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(DECISIONS)) == 0


def test_staff_may_not_suspend_their_own_producer(db, world, signed_in):
    world["coop"].owner.role = Role.STAFF
    db.session.commit()
    html = post(
        signed_in(world["coop"].owner),
        "/staff/producers/suspend",
        producer_id=world["coop"].id,
        reason="x",
    ).get_data(as_text=True)
    assert "You may not change the status of your own producer." in html
    db.session.expire_all()
    assert world["coop"].status == ProducerStatus.ACTIVE


def test_an_unknown_producer_is_404(db, world, signed_in):
    answer = post(
        signed_in(world["staff"]), "/staff/producers/suspend", producer_id=999, reason="x"
    )
    assert answer.status_code == 404


STAFF_PAGES = ["/staff/producers", "/staff/refunds", "/staff/reviews"]
STAFF_POSTS = ["/staff/producers/suspend", "/staff/producers/reactivate", "/staff/refunds"]


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.PRODUCER])
def test_a_customer_or_producer_cannot_reach_these_staff_routes(
    db,
    world,
    signed_in,
    role,
):
    someone = signed_in(world["coop"].owner if role == Role.PRODUCER else make_user(role))
    for path in STAFF_PAGES:
        assert someone.get(path).status_code == 403, path
    for path in [*STAFF_POSTS, "/staff/reviews"]:
        assert post(someone, path, producer_id=world["coop"].id, reason="x").status_code == 403
    db.session.expire_all()
    assert world["coop"].status == ProducerStatus.ACTIVE


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_visitor_is_sent_to_log_in(client, path):
    answer = client.get(path)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
